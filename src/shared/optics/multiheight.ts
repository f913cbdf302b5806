/**
 * Multi-height iterative phase retrieval (Gerchberg-Saxton style amplitude replacement cycling
 * through K in-line holograms recorded at sample-to-sensor distances z1..zK; cf. Greenbaum &
 * Ozcan, Opt. Express 20, 3129, 2012).
 *
 * Steps:
 * 1. amplitudes A_k = sqrt(I_k / background);
 * 2. optional lateral registration: each hologram is back-propagated to the object plane (-z_k),
 *    the complex reconstructions are registered to the first one by phase correlation with
 *    sub-pixel refinement, and the hologram is shifted back (Fourier shift) by the estimate;
 * 3. starting from A_1 with zero phase at z_1, propagate z_1 -> z_2 -> ... -> z_K -> z_1, replacing
 *    the amplitude with the measured A_k at each plane and keeping the phase, for N iterations;
 * 4. propagate the plane-1 estimate by -z_1 to the object plane.
 *
 * Padding: with 'zero'/'mean' the estimate lives on the padded grid; the amplitude constraint is
 * applied only inside the measured window and the padded area evolves freely.
 */

import { fft2, ifft2 } from './fft';
import type { ComplexField } from './field';
import { cropField } from './field';
import type { OpticalParams, PaddedGrid, PaddingMode, TransferFunction } from './propagation';
import { applyTransfer, backPropagateHologram, hologramToField, padField, transferFunction } from './propagation';
import { phaseCorrelate, shiftPlane } from './registration';

export interface MultiHeightParams extends OpticalParams {
  /** sample-to-sensor distance of each hologram, micrometres */
  heightsUm: readonly number[];
  /** number of full cycles through all planes; default 20 */
  iterations?: number;
  /** default 'none' (periodic; fastest) */
  padding?: PaddingMode;
  /** apply the band limit to the inter-plane transfer functions; default: true unless padding is 'none' */
  bandLimit?: boolean;
  /** estimate and remove lateral shifts between heights; default true */
  register?: boolean;
  /** known shifts (pixels) of each hologram relative to the first; overrides registration */
  shiftsPx?: readonly { x: number; y: number }[];
  /** background intensity for normalisation (scalar for all, or one value/plane per hologram) */
  backgroundIntensity?: number | readonly (number | Float64Array)[];
  /** called after every iteration with the current plane-1 estimate (cropped, not a copy) */
  onIteration?: (iteration: number, sensorField: ComplexField) => void;
}

export interface MultiHeightResult {
  /** retrieved complex field in the object plane */
  objectField: ComplexField;
  /** retrieved complex field in the plane of the first hologram */
  sensorField: ComplexField;
  /** lateral shift of each hologram relative to the first (pixels), as estimated or given */
  shiftsPx: { x: number; y: number }[];
  /** RMS amplitude mismatch (before replacement) at each plane, per iteration, averaged over planes */
  residuals: number[];
}

function backgroundFor(
  bg: MultiHeightParams['backgroundIntensity'],
  k: number,
): number | Float64Array | undefined {
  if (bg === undefined || typeof bg === 'number') return bg;
  return bg[k];
}

/** Estimate the lateral shift of each hologram relative to the first (pixels). */
export function registerHeights(
  holograms: readonly Float64Array[],
  width: number,
  height: number,
  params: MultiHeightParams,
): { x: number; y: number }[] {
  const recs = holograms.map((h, k) =>
    backPropagateHologram(h, width, height, {
      wavelengthNm: params.wavelengthNm,
      pixelSizeUm: params.pixelSizeUm,
      refractiveIndex: params.refractiveIndex,
      zUm: params.heightsUm[k],
      backgroundIntensity: backgroundFor(params.backgroundIntensity, k),
      padding: 'mean',
    }),
  );
  return recs.map((r, k) => {
    if (k === 0) return { x: 0, y: 0 };
    const res = phaseCorrelate(recs[0], r, { window: true, removeMean: true, upsample: 20 });
    return { x: res.xPx, y: res.yPx };
  });
}

