/**
 * Fast Fourier transforms on split real/imaginary typed arrays.
 *
 * - Power-of-two lengths use an iterative radix-2 decimation-in-time transform (stages fused
 *   in pairs, radix-2^2) with a cached bit-reversal permutation and cached twiddle table.
 * - Any other length uses Bluestein's chirp-z algorithm on top of the radix-2
 *   transform (its chirp and the chirp's spectrum are cached per length).
 *
 * Conventions: forward  X[k] = sum_n x[n] exp(-2 pi i k n / N)
 *              inverse  x[n] = (1/N) sum_k X[k] exp(+2 pi i k n / N)
 * so `inverse(forward(x)) == x`.
 *
 * All transforms are in place. 2-D arrays are row-major (index = y * width + x).
 */

export type FloatArray = Float64Array | Float32Array;

interface Radix2Plan {
  readonly kind: 'radix2';
  readonly n: number;
  /** bit-reversal partner for each index (only i < rev[i] pairs are swapped) */
  readonly rev: Uint32Array;
  /** cos(2 pi k / n), k < n/2 */
  readonly cos: Float64Array;
  /** sin(2 pi k / n), k < n/2 */
  readonly sin: Float64Array;
}

interface BluesteinPlan {
  readonly kind: 'bluestein';
  readonly n: number;
  /** padded power-of-two convolution length, m >= 2n - 1 */
  readonly m: number;
  /** chirp w[k] = exp(-i pi k^2 / n), k < n */
  readonly chirpRe: Float64Array;
  readonly chirpIm: Float64Array;
  /** FFT (length m) of the conjugate chirp arranged for circular convolution */
  readonly kernelRe: Float64Array;
  readonly kernelIm: Float64Array;
  /** scratch buffers of length m */
  readonly workRe: Float64Array;
  readonly workIm: Float64Array;
}

type Plan = Radix2Plan | BluesteinPlan;

const planCache = new Map<number, Plan>();

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function makeRadix2Plan(n: number): Radix2Plan {
  const bits = Math.round(Math.log2(n));
  const rev = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    let v = i;
    for (let b = 0; b < bits; b++) {
      r = (r << 1) | (v & 1);
      v >>= 1;
    }
    rev[i] = r;
  }
  const half = Math.max(1, n >> 1);
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    const a = (2 * Math.PI * k) / n;
    cos[k] = Math.cos(a);
    sin[k] = Math.sin(a);
  }
  return { kind: 'radix2', n, rev, cos, sin };
}

function makeBluesteinPlan(n: number): BluesteinPlan {
  const m = nextPowerOfTwo(2 * n - 1);
  const chirpRe = new Float64Array(n);
  const chirpIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // k^2 mod 2n keeps the angle argument small and exact for large k
    const k2 = (k * k) % (2 * n);
    const a = (Math.PI * k2) / n;
    chirpRe[k] = Math.cos(a);
    chirpIm[k] = -Math.sin(a);
  }
  const kernelRe = new Float64Array(m);
  const kernelIm = new Float64Array(m);
  // b[k] = conj(w[k]) for k in (-n, n), stored circularly
  kernelRe[0] = chirpRe[0];
  kernelIm[0] = -chirpIm[0];
  for (let k = 1; k < n; k++) {
    kernelRe[k] = chirpRe[k];
    kernelIm[k] = -chirpIm[k];
    kernelRe[m - k] = chirpRe[k];
    kernelIm[m - k] = -chirpIm[k];
  }
  radix2(kernelRe, kernelIm, getPlan(m) as Radix2Plan, false);
  return {
    kind: 'bluestein',
    n,
    m,
    chirpRe,
    chirpIm,
    kernelRe,
    kernelIm,
    workRe: new Float64Array(m),
    workIm: new Float64Array(m),
  };
}

function getPlan(n: number): Plan {
  let plan = planCache.get(n);
  if (!plan) {
    plan = isPowerOfTwo(n) ? makeRadix2Plan(n) : makeBluesteinPlan(n);
    planCache.set(n, plan);
  }
  return plan;
}

/** Drop all cached plans (twiddles, chirps). Mainly for memory-sensitive callers and tests. */
export function clearFftCache(): void {
  planCache.clear();
  scratchCache = null;
}

