/**
 * Sub-pixel translation (Fourier shift theorem) and registration by phase correlation with
 * local upsampled-DFT refinement of the correlation peak (matrix-multiply DFT evaluated only
 * on a small neighbourhood of the integer peak, in the spirit of Guizar-Sicairos et al. 2008).
 */

import { fft2, fftFrequencyIndex, ifft2 } from './fft';
import type { ComplexField } from './field';
import { createField } from './field';

/**
 * Shift a complex field by (dxPx, dyPx) pixels (circularly, sub-pixel): out(x) = in(x - d).
 * Returns a new field.
 */
export function shiftField(field: ComplexField, dxPx: number, dyPx: number): ComplexField {
  const { width: w, height: h } = field;
  const out = { width: w, height: h, re: field.re.slice(), im: field.im.slice() };
  fft2(out.re, out.im, w, h);
  applyShiftRamp(out, dxPx, dyPx, false);
  ifft2(out.re, out.im, w, h);
  return out;
}

/** Shift a real plane (e.g. a hologram) by (dxPx, dyPx) pixels, circularly and sub-pixel. */
export function shiftPlane(plane: Float64Array, width: number, height: number, dxPx: number, dyPx: number): Float64Array {
  const f = createField(width, height);
  f.re.set(plane);
  fft2(f.re, f.im, width, height);
  applyShiftRamp(f, dxPx, dyPx, true);
  ifft2(f.re, f.im, width, height);
  return f.re;
}

function rampTable(n: number, d: number, realSymmetric: boolean): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const f = fftFrequencyIndex(k, n);
    const a = (-2 * Math.PI * f * d) / n;
    if (realSymmetric && n % 2 === 0 && k === n / 2) {
      // the Nyquist bin is its own mirror image: keep the ramp real so real input stays real
      re[k] = Math.cos(a);
      im[k] = 0;
    } else {
      re[k] = Math.cos(a);
      im[k] = Math.sin(a);
    }
  }
  return { re, im };
}

function applyShiftRamp(spec: ComplexField, dx: number, dy: number, realSymmetric: boolean): void {
  const { width: w, height: h, re, im } = spec;
  const rx = rampTable(w, dx, realSymmetric);
  const ry = rampTable(h, dy, realSymmetric);
  for (let v = 0; v < h; v++) {
    const yr = ry.re[v];
    const yi = ry.im[v];
    for (let u = 0; u < w; u++) {
      const cr = rx.re[u] * yr - rx.im[u] * yi;
      const ci = rx.re[u] * yi + rx.im[u] * yr;
      const i = v * w + u;
      const a = re[i];
      const b = im[i];
      re[i] = a * cr - b * ci;
      im[i] = a * ci + b * cr;
    }
  }
}

export interface RegistrationOptions {
  /** apply a Hann window before correlating (reduces edge effects); default true */
  window?: boolean;
  /** subtract the mean complex value first; default true */
  removeMean?: boolean;
  /** sub-pixel resolution 1/upsample pixels; default 20 */
  upsample?: number;
  /**
   * whitening regulariser relative to the strongest cross-spectrum component; 0 = pure phase
   * correlation; default 1e-3 (noise-dominated frequencies get little weight)
   */
  regularization?: number;
}

export interface RegistrationResult {
  /** displacement of `moving` relative to `reference`: moving(x) ~ reference(x - shift) */
  xPx: number;
  yPx: number;
  /** correlation peak height (about 1 for a perfect translation with regularization 0) */
  peak: number;
}

function prepare(f: ComplexField, opts: RegistrationOptions): ComplexField {
  const { width: w, height: h } = f;
  const out = createField(w, h);
  let mr = 0;
  let mi = 0;
  if (opts.removeMean !== false) {
    for (let i = 0; i < w * h; i++) {
      mr += f.re[i];
      mi += f.im[i];
    }
    mr /= w * h;
    mi /= w * h;
  }
  const useWindow = opts.window !== false;
  const wx = new Float64Array(w);
  const wy = new Float64Array(h);
  for (let x = 0; x < w; x++) wx[x] = useWindow ? 0.5 - 0.5 * Math.cos((2 * Math.PI * (x + 0.5)) / w) : 1;
  for (let y = 0; y < h; y++) wy[y] = useWindow ? 0.5 - 0.5 * Math.cos((2 * Math.PI * (y + 0.5)) / h) : 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const g = wx[x] * wy[y];
      out.re[i] = (f.re[i] - mr) * g;
      out.im[i] = (f.im[i] - mi) * g;
    }
  }
  return out;
}

/**
 * Phase correlation between two complex fields (or real images given as fields with zero imaginary
 * part). Returns the sub-pixel translation of `moving` relative to `reference`.
 */
