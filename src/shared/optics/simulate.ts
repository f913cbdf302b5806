/**
 * Deterministic in-line hologram simulator.
 *
 * Objects are thin transmission masks t(x, y) = exp(-absorption(x, y) + i phase(x, y)) built from
 * cell-like ellipses with an ellipsoidal thickness profile sqrt(1 - rho^2) (rho = normalised
 * elliptical radius), optional denser "nucleus", a phase delay of up to ~2 pi and weak absorption.
 * The mask is propagated with the band-limited angular spectrum to the sensor at zUm, and the
 * recorded intensity (optionally with shot/read noise) is returned.
 *
 * Everything is deterministic under `seed` (see prng.ts).
 */

import type { ComplexField } from './field';
import { createField } from './field';
import { createRng } from './prng';
import type { OpticalParams, PaddingMode } from './propagation';
import { propagate } from './propagation';
import { shiftField } from './registration';

export interface CellSpec {
  /** centre, micrometres from the top-left corner of the field */
  xUm: number;
  yUm: number;
  /** semi-axes in micrometres */
  radiusXUm: number;
  radiusYUm: number;
  /** rotation of the x semi-axis, radians */
  angleRad: number;
  /** peak phase delay (at the centre), radians */
  phaseRad: number;
  /** peak amplitude attenuation coefficient: amplitude = exp(-absorption * profile) */
  absorption: number;
  /** optional nucleus: relative size (0..1) and extra phase, radians */
  nucleusScale: number;
  nucleusPhaseRad: number;
}

export interface ObjectSimulationParams {
  width: number;
  height: number;
  pixelSizeUm: number;
  seed: number;
  /** number of cells to place (fewer if they do not fit without overlap); default scales with area */
  cellCount?: number;
  /** semi-axis range in micrometres; default [4, 10] */
  radiusRangeUm?: [number, number];
  /** peak phase range in radians; default [0.5 pi, 2 pi] */
  phaseRangeRad?: [number, number];
  /** peak absorption range; default [0, 0.1] (at most ~10 % amplitude loss) */
  absorptionRange?: [number, number];
  /** keep cell centres at least this far from the field edge; default 1.5 * max radius */
  edgeMarginUm?: number;
  /** supersampling factor per axis for anti-aliased edges; default 4 */
  supersample?: number;
}

export interface SimulatedObject {
  field: ComplexField;
  /** ground-truth (unwrapped) phase in radians and amplitude */
  phaseRad: Float64Array;
  amplitude: Float64Array;
  cells: CellSpec[];
}

/** Random, non-overlapping cell layout. */
export function randomCells(params: ObjectSimulationParams): CellSpec[] {
  const rng = createRng(params.seed);
  const [rMin, rMax] = params.radiusRangeUm ?? [4, 10];
  const [pMin, pMax] = params.phaseRangeRad ?? [0.5 * Math.PI, 2 * Math.PI];
  const [aMin, aMax] = params.absorptionRange ?? [0, 0.1];
  const wUm = params.width * params.pixelSizeUm;
  const hUm = params.height * params.pixelSizeUm;
  const margin = params.edgeMarginUm ?? 1.5 * rMax;
  const meanArea = Math.PI * ((rMin + rMax) / 2) ** 2;
  const count = params.cellCount ?? Math.max(1, Math.round((0.12 * wUm * hUm) / meanArea));
  const cells: CellSpec[] = [];
  for (let attempt = 0; attempt < count * 50 && cells.length < count; attempt++) {
    const rx = rng.uniform(rMin, rMax);
    const ry = rx * rng.uniform(0.7, 1.0);
    const x = rng.uniform(margin, Math.max(margin, wUm - margin));
    const y = rng.uniform(margin, Math.max(margin, hUm - margin));
    const clear = cells.every((c) => Math.hypot(c.xUm - x, c.yUm - y) > Math.max(c.radiusXUm, c.radiusYUm) + rx + 1);
    const angle = rng.uniform(0, Math.PI);
    const phase = rng.uniform(pMin, pMax);
    const absorption = rng.uniform(aMin, aMax);
    const hasNucleus = rng.next() < 0.5;
    const nucleusScale = hasNucleus ? rng.uniform(0.3, 0.5) : 0;
    const nucleusPhase = hasNucleus ? rng.uniform(0.1, 0.25) * phase : 0;
    if (!clear) continue;
    cells.push({
      xUm: x,
      yUm: y,
      radiusXUm: rx,
      radiusYUm: ry,
      angleRad: angle,
      phaseRad: phase - nucleusPhase, // keep the total peak phase within the requested range
      absorption,
      nucleusScale,
      nucleusPhaseRad: nucleusPhase,
    });
  }
  return cells;
}