export function multiHeightRetrieve(
  holograms: readonly Float64Array[],
  width: number,
  height: number,
  params: MultiHeightParams,
): MultiHeightResult {
  const K = holograms.length;
  if (K < 1 || params.heightsUm.length !== K) throw new Error('multiHeightRetrieve: need one height per hologram');
  for (const h of holograms) if (h.length !== width * height) throw new Error('multiHeightRetrieve: size mismatch');
  const iterations = params.iterations ?? 20;
  const padding = params.padding ?? 'none';
  const bandLimit = params.bandLimit ?? padding !== 'none';

  // 1-2. registration and amplitudes
  let shifts: { x: number; y: number }[];
  if (params.shiftsPx) shifts = params.shiftsPx.map((s) => ({ x: s.x, y: s.y }));
  else if (params.register !== false && K > 1) shifts = registerHeights(holograms, width, height, params);
  else shifts = holograms.map(() => ({ x: 0, y: 0 }));
  const amplitudes: Float64Array[] = holograms.map((h, k) => {
    const s = shifts[k];
    const aligned = s.x !== 0 || s.y !== 0 ? shiftPlane(h, width, height, -s.x, -s.y) : h;
    return hologramToField(aligned, width, height, backgroundFor(params.backgroundIntensity, k)).re;
  });

  // state on the (padded) grid, starting with A_1 and zero phase
  const initial = hologramToField(new Float64Array(width * height), width, height);
  initial.re.set(amplitudes[0]);
  const padded = padField(initial, padding);
  const grid: PaddedGrid = padded.grid;
  const state = padded.padded;

  const cache = new Map<number, TransferFunction>();
  const transfer = (dz: number): TransferFunction => {
    const key = Math.round(dz * 1e9) / 1e9;
    let t = cache.get(key);
    if (!t) {
      t = transferFunction(grid.width, grid.height, { ...params, zUm: key, bandLimit });
      cache.set(key, t);
    }
    return t;
  };
  const step = (dz: number): void => {
    if (dz === 0) return;
    fft2(state.re, state.im, grid.width, grid.height);
    applyTransfer(state, transfer(dz));
    ifft2(state.re, state.im, grid.width, grid.height);
  };
  /** replace the amplitude inside the window with `a`, keep the phase; returns sum of squared mismatch */
  const replace = (a: Float64Array): number => {
    let err = 0;
    for (let y = 0; y < height; y++) {
      const row = (y + grid.offsetY) * grid.width + grid.offsetX;
      for (let x = 0; x < width; x++) {
        const i = row + x;
        const r = state.re[i];
        const im = state.im[i];
        const m = Math.sqrt(r * r + im * im);
        const target = a[y * width + x];
        err += (m - target) * (m - target);
        if (m > 1e-12) {
          const s = target / m;
          state.re[i] = r * s;
          state.im[i] = im * s;
        } else {
          state.re[i] = target;
          state.im[i] = 0;
        }
      }
    }
    return err;
  };

  const residuals: number[] = [];
  const z = params.heightsUm;
  for (let it = 0; it < iterations; it++) {
    let err = 0;
    for (let k = 1; k < K; k++) {
      step(z[k] - z[k - 1]);
      err += replace(amplitudes[k]);
    }
    if (K > 1) {
      step(z[0] - z[K - 1]);
      err += replace(amplitudes[0]);
    }
    residuals.push(Math.sqrt(err / (Math.max(1, K) * width * height)));
    if (params.onIteration) {
      params.onIteration(it, cropField(state, grid.offsetX, grid.offsetY, width, height));
    }
  }

  const sensorField = cropField(state, grid.offsetX, grid.offsetY, width, height);
  step(-z[0]);
  const objectField = cropField(state, grid.offsetX, grid.offsetY, width, height);
  return { objectField, sensorField, shiftsPx: shifts, residuals };
}