export function phaseCorrelate(
  reference: ComplexField,
  moving: ComplexField,
  opts: RegistrationOptions = {},
): RegistrationResult {
  const { width: w, height: h } = reference;
  if (moving.width !== w || moving.height !== h) throw new Error('phaseCorrelate: size mismatch');
  const a = prepare(reference, opts);
  const b = prepare(moving, opts);
  fft2(a.re, a.im, w, h);
  fft2(b.re, b.im, w, h);
  // regularised cross-power spectrum R = X / (|X| + eps * max|X|), X = B conj(A): pure phase
  // correlation where the cross spectrum is strong, down-weighted where it is at the noise level
  const R = createField(w, h);
  let maxMag = 0;
  for (let i = 0; i < w * h; i++) {
    const cr = b.re[i] * a.re[i] + b.im[i] * a.im[i];
    const ci = b.im[i] * a.re[i] - b.re[i] * a.im[i];
    R.re[i] = cr;
    R.im[i] = ci;
    maxMag = Math.max(maxMag, Math.sqrt(cr * cr + ci * ci));
  }
  const eps = (opts.regularization ?? 1e-3) * maxMag + 1e-300;
  for (let i = 0; i < w * h; i++) {
    const d = Math.sqrt(R.re[i] * R.re[i] + R.im[i] * R.im[i]) + eps;
    R.re[i] /= d;
    R.im[i] /= d;
  }
  const corr = { width: w, height: h, re: R.re.slice(), im: R.im.slice() };
  ifft2(corr.re, corr.im, w, h);
  let best = -1;
  let bi = 0;
  for (let i = 0; i < w * h; i++) {
    const m = corr.re[i] * corr.re[i] + corr.im[i] * corr.im[i];
    if (m > best) {
      best = m;
      bi = i;
    }
  }
  const px = fftFrequencyIndex(bi % w, w);
  const py = fftFrequencyIndex(Math.floor(bi / w), h);
  const up = Math.max(1, Math.round(opts.upsample ?? 20));
  if (up === 1) return { xPx: px, yPx: py, peak: Math.sqrt(best) };
  return refinePeak(R, px, py, up);
}

/** Evaluate the inverse DFT of R on a (2*up+1)^2 grid spanning +-1 px around (px, py). */
function refinePeak(R: ComplexField, px: number, py: number, up: number): RegistrationResult {
  const { width: w, height: h } = R;
  const m = 2 * up + 1;
  const xs = new Float64Array(m);
  const ys = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    xs[j] = px + (j - up) / up;
    ys[j] = py + (j - up) / up;
  }
  // T[v][j] = sum_u R[v][u] exp(2 pi i f_u xs[j] / w)
  const eRe = new Float64Array(w * m);
  const eIm = new Float64Array(w * m);
  for (let u = 0; u < w; u++) {
    const f = fftFrequencyIndex(u, w);
    for (let j = 0; j < m; j++) {
      const a = (2 * Math.PI * f * xs[j]) / w;
      eRe[u * m + j] = Math.cos(a);
      eIm[u * m + j] = Math.sin(a);
    }
  }
  const tRe = new Float64Array(h * m);
  const tIm = new Float64Array(h * m);
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      const rr = R.re[v * w + u];
      const ri = R.im[v * w + u];
      if (rr === 0 && ri === 0) continue;
      const o = u * m;
      const t = v * m;
      for (let j = 0; j < m; j++) {
        tRe[t + j] += rr * eRe[o + j] - ri * eIm[o + j];
        tIm[t + j] += rr * eIm[o + j] + ri * eRe[o + j];
      }
    }
  }
  let best = -1;
  let bx = 0;
  let by = 0;
  const mag = new Float64Array(m * m);
  for (let iy = 0; iy < m; iy++) {
    const cRe = new Float64Array(h);
    const cIm = new Float64Array(h);
    for (let v = 0; v < h; v++) {
      const a = (2 * Math.PI * fftFrequencyIndex(v, h) * ys[iy]) / h;
      cRe[v] = Math.cos(a);
      cIm[v] = Math.sin(a);
    }
    for (let j = 0; j < m; j++) {
      let sr = 0;
      let si = 0;
      for (let v = 0; v < h; v++) {
        const tr = tRe[v * m + j];
        const ti = tIm[v * m + j];
        sr += tr * cRe[v] - ti * cIm[v];
        si += tr * cIm[v] + ti * cRe[v];
      }
      const val = Math.hypot(sr, si) / (w * h);
      mag[iy * m + j] = val;
      if (val > best) {
        best = val;
        bx = j;
        by = iy;
      }
    }
  }
  // parabolic interpolation on the upsampled grid for the last fraction of a step
  const parab = (l: number, c: number, r: number): number => {
    const d = l - 2 * c + r;
    return d < 0 ? (0.5 * (l - r)) / d : 0;
  };
  let ox = 0;
  let oy = 0;
  if (bx > 0 && bx < m - 1) ox = parab(mag[by * m + bx - 1], best, mag[by * m + bx + 1]);
  if (by > 0 && by < m - 1) oy = parab(mag[(by - 1) * m + bx], best, mag[(by + 1) * m + bx]);
  return { xPx: xs[bx] + ox / up, yPx: ys[by] + oy / up, peak: best };
}