/** Rasterise cells into a transmission field. */
export function renderCells(
  cells: readonly CellSpec[],
  width: number,
  height: number,
  pixelSizeUm: number,
  supersample = 4,
): SimulatedObject {
  const n = width * height;
  const phase = new Float64Array(n);
  const absorb = new Float64Array(n);
  const ss = Math.max(1, Math.floor(supersample));
  const inv = 1 / (ss * ss);
  for (const c of cells) {
    const cos = Math.cos(c.angleRad);
    const sin = Math.sin(c.angleRad);
    const rMax = Math.max(c.radiusXUm, c.radiusYUm);
    const x0 = Math.max(0, Math.floor((c.xUm - rMax) / pixelSizeUm) - 1);
    const x1 = Math.min(width - 1, Math.ceil((c.xUm + rMax) / pixelSizeUm) + 1);
    const y0 = Math.max(0, Math.floor((c.yUm - rMax) / pixelSizeUm) - 1);
    const y1 = Math.min(height - 1, Math.ceil((c.yUm + rMax) / pixelSizeUm) + 1);
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        let body = 0;
        let nucleus = 0;
        for (let sy = 0; sy < ss; sy++) {
          for (let sx = 0; sx < ss; sx++) {
            // pixel (px, py) covers [px, px+1) * pixelSize; sample centres of sub-pixels
            const xu = (px + (sx + 0.5) / ss) * pixelSizeUm - c.xUm;
            const yu = (py + (sy + 0.5) / ss) * pixelSizeUm - c.yUm;
            const u = (xu * cos + yu * sin) / c.radiusXUm;
            const v = (-xu * sin + yu * cos) / c.radiusYUm;
            const rho2 = u * u + v * v;
            if (rho2 < 1) body += Math.sqrt(1 - rho2);
            if (c.nucleusScale > 0) {
              const k2 = rho2 / (c.nucleusScale * c.nucleusScale);
              if (k2 < 1) nucleus += Math.sqrt(1 - k2);
            }
          }
        }
        const i = py * width + px;
        phase[i] += (c.phaseRad * body + c.nucleusPhaseRad * nucleus) * inv;
        absorb[i] += c.absorption * body * inv;
      }
    }
  }
  const field = createField(width, height);
  const amplitude = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.exp(-absorb[i]);
    amplitude[i] = a;
    field.re[i] = a * Math.cos(phase[i]);
    field.im[i] = a * Math.sin(phase[i]);
  }
  return { field, phaseRad: phase, amplitude, cells: cells.slice() };
}

/** Random cell-like phase/absorption object, deterministic under params.seed. */
export function simulateObject(params: ObjectSimulationParams): SimulatedObject {
  return renderCells(randomCells(params), params.width, params.height, params.pixelSizeUm, params.supersample ?? 4);
}

export interface NoiseParams {
  seed: number;
  /** shot noise: mean photon count of the background level (Gaussian approximation); 0/undefined = none */
  photonsAtBackground?: number;
  /** additive Gaussian read noise, standard deviation in units of the background intensity */
  readNoiseSigma?: number;
}

export interface HologramSimulationParams extends OpticalParams {
  /** object-to-sensor distance, micrometres */
  zUm: number;
  /** illumination (background) intensity; default 1 */
  backgroundIntensity?: number;
  /**
   * default 'none': periodic propagation. The simulated object has a uniform background, so this
   * models an object repeated periodically; keep cells away from the edges (edgeMarginUm).
   */
  padding?: PaddingMode;
  /**
   * Band limit of the transfer function. Default: false for padding 'none' (a periodic object's
   * spectrum is exactly discrete, so circular propagation with the sampled H is exact and the
   * Matsushima limit, which targets linear convolution, would only discard signal), true otherwise.
   */
  bandLimit?: boolean;
  /** lateral sub-pixel shift of the object before propagation (stage drift), pixels */
  shiftPx?: { x: number; y: number };
  noise?: NoiseParams;
}

/** Intensity hologram of `object` at the sensor (new Float64Array, row-major). */
export function simulateHologram(object: ComplexField, params: HologramSimulationParams): Float64Array {
  const shifted =
    params.shiftPx && (params.shiftPx.x !== 0 || params.shiftPx.y !== 0)
      ? shiftField(object, params.shiftPx.x, params.shiftPx.y)
      : object;
  const sensor = propagate(shifted, {
    wavelengthNm: params.wavelengthNm,
    pixelSizeUm: params.pixelSizeUm,
    refractiveIndex: params.refractiveIndex,
    zUm: params.zUm,
    padding: params.padding ?? 'none',
    bandLimit: params.bandLimit ?? (params.padding ?? 'none') !== 'none',
  });
  const bg = params.backgroundIntensity ?? 1;
  const n = object.width * object.height;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = bg * (sensor.re[i] * sensor.re[i] + sensor.im[i] * sensor.im[i]);
  if (params.noise) addNoise(out, bg, params.noise);
  return out;
}

/** Add shot (Gaussian-approximated Poisson) and read noise in place; clamps at 0. */
export function addNoise(intensity: Float64Array, backgroundIntensity: number, noise: NoiseParams): void {
  const rng = createRng(noise.seed);
  const photons = noise.photonsAtBackground ?? 0;
  const read = (noise.readNoiseSigma ?? 0) * backgroundIntensity;
  for (let i = 0; i < intensity.length; i++) {
    let v = intensity[i];
    if (photons > 0) {
      // Var[I] = I * bg / photons in intensity units
      v += Math.sqrt(Math.max(0, v) * backgroundIntensity / photons) * rng.normal();
    }
    if (read > 0) v += read * rng.normal();
    intensity[i] = Math.max(0, v);
  }
}

/** Holograms of one object at several heights (and optional per-height lateral drift). */
export function simulateMultiHeight(
  object: ComplexField,
  params: Omit<HologramSimulationParams, 'zUm' | 'shiftPx'> & {
    heightsUm: readonly number[];
    shiftsPx?: readonly { x: number; y: number }[];
  },
): Float64Array[] {
  return params.heightsUm.map((zUm, k) =>
    simulateHologram(object, {
      ...params,
      zUm,
      shiftPx: params.shiftsPx?.[k],
      noise: params.noise ? { ...params.noise, seed: params.noise.seed + 7919 * k } : undefined,
    }),
  );
}
