/**
 * Holographic autofocus: find the sample-to-sensor distance that maximises a sharpness/sparsity
 * criterion of the back-propagated field, with a coarse grid search followed by successively
 * finer local grids.
 *
 * Default criterion: Tamura coefficient of the gradient magnitude ("ToG", Zhang et al., Opt. Lett.
 * 42, 3824, 2017), TC = sqrt(std(G) / mean(G)), with G = |grad U| computed on the complex
 * back-propagated field U. Using the complex field (not only its amplitude) makes the criterion peak
 * at focus for phase objects too, whose in-focus amplitude is nearly featureless.
 * 'tamura-amplitude-gradient' uses G = |grad |U|| instead.
 */

import type { ComplexField } from './field';
import { ifft2 } from './fft';
import type { OpticalParams, PaddingMode } from './propagation';
import { applyTransfer, hologramToField, spectrumOf, transferFunction } from './propagation';

export type FocusCriterion = 'tamura-gradient' | 'tamura-amplitude-gradient';

export interface AutofocusParams extends OpticalParams {
  zMinUm: number;
  zMaxUm: number;
  /** step of the coarse grid, micrometres; default (zMax - zMin) / 35 */
  coarseStepUm?: number;
  /** stop refining once the step is <= this, micrometres; default 1 */
  fineStepUm?: number;
  /** each refinement divides the step by this factor; default 5 */
  refineFactor?: number;
  criterion?: FocusCriterion;
  backgroundIntensity?: number | Float64Array;
  /** default 'mean' */
  padding?: PaddingMode;
  /** pixels at each edge excluded from the score; default 8 */
  marginPx?: number;
}

export interface FocusPoint {
  zUm: number;
  score: number;
}

export interface AutofocusResult {
  /** best distance (sample to sensor), micrometres */
  zUm: number;
  /** all evaluated points, sorted by z */
  curve: FocusPoint[];
  /** final search step (the result is accurate to about +- this, given a unimodal peak) */
  stepUm: number;
}

/** Tamura coefficient sqrt(std / mean) of a non-negative sample set. */
export function tamuraCoefficient(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    s += values[i];
    s2 += values[i] * values[i];
  }
  const mean = s / n;
  if (mean <= 0) return 0;
  const variance = Math.max(0, s2 / n - mean * mean);
  return Math.sqrt(Math.sqrt(variance) / mean);
}

/** Focus score of a complex field (central differences, edges excluded by marginPx). */
export function focusScore(field: ComplexField, criterion: FocusCriterion = 'tamura-gradient', marginPx = 1): number {
  const { width: w, height: h, re, im } = field;
  const m = Math.max(1, marginPx);
  if (w <= 2 * m || h <= 2 * m) throw new Error('focusScore: field too small for the margin');
  const g = new Float64Array((w - 2 * m) * (h - 2 * m));
  let k = 0;
  for (let y = m; y < h - m; y++) {
    for (let x = m; x < w - m; x++) {
      const i = y * w + x;
      if (criterion === 'tamura-gradient') {
        const gxr = re[i + 1] - re[i - 1];
        const gxi = im[i + 1] - im[i - 1];
        const gyr = re[i + w] - re[i - w];
        const gyi = im[i + w] - im[i - w];
        g[k++] = 0.5 * Math.sqrt(gxr * gxr + gxi * gxi + gyr * gyr + gyi * gyi);
      } else {
        const gx = Math.sqrt(re[i + 1] * re[i + 1] + im[i + 1] * im[i + 1]) - Math.sqrt(re[i - 1] * re[i - 1] + im[i - 1] * im[i - 1]);
        const gy = Math.sqrt(re[i + w] * re[i + w] + im[i + w] * im[i + w]) - Math.sqrt(re[i - w] * re[i - w] + im[i - w] * im[i - w]);
        g[k++] = 0.5 * Math.sqrt(gx * gx + gy * gy);
      }
    }
  }
  return tamuraCoefficient(g);
}

/**
 * Creates a scorer that back-propagates the hologram to any z (the hologram spectrum is computed once).
 */
export function createFocusScorer(
  hologram: ArrayLike<number>,
  width: number,
  height: number,
  params: AutofocusParams,
): (zUm: number) => number {
  const padding = params.padding ?? 'mean';
  const { grid, spectrum } = spectrumOf(hologramToField(hologram, width, height, params.backgroundIntensity), padding);
  const criterion = params.criterion ?? 'tamura-gradient';
  const margin = params.marginPx ?? 8;
  const work: ComplexField = {
    width: grid.width,
    height: grid.height,
    re: new Float64Array(spectrum.re.length),
    im: new Float64Array(spectrum.im.length),
  };
  const crop: ComplexField = {
    width,
    height,
    re: new Float64Array(width * height),
    im: new Float64Array(width * height),
  };
  return (zUm: number): number => {
    work.re.set(spectrum.re);
    work.im.set(spectrum.im);
    applyTransfer(work, transferFunction(grid.width, grid.height, { ...params, zUm: -zUm }));
    ifft2(work.re, work.im, grid.width, grid.height);
    for (let y = 0; y < height; y++) {
      const s = (y + grid.offsetY) * grid.width + grid.offsetX;
      crop.re.set(work.re.subarray(s, s + width), y * width);
      crop.im.set(work.im.subarray(s, s + width), y * width);
    }
    return focusScore(crop, criterion, margin);
  };
}

/** Coarse-to-fine autofocus of an in-line hologram over [zMinUm, zMaxUm]. */
export function autofocus(
  hologram: ArrayLike<number>,
  width: number,
  height: number,
  params: AutofocusParams,
): AutofocusResult {
  const { zMinUm, zMaxUm } = params;
  if (!(zMaxUm > zMinUm)) throw new Error('autofocus: zMaxUm must exceed zMinUm');
  const score = createFocusScorer(hologram, width, height, params);
  const seen = new Map<number, number>();
  const evaluate = (z: number): number => {
    const key = Math.round(z * 1e6) / 1e6;
    let s = seen.get(key);
    if (s === undefined) {
      s = score(key);
      seen.set(key, s);
    }
    return s;
  };
  let step = params.coarseStepUm ?? (zMaxUm - zMinUm) / 35;
  const fine = params.fineStepUm ?? 1;
  const factor = Math.max(2, params.refineFactor ?? 5);
  if (!(step > 0) || !(fine > 0)) throw new Error('autofocus: steps must be > 0');
  // coarse grid (always includes both ends)
  let lo = zMinUm;
  let hi = zMaxUm;
  let best = zMinUm;
  for (;;) {
    const count = Math.max(1, Math.round((hi - lo) / step));
    const actualStep = (hi - lo) / count;
    let bestScore = -Infinity;
    for (let i = 0; i <= count; i++) {
      const z = lo + i * actualStep;
      const s = evaluate(z);
      if (s > bestScore) {
        bestScore = s;
        best = z;
      }
    }
    step = actualStep;
    if (step <= fine * (1 + 1e-9)) break;
    lo = Math.max(zMinUm, best - step);
    hi = Math.min(zMaxUm, best + step);
    step = Math.max(fine, step / factor);
  }
  const curve = [...seen.entries()].map(([zUm, s]) => ({ zUm, score: s })).sort((a, b) => a.zUm - b.zUm);
  return { zUm: best, curve, stepUm: step };
}