/** Unnormalised radix-2 transform; `inverse` flips the twiddle sign only. */
function radix2(re: FloatArray, im: FloatArray, plan: Radix2Plan, inverse: boolean): void {
  const n = plan.n;
  if (n <= 1) return;
  const rev = plan.rev;
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (i < j) {
      const tr = re[i];
      re[i] = re[j];
      re[j] = tr;
      const ti = im[i];
      im[i] = im[j];
      im[j] = ti;
    }
  }
  const cosT = plan.cos;
  const sinT = plan.sin;
  const sign = inverse ? 1 : -1;
  const bits = Math.round(Math.log2(n));
  // With an odd number of stages, do the twiddle-free size-2 stage alone first; the remaining
  // stages are fused in pairs (radix-2^2: two radix-2 stages per pass over the data).
  let h = 1;
  if (bits % 2 === 1) {
    for (let i = 0; i < n; i += 2) {
      const ar = re[i];
      const ai = im[i];
      const br = re[i + 1];
      const bi = im[i + 1];
      re[i] = ar + br;
      im[i] = ai + bi;
      re[i + 1] = ar - br;
      im[i + 1] = ai - bi;
    }
    h = 2;
  }
  for (; 4 * h <= n; h *= 4) {
    const step1 = n / (2 * h); // twiddle stride for W_{2h}
    const step2 = n / (4 * h); // twiddle stride for W_{4h}
    for (let start = 0; start < n; start += 4 * h) {
      for (let k = 0; k < h; k++) {
        const w1r = cosT[k * step1];
        const w1i = sign * sinT[k * step1];
        const w2r = cosT[k * step2];
        const w2i = sign * sinT[k * step2];
        // w3 = w2 * W_{4h}^h = w2 * (sign * i)
        const w3r = -sign * w2i;
        const w3i = sign * w2r;
        const i0 = start + k;
        const i1 = i0 + h;
        const i2 = i1 + h;
        const i3 = i2 + h;
        // first stage (span h): (i0, i1) and (i2, i3) with w1
        const x1r = re[i1] * w1r - im[i1] * w1i;
        const x1i = re[i1] * w1i + im[i1] * w1r;
        const x3r = re[i3] * w1r - im[i3] * w1i;
        const x3i = re[i3] * w1i + im[i3] * w1r;
        const a0r = re[i0] + x1r;
        const a0i = im[i0] + x1i;
        const a1r = re[i0] - x1r;
        const a1i = im[i0] - x1i;
        const a2r = re[i2] + x3r;
        const a2i = im[i2] + x3i;
        const a3r = re[i2] - x3r;
        const a3i = im[i2] - x3i;
        // second stage (span 2h): (i0, i2) with w2, (i1, i3) with w3
        const b2r = a2r * w2r - a2i * w2i;
        const b2i = a2r * w2i + a2i * w2r;
        const b3r = a3r * w3r - a3i * w3i;
        const b3i = a3r * w3i + a3i * w3r;
        re[i0] = a0r + b2r;
        im[i0] = a0i + b2i;
        re[i2] = a0r - b2r;
        im[i2] = a0i - b2i;
        re[i1] = a1r + b3r;
        im[i1] = a1i + b3i;
        re[i3] = a1r - b3r;
        im[i3] = a1i - b3i;
      }
    }
  }
}

/** Unnormalised Bluestein transform of any length. */
function bluestein(re: FloatArray, im: FloatArray, plan: BluesteinPlan, inverse: boolean): void {
  const { n, m, chirpRe, chirpIm, kernelRe, kernelIm, workRe, workIm } = plan;
  const sub = getPlan(m) as Radix2Plan;
  // The inverse transform is conj(F(conj(x))).
  const s = inverse ? -1 : 1;
  for (let k = 0; k < n; k++) {
    const xr = re[k];
    const xi = s * im[k];
    workRe[k] = xr * chirpRe[k] - xi * chirpIm[k];
    workIm[k] = xr * chirpIm[k] + xi * chirpRe[k];
  }
  workRe.fill(0, n);
  workIm.fill(0, n);
  radix2(workRe, workIm, sub, false);
  for (let k = 0; k < m; k++) {
    const ar = workRe[k];
    const ai = workIm[k];
    const br = kernelRe[k];
    const bi = kernelIm[k];
    workRe[k] = ar * br - ai * bi;
    workIm[k] = ar * bi + ai * br;
  }
  radix2(workRe, workIm, sub, true);
  const invM = 1 / m;
  for (let k = 0; k < n; k++) {
    const ar = workRe[k] * invM;
    const ai = workIm[k] * invM;
    re[k] = ar * chirpRe[k] - ai * chirpIm[k];
    im[k] = s * (ar * chirpIm[k] + ai * chirpRe[k]);
  }
}

function transformUnnormalised(re: FloatArray, im: FloatArray, inverse: boolean): void {
  const n = re.length;
  if (im.length !== n) throw new Error(`fft: re/im length mismatch (${n} vs ${im.length})`);
  if (n <= 1) return;
  const plan = getPlan(n);
  if (plan.kind === 'radix2') radix2(re, im, plan, inverse);
  else bluestein(re, im, plan, inverse);
}

/** In-place forward 1-D FFT of any length. */
export function fft(re: FloatArray, im: FloatArray): void {
  transformUnnormalised(re, im, false);
}

/** In-place inverse 1-D FFT of any length (normalised by 1/N). */
export function ifft(re: FloatArray, im: FloatArray): void {
  transformUnnormalised(re, im, true);
  const n = re.length;
  if (n <= 1) return;
  const inv = 1 / n;
  for (let i = 0; i < n; i++) {
    re[i] *= inv;
    im[i] *= inv;
  }
}

/** Scratch planes for the 2-D transform, kept for the most recent size only. */
let scratchCache: { n: number; re: Float64Array; im: Float64Array } | null = null;

function getScratch(n: number): { re: Float64Array; im: Float64Array } {
  if (!scratchCache || scratchCache.n !== n) {
    scratchCache = { n, re: new Float64Array(n), im: new Float64Array(n) };
  }
  return scratchCache;
}

