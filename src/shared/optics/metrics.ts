/**
 * Image-quality metrics for reconstructed complex fields.
 */

import type { ComplexField } from './field';
import { amplitudeOf } from './field';

export interface RegionOptions {
  /** ignore this many pixels at every edge; default 0 */
  marginPx?: number;
  /** optional per-pixel mask (non-zero = included) */
  mask?: Uint8Array;
}

function included(width: number, height: number, opts: RegionOptions): (x: number, y: number) => boolean {
  const m = opts.marginPx ?? 0;
  const mask = opts.mask;
  if (mask && mask.length !== width * height) throw new Error('metrics: mask size mismatch');
  return (x, y) =>
    x >= m && y >= m && x < width - m && y < height - m && (!mask || mask[y * width + x] !== 0);
}

/**
 * Global phase offset (radians) that best aligns `field` to `reference` in the least-squares sense:
 * arg( sum reference * conj(field) ) over the region.
 */
export function globalPhaseOffset(field: ComplexField, reference: ComplexField, opts: RegionOptions = {}): number {
  check(field, reference);
  const inc = included(field.width, field.height, opts);
  let sr = 0;
  let si = 0;
  for (let y = 0; y < field.height; y++) {
    for (let x = 0; x < field.width; x++) {
      if (!inc(x, y)) continue;
      const i = y * field.width + x;
      // reference * conj(field)
      sr += reference.re[i] * field.re[i] + reference.im[i] * field.im[i];
      si += reference.im[i] * field.re[i] - reference.re[i] * field.im[i];
    }
  }
  return Math.atan2(si, sr);
}

/** Copy of `field` multiplied by exp(i phaseRad). */
export function rotatePhase(field: ComplexField, phaseRad: number): ComplexField {
  const c = Math.cos(phaseRad);
  const s = Math.sin(phaseRad);
  const n = field.re.length;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = field.re[i] * c - field.im[i] * s;
    im[i] = field.re[i] * s + field.im[i] * c;
  }
  return { width: field.width, height: field.height, re, im };
}

/**
 * Root-mean-square phase error (radians) after removing the global phase offset by complex
 * inner-product alignment. The per-pixel error is the wrapped phase of field * conj(reference),
 * so no unwrapping is needed and 2 pi ambiguities do not count as errors.
 */
export function phaseRmse(field: ComplexField, reference: ComplexField, opts: RegionOptions = {}): number {
  check(field, reference);
  const offset = globalPhaseOffset(field, reference, opts);
  const c = Math.cos(offset);
  const s = Math.sin(offset);
  const inc = included(field.width, field.height, opts);
  let sum = 0;
  let count = 0;
  for (let y = 0; y < field.height; y++) {
    for (let x = 0; x < field.width; x++) {
      if (!inc(x, y)) continue;
      const i = y * field.width + x;
      const fr = field.re[i] * c - field.im[i] * s;
      const fi = field.re[i] * s + field.im[i] * c;
      // arg(f * conj(ref))
      const d = Math.atan2(fi * reference.re[i] - fr * reference.im[i], fr * reference.re[i] + fi * reference.im[i]);
      sum += d * d;
      count++;
    }
  }
  return count > 0 ? Math.sqrt(sum / count) : 0;
}

export interface SsimOptions extends RegionOptions {
  /** dynamic range L; default max - min of the reference over the region */
  dataRange?: number;
  /** Gaussian window standard deviation in pixels; default 1.5 (11-tap window) */
  sigmaPx?: number;
}

function gaussianKernel(sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(3.5 * sigma));
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) {
    k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
    s += k[i + r];
  }
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/** Separable Gaussian blur with edge clamping. */
function blur(src: Float64Array, w: number, h: number, k: Float64Array): Float64Array {
  const r = (k.length - 1) >> 1;
  const tmp = new Float64Array(w * h);
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let j = -r; j <= r; j++) {
        const xx = Math.min(w - 1, Math.max(0, x + j));
        s += k[j + r] * src[y * w + xx];
      }
      tmp[y * w + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let j = -r; j <= r; j++) {
        const yy = Math.min(h - 1, Math.max(0, y + j));
        s += k[j + r] * tmp[yy * w + x];
      }
      out[y * w + x] = s;
    }
  }
  return out;
}

/**
 * Mean structural similarity (Wang et al. 2004; Gaussian window sigma 1.5, K1 = 0.01, K2 = 0.03)
 * between two real images of the same size. `b` is the reference.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number, opts: SsimOptions = {}): number {
  const n = width * height;
  if (a.length !== n || b.length !== n) throw new Error('ssim: size mismatch');
  const inc = included(width, height, opts);
  let L = opts.dataRange;
  if (L === undefined) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (!inc(x, y)) continue;
        const v = b[y * width + x];
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    L = hi > lo ? hi - lo : 1;
  }
  const c1 = (0.01 * L) ** 2;
  const c2 = (0.03 * L) ** 2;
  const A = Float64Array.from(a);
  const B = Float64Array.from(b);
  const AA = new Float64Array(n);
  const BB = new Float64Array(n);
  const AB = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    AA[i] = A[i] * A[i];
    BB[i] = B[i] * B[i];
    AB[i] = A[i] * B[i];
  }
  const k = gaussianKernel(opts.sigmaPx ?? 1.5);
  const muA = blur(A, width, height, k);
  const muB = blur(B, width, height, k);
  const sAA = blur(AA, width, height, k);
  const sBB = blur(BB, width, height, k);
  const sAB = blur(AB, width, height, k);
  let sum = 0;
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inc(x, y)) continue;
      const i = y * width + x;
      const ma = muA[i];
      const mb = muB[i];
      const va = sAA[i] - ma * ma;
      const vb = sBB[i] - mb * mb;
      const cov = sAB[i] - ma * mb;
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      count++;
    }
  }
  return count > 0 ? sum / count : 1;
}

/** SSIM of the amplitudes |field| vs |reference|. */
export function amplitudeSsim(field: ComplexField, reference: ComplexField, opts: SsimOptions = {}): number {
  check(field, reference);
  return ssim(amplitudeOf(field), amplitudeOf(reference), field.width, field.height, opts);
}

function check(a: ComplexField, b: ComplexField): void {
  if (a.width !== b.width || a.height !== b.height) throw new Error('metrics: field size mismatch');
}
