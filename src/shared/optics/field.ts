/**
 * Complex 2-D fields stored as separate real and imaginary planes (row-major,
 * index = y * width + x), plus small helpers used across the optics module.
 */

export interface ComplexField {
  readonly width: number;
  readonly height: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

export function createField(width: number, height: number): ComplexField {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`createField: invalid size ${width}x${height}`);
  }
  return { width, height, re: new Float64Array(width * height), im: new Float64Array(width * height) };
}

export function cloneField(f: ComplexField): ComplexField {
  return { width: f.width, height: f.height, re: f.re.slice(), im: f.im.slice() };
}

/** Field with the given amplitude and phase (phase defaults to 0). */
export function fieldFromAmplitudePhase(
  amplitude: ArrayLike<number>,
  phaseRad: ArrayLike<number> | null,
  width: number,
  height: number,
): ComplexField {
  const n = width * height;
  if (amplitude.length !== n || (phaseRad && phaseRad.length !== n)) {
    throw new Error('fieldFromAmplitudePhase: size mismatch');
  }
  const f = createField(width, height);
  for (let i = 0; i < n; i++) {
    const a = amplitude[i];
    const p = phaseRad ? phaseRad[i] : 0;
    f.re[i] = a * Math.cos(p);
    f.im[i] = a * Math.sin(p);
  }
  return f;
}

export function amplitudeOf(f: ComplexField): Float64Array {
  const n = f.re.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(f.re[i] * f.re[i] + f.im[i] * f.im[i]);
  return out;
}

export function intensityOf(f: ComplexField): Float64Array {
  const n = f.re.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f.re[i] * f.re[i] + f.im[i] * f.im[i];
  return out;
}

/** Wrapped phase in (-pi, pi]. */
export function phaseOf(f: ComplexField): Float64Array {
  const n = f.re.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.atan2(f.im[i], f.re[i]);
  return out;
}

/** Sum of |U|^2 over all samples (discrete energy; multiply by pixel area for physical units). */
export function fieldEnergy(f: ComplexField): number {
  let s = 0;
  const n = f.re.length;
  for (let i = 0; i < n; i++) s += f.re[i] * f.re[i] + f.im[i] * f.im[i];
  return s;
}

/** Wrap an angle into (-pi, pi]. */
export function wrapPhase(a: number): number {
  const t = a - 2 * Math.PI * Math.round(a / (2 * Math.PI));
  return t <= -Math.PI ? t + 2 * Math.PI : t;
}

/** Copy `src` (sw x sh) into a new zero/constant-filled canvas (dw x dh) at offset (ox, oy). */
export function embedField(
  src: ComplexField,
  dw: number,
  dh: number,
  ox: number,
  oy: number,
  fillRe = 0,
  fillIm = 0,
): ComplexField {
  const out = createField(dw, dh);
  if (fillRe !== 0) out.re.fill(fillRe);
  if (fillIm !== 0) out.im.fill(fillIm);
  for (let y = 0; y < src.height; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= dh) continue;
    for (let x = 0; x < src.width; x++) {
      const tx = x + ox;
      if (tx < 0 || tx >= dw) continue;
      out.re[ty * dw + tx] = src.re[y * src.width + x];
      out.im[ty * dw + tx] = src.im[y * src.width + x];
    }
  }
  return out;
}

/** Crop a (w x h) window starting at (ox, oy); the window must lie inside `src`. */
export function cropField(src: ComplexField, ox: number, oy: number, w: number, h: number): ComplexField {
  if (ox < 0 || oy < 0 || ox + w > src.width || oy + h > src.height) {
    throw new Error('cropField: window outside the field');
  }
  const out = createField(w, h);
  for (let y = 0; y < h; y++) {
    const s = (y + oy) * src.width + ox;
    out.re.set(src.re.subarray(s, s + w), y * w);
    out.im.set(src.im.subarray(s, s + w), y * w);
  }
  return out;
}

/** Crop a real plane. */
export function cropPlane(
  src: Float64Array,
  srcWidth: number,
  ox: number,
  oy: number,
  w: number,
  h: number,
): Float64Array {
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    const s = (y + oy) * srcWidth + ox;
    out.set(src.subarray(s, s + w), y * w);
  }
  return out;
}