/** dst (width x height, i.e. `height` columns become rows) = transpose of src (height rows of `width`). */
function transposeInto(src: FloatArray, dst: FloatArray, width: number, height: number): void {
  const B = 32;
  for (let y0 = 0; y0 < height; y0 += B) {
    const y1 = Math.min(height, y0 + B);
    for (let x0 = 0; x0 < width; x0 += B) {
      const x1 = Math.min(width, x0 + B);
      for (let y = y0; y < y1; y++) {
        const row = y * width;
        for (let x = x0; x < x1; x++) dst[x * height + y] = src[row + x];
      }
    }
  }
}

function transform2d(
  re: FloatArray,
  im: FloatArray,
  width: number,
  height: number,
  inverse: boolean,
): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`fft2: invalid size ${width}x${height}`);
  }
  if (re.length !== width * height || im.length !== width * height) {
    throw new Error(`fft2: arrays must have width*height = ${width * height} elements`);
  }
  // rows: contiguous, transform through subarray views
  if (width > 1) {
    for (let y = 0; y < height; y++) {
      const o = y * width;
      transformUnnormalised(re.subarray(o, o + width), im.subarray(o, o + width), inverse);
    }
  }
  // columns: blocked transpose into scratch (width rows of length height), transform the rows,
  // transpose back. Much more cache-friendly than gathering strided columns one by one.
  if (height > 1) {
    const n = width * height;
    const scratch = getScratch(n);
    const tRe = scratch.re;
    const tIm = scratch.im;
    transposeInto(re, tRe, width, height);
    transposeInto(im, tIm, width, height);
    for (let x = 0; x < width; x++) {
      const o = x * height;
      transformUnnormalised(tRe.subarray(o, o + height), tIm.subarray(o, o + height), inverse);
    }
    transposeInto(tRe, re, height, width);
    transposeInto(tIm, im, height, width);
  }
  if (inverse) {
    const inv = 1 / (width * height);
    const n = width * height;
    for (let i = 0; i < n; i++) {
      re[i] *= inv;
      im[i] *= inv;
    }
  }
}

/** In-place forward 2-D FFT (row-major, any width/height). */
export function fft2(re: FloatArray, im: FloatArray, width: number, height: number): void {
  transform2d(re, im, width, height, false);
}

/** In-place inverse 2-D FFT (row-major, any width/height), normalised by 1/(width*height). */
export function ifft2(re: FloatArray, im: FloatArray, width: number, height: number): void {
  transform2d(re, im, width, height, true);
}

/**
 * Circularly shift a 2-D array so that index (0,0) moves to (floor(w/2), floor(h/2)),
 * i.e. the zero frequency ends up in the centre. Returns a new array of the same type.
 */
export function fftshift2<T extends FloatArray>(data: T, width: number, height: number): T {
  return circshift2(data, width, height, Math.floor(width / 2), Math.floor(height / 2));
}

/** Inverse of {@link fftshift2} (differs from it for odd sizes). */
export function ifftshift2<T extends FloatArray>(data: T, width: number, height: number): T {
  return circshift2(data, width, height, -Math.floor(width / 2), -Math.floor(height / 2));
}

/** out[(y + dy) mod h, (x + dx) mod w] = data[y, x] for integer dx, dy. */
export function circshift2<T extends FloatArray>(
  data: T,
  width: number,
  height: number,
  dx: number,
  dy: number,
): T {
  if (data.length !== width * height) throw new Error('circshift2: size mismatch');
  const out = (data instanceof Float32Array ? new Float32Array(data.length) : new Float64Array(data.length)) as T;
  const sx = (((dx % width) + width) % width) | 0;
  const sy = (((dy % height) + height) % height) | 0;
  for (let y = 0; y < height; y++) {
    const ty = (y + sy) % height;
    const src = y * width;
    const dst = ty * width;
    // split each row into two contiguous runs
    out.set(data.subarray(src, src + width - sx), dst + sx);
    if (sx > 0) out.set(data.subarray(src + width - sx, src + width), dst);
  }
  return out;
}

/**
 * Signed frequency index for FFT bin k of an n-point transform:
 * 0, 1, ..., ceil(n/2)-1, -floor(n/2), ..., -1. Multiply by 1/(n*dx) for cycles per unit.
 */
export function fftFrequencyIndex(k: number, n: number): number {
  return k < Math.ceil(n / 2) ? k : k - n;
}

/** Naive O(N^2) DFT, for testing only. Returns new arrays. */
export function naiveDft(
  re: ArrayLike<number>,
  im: ArrayLike<number>,
  inverse = false,
): { re: Float64Array; im: Float64Array } {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const a = (sign * 2 * Math.PI * ((k * j) % n)) / n;
      const c = Math.cos(a);
      const s = Math.sin(a);
      sr += re[j] * c - im[j] * s;
      si += re[j] * s + im[j] * c;
    }
    outRe[k] = inverse ? sr / n : sr;
    outIm[k] = inverse ? si / n : si;
  }
  return { re: outRe, im: outIm };
}
