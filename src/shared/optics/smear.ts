/**
 * The holography network's training family, in TypeScript: thin smear-like objects on a periodic field and the
 * recording model of `training/sim/holography.py` (with `training/sim/optics.py` and `tissue.smooth_noise`).
 *
 * Object: t = exp(−α + iφ) on a periodic field (cells that cross an edge wrap around, so FFT propagation has no
 * wrap-around artefact). Two scene kinds, as in the Python:
 * - `blood`: biconcave red cells (coverage 4–35 %, one phase level per field 0.8–2.4 rad) and a few white cells
 *   with lobed nuclei;
 * - `pap`: large flat squamous cells with folds, textured cytoplasm and dense nuclei, plus small debris.
 * The phase is then capped at 2π·U(0.8, 1) and the absorption at 0.35.
 *
 * Recording (`recordSmearHologram`): angular-spectrum propagation by z (band-limited), intensity, partial spatial
 * coherence as a Gaussian blur of the intensity with FWHM = z·θ (θ ∈ 0.5–1.5 mrad), Poisson–Gaussian noise with a
 * log-uniform 800–6000 e⁻ background and 1.5–4 e⁻ read noise, clipped at 0 — in units of the illumination. Every
 * hologram draws its own θ, photon level and read noise, as each Python `record` call does.
 *
 * The Python draws its cell counts per simulated field, and its fields are `referenceSizePx` (384 px, the
 * training `sim_size`) wide. Larger fields here scale the per-field counts with the area, so a 2048² field has
 * the cell density the network was trained on rather than a handful of cells on an empty slide.
 *
 * The random streams are this package's seeded PRNG, not numpy's PCG64: the same distributions, never the same
 * samples as the training set (whose fields came from numpy seed 3303). Everything is deterministic under `seed`.
 */

import { fft2, ifft2 } from './fft';
import type { ComplexField } from './field';
import { createField } from './field';
import type { Rng } from './prng';
import { createRng, poisson } from './prng';
import { propagate } from './propagation';

export type SmearKind = 'blood' | 'pap';

export interface SmearObjectParams {
  width: number;
  height: number;
  /** default 1.12 (the training's sensor pitch) */
  pixelSizeUm?: number;
  seed: number;
  /** scene kind; default 'random' (blood or pap with equal probability, as in training) */
  kind?: SmearKind | 'random';
  /** side of the training's simulated field, for scaling per-field counts with area; default 384 */
  referenceSizePx?: number;
}

export interface SmearObject {
  kind: SmearKind;
  field: ComplexField;
  /** true phase delay φ (radians, not wrapped) and absorption α, after the caps */
  phaseRad: Float64Array;
  absorption: Float64Array;
  /** |t| = exp(−α) */
  amplitude: Float64Array;
  /** number of cells / debris particles placed */
  objectCount: number;
  /** the phase cap drawn for this field, radians */
  phaseCapRad: number;
}

/** Defaults of `training/sim/holography.py` (DEFAULTS). */
export const SMEAR_TRAINING_OPTICS = {
  wavelengthNm: 530,
  pixelSizeUm: 1.12,
  refractiveIndex: 1,
  zRangeUm: [300, 1000] as [number, number],
  sourceMradRange: [0.5, 1.5] as [number, number],
  photonsRange: [800, 6000] as [number, number],
  readNoiseRange: [1.5, 4.0] as [number, number],
  heightStepUm: 25,
  referenceSizePx: 384,
} as const;

const soft = (x: number, w: number): number => 0.5 * (1 + Math.tanh(x / w));

/** A local patch of the periodic field around (cy, cx), with blob coordinates (µm) and normalised radius. */
interface Blob {
  row0: number;
  col0: number;
  rows: number;
  cols: number;
  /** rotated coordinates in µm and r / R(θ) (1 on the irregular outline) */
  u: Float64Array;
  v: Float64Array;
  r: Float64Array;
}

/** Irregular ellipse with semi-axes a, b (µm) at pixel position (cy, cx), rotated by ang; outline harmonics 2–5. */
function blob(rng: Rng, dx: number, cy: number, cx: number, a: number, b: number, ang: number, harmAmp: number): Blob {
  const rad = Math.ceil((Math.max(a, b) * 1.35) / dx) + 2;
  const row0 = Math.trunc(cy) - rad;
  const col0 = Math.trunc(cx) - rad;
  const rows = 2 * rad + 1;
  const cols = 2 * rad + 1;
  const harmonics: { k: number; amp: number; phase: number }[] = [];
  for (const k of [2, 3, 4, 5]) {
    const amp = rng.normal() * (harmAmp / k);
    harmonics.push({ k, amp, phase: rng.uniform(0, 6.3) });
  }
  const n = rows * cols;
  const u = new Float64Array(n);
  const v = new Float64Array(n);
  const r = new Float64Array(n);
  const c = Math.cos(ang);
  const s = Math.sin(ang);
  for (let i = 0; i < rows; i++) {
    const dy = (row0 + i - cy) * dx;
    for (let j = 0; j < cols; j++) {
      const dxp = (col0 + j - cx) * dx;
      const uu = dxp * c + dy * s;
      const vv = -dxp * s + dy * c;
      const rr = Math.sqrt((uu / a) ** 2 + (vv / b) ** 2);
      const th = Math.atan2(vv / b, uu / a);
      let R = 1;
      for (const h of harmonics) R += h.amp * Math.cos(h.k * th + h.phase);
      const p = i * cols + j;
      u[p] = uu;
      v[p] = vv;
      r[p] = rr / R;
    }
  }
  return { row0, col0, rows, cols, u, v, r };
}

/** out[(row0 + i) mod H, (col0 + j) mod W] += values[i, j] (the periodic paste of the Python). */
function paste(out: Float64Array, width: number, height: number, b: Blob, values: ArrayLike<number>): void {
  for (let i = 0; i < b.rows; i++) {
    const y = (((b.row0 + i) % height) + height) % height;
    const row = y * width;
    for (let j = 0; j < b.cols; j++) {
      const x = (((b.col0 + j) % width) + width) % width;
      out[row + x] += values[i * b.cols + j];
    }
  }
}

/** Integer in [lo, hi) (numpy's Generator.integers). */
const integers = (rng: Rng, lo: number, hi: number): number => rng.int(lo, hi - 1);

/**
 * Zero-mean-ish, unit-variance Gaussian random field on a rows × cols patch with correlation length sigmaPx:
 * white noise filtered by exp(−2(πσ)²f²) (periodic), divided by its standard deviation (tissue.smooth_noise).
 */
export function smoothNoise(rng: Rng, rows: number, cols: number, sigmaPx: number): Float64Array {
  const n = rows * cols;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = rng.normal();
  fft2(re, im, cols, rows);
  const a = 2 * (Math.PI * sigmaPx) ** 2;
  const gx = new Float64Array(cols);
  for (let k = 0; k < cols; k++) {
    const f = (k < Math.ceil(cols / 2) ? k : k - cols) / cols;
    gx[k] = Math.exp(-a * f * f);
  }
  for (let ky = 0; ky < rows; ky++) {
    const f = (ky < Math.ceil(rows / 2) ? ky : ky - rows) / rows;
    const gy = Math.exp(-a * f * f);
    for (let kx = 0; kx < cols; kx++) {
      const g = gy * gx[kx];
      re[ky * cols + kx] *= g;
      im[ky * cols + kx] *= g;
    }
  }
  ifft2(re, im, cols, rows);
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    s += re[i];
    s2 += re[i] * re[i];
  }
  const mean = s / n;
  const std = Math.sqrt(Math.max(0, s2 / n - mean * mean));
  const div = std > 0 ? std : 1;
  for (let i = 0; i < n; i++) re[i] /= div;
  return re;
}

interface Planes {
  width: number;
  height: number;
  dx: number;
  phase: Float64Array;
  absorb: Float64Array;
  /** per-field counts are multiplied by this (field area / training field area) */
  areaScale: number;
  count: number;
}

function bloodSmear(rng: Rng, p: Planes): void {
  const { width: W, height: H, dx } = p;
  const coverage = rng.uniform(0.04, 0.35);
  const nRbc = Math.trunc((coverage * (W * dx) * (H * dx)) / 45.0);
  const phiRbc = rng.uniform(0.8, 2.4);
  for (let c = 0; c < nRbc; c++) {
    const cy = rng.uniform(0, H);
    const cx = rng.uniform(0, W);
    const R = rng.uniform(3.3, 4.2);
    const b = blob(rng, dx, cy, cx, R, R * rng.uniform(0.85, 1.0), rng.uniform(0, Math.PI), 0.03);
    const dimple = rng.uniform(0.25, 0.55);
    const phi = phiRbc * rng.uniform(0.85, 1.15);
    const alpha = rng.uniform(0.01, 0.08);
    const ph = new Float64Array(b.r.length);
    const ab = new Float64Array(b.r.length);
    for (let i = 0; i < b.r.length; i++) {
      const r = b.r[i];
      const thick = soft(1 - r, 0.08) * (1 - dimple * Math.exp(-((r / 0.5) ** 2)));
      ph[i] = phi * thick;
      ab[i] = alpha * thick;
    }
    paste(p.phase, W, H, b, ph);
    paste(p.absorb, W, H, b, ab);
    p.count++;
  }
  const nWbc = poisson(rng, (1.0 + coverage * 8) * p.areaScale);
  for (let c = 0; c < nWbc; c++) {
    const cy = rng.uniform(0, H);
    const cx = rng.uniform(0, W);
    const R = rng.uniform(5.0, 7.5);
    const b = blob(rng, dx, cy, cx, R, R * rng.uniform(0.85, 1.0), 0.0, 0.05);
    const body = b.r.map((r) => soft(1 - r, 0.06));
    const phiBody = rng.uniform(1.0, 2.5);
    paste(p.phase, W, H, b, body.map((m) => phiBody * m));
    const nuc = new Float64Array(body.length);
    const lobes = integers(rng, 1, 5);
    for (let l = 0; l < lobes; l++) {
      const oy = rng.normal() * 0.3 * R;
      const ox = rng.normal() * 0.3 * R;
      const rl = rng.uniform(1.6, 2.8);
      for (let i = 0; i < nuc.length; i++) {
        const d = Math.sqrt((b.u[i] - ox) ** 2 + (b.v[i] - oy) ** 2) / rl;
        nuc[i] = Math.max(nuc[i], soft(1 - d, 0.1));
      }
    }
    const phiNuc = rng.uniform(1.5, 3.5);
    paste(p.phase, W, H, b, nuc.map((m, i) => phiNuc * m * body[i]));
    const aNuc = rng.uniform(0.05, 0.3);
    paste(p.absorb, W, H, b, nuc.map((m, i) => aNuc * m * body[i]));
    p.count++;
  }
}

function papSmear(rng: Rng, p: Planes): void {
  const { width: W, height: H, dx } = p;
  const nCells = Math.round(integers(rng, 3, 22) * p.areaScale);
  for (let c = 0; c < nCells; c++) {
    const cy = rng.uniform(0, H);
    const cx = rng.uniform(0, W);
    const a = rng.uniform(14, 32);
    const b = blob(rng, dx, cy, cx, a, a * rng.uniform(0.6, 1.0), rng.uniform(0, Math.PI), 0.25);
    const n = b.r.length;
    const body = b.r.map((r) => soft(1 - r, 0.04));
    const tex = smoothNoise(rng, b.rows, b.cols, 3.0 / dx).map((t) => 1 + 0.15 * t);
    // folds: thin ridges along random lines
    const fold = new Float64Array(n);
    const folds = integers(rng, 0, 3);
    for (let f = 0; f < folds; f++) {
      const t = rng.uniform(0, Math.PI);
      const off = rng.uniform(-0.5, 0.5) * a;
      const w = rng.uniform(0.8, 2.0);
      const ct = Math.cos(t);
      const st = Math.sin(t);
      for (let i = 0; i < n; i++) {
        const d = b.u[i] * ct + b.v[i] * st - off;
        fold[i] += Math.exp(-((d / w) ** 2));
      }
    }
    const phiC = rng.uniform(0.3, 1.2);
    paste(p.phase, W, H, b, body.map((m, i) => m * (phiC * tex[i] + 0.6 * fold[i])));
    const aC = rng.uniform(0.0, 0.05);
    paste(p.absorb, W, H, b, body.map((m) => m * aC));
    // nucleus
    const rn = rng.uniform(2.5, 5.5);
    const oy = rng.normal() * 0.15 * a;
    const ox = rng.normal() * 0.15 * a;
    const squash = rng.uniform(0.75, 1.0);
    const nuc = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const nr = Math.sqrt((b.u[i] - ox) ** 2 + ((b.v[i] - oy) / squash) ** 2) / rn;
      nuc[i] = soft(1 - nr, 0.1) * body[i];
    }
    const chrom = smoothNoise(rng, b.rows, b.cols, 0.8 / dx).map((t) => 1 + 0.2 * t);
    const phiN = rng.uniform(1.5, 4.5);
    paste(p.phase, W, H, b, nuc.map((m, i) => m * phiN * chrom[i]));
    const aN = rng.uniform(0.05, 0.3);
    paste(p.absorb, W, H, b, nuc.map((m) => m * aN));
    p.count++;
  }
  const debris = poisson(rng, 15 * p.areaScale);
  for (let d = 0; d < debris; d++) {
    const cy = rng.uniform(0, H);
    const cx = rng.uniform(0, W);
    const a = rng.uniform(0.6, 2.5);
    const b = blob(rng, dx, cy, cx, a, a * rng.uniform(0.3, 1.0), rng.uniform(0, Math.PI), 0.1);
    const m = b.r.map((r) => soft(1 - r, 0.15));
    const phi = rng.uniform(0.3, 1.5);
    paste(p.phase, W, H, b, m.map((x) => x * phi));
    const alpha = rng.uniform(0.0, 0.2);
    paste(p.absorb, W, H, b, m.map((x) => x * alpha));
    p.count++;
  }
}

/** A smear-like object of the training family (make_object in training/sim/holography.py). */
export function simulateSmearObject(params: SmearObjectParams): SmearObject {
  const { width, height, seed } = params;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new Error('simulateSmearObject: width and height must be positive integers');
  }
  const dx = params.pixelSizeUm ?? SMEAR_TRAINING_OPTICS.pixelSizeUm;
  const ref = params.referenceSizePx ?? SMEAR_TRAINING_OPTICS.referenceSizePx;
  const rng = createRng(seed);
  const pick = rng.next();
  const kind: SmearKind = params.kind === 'blood' || params.kind === 'pap' ? params.kind : pick < 0.5 ? 'blood' : 'pap';
  const planes: Planes = {
    width,
    height,
    dx,
    phase: new Float64Array(width * height),
    absorb: new Float64Array(width * height),
    areaScale: (width * height) / (ref * ref),
    count: 0,
  };
  (kind === 'blood' ? bloodSmear : papSmear)(rng, planes);
  const phaseCapRad = 2 * Math.PI * rng.uniform(0.8, 1.0);
  const field = createField(width, height);
  const amplitude = new Float64Array(width * height);
  for (let i = 0; i < field.re.length; i++) {
    const phi = Math.min(planes.phase[i], phaseCapRad);
    const alpha = Math.min(planes.absorb[i], 0.35);
    planes.phase[i] = phi;
    planes.absorb[i] = alpha;
    const a = Math.exp(-alpha);
    amplitude[i] = a;
    field.re[i] = a * Math.cos(phi);
    field.im[i] = a * Math.sin(phi);
  }
  return { kind, field, phaseRad: planes.phase, absorption: planes.absorb, amplitude, objectCount: planes.count, phaseCapRad };
}

/**
 * Gaussian blur of a (periodic) intensity with standard deviation sigmaUm, through its transfer function
 * exp(−2(πσ)²(fx² + fy²)) (optics.gaussian_otf + apply_otf). Returns a new array.
 */
export function gaussianBlurPeriodic(intensity: ArrayLike<number>, width: number, height: number, pixelSizeUm: number, sigmaUm: number): Float64Array {
  const n = width * height;
  if (intensity.length !== n) throw new Error('gaussianBlurPeriodic: size mismatch');
  const re = Float64Array.from(intensity);
  if (!(sigmaUm > 0)) return re;
  const im = new Float64Array(n);
  fft2(re, im, width, height);
  const a = 2 * (Math.PI * sigmaUm) ** 2;
  const gx = new Float64Array(width);
  for (let k = 0; k < width; k++) {
    const f = (k < Math.ceil(width / 2) ? k : k - width) / (width * pixelSizeUm);
    gx[k] = Math.exp(-a * f * f);
  }
  for (let ky = 0; ky < height; ky++) {
    const f = (ky < Math.ceil(height / 2) ? ky : ky - height) / (height * pixelSizeUm);
    const gy = Math.exp(-a * f * f);
    const row = ky * width;
    for (let kx = 0; kx < width; kx++) {
      re[row + kx] *= gy * gx[kx];
      im[row + kx] *= gy * gx[kx];
    }
  }
  ifft2(re, im, width, height);
  return re;
}

/**
 * Poisson–Gaussian sensor noise in place (optics.poisson_gaussian, then the clip of `record`): the intensity in
 * units of the illumination becomes (Poisson(I·photons) + N(0, readNoiseE²)) / photons, clipped at 0.
 */
export function poissonGaussianNoise(intensity: Float64Array, photons: number, readNoiseE: number, rng: Rng): void {
  if (!(photons > 0)) throw new Error('poissonGaussianNoise: photons must be > 0');
  for (let i = 0; i < intensity.length; i++) {
    const counts = poisson(rng, Math.max(0, intensity[i]) * photons) + readNoiseE * rng.normal();
    intensity[i] = Math.max(0, counts / photons);
  }
}

export interface SmearRecordingParams {
  wavelengthNm: number;
  pixelSizeUm: number;
  refractiveIndex: number;
  zUm: number;
  seed: number;
  sourceMradRange?: readonly [number, number];
  photonsRange?: readonly [number, number];
  readNoiseRange?: readonly [number, number];
}

export interface SmearRecording {
  /** hologram intensity in units of the illumination (background ≈ 1) */
  intensity: Float64Array;
  zUm: number;
  /** drawn source angular size (mrad), blur σ (µm), background photons and read noise (e⁻) */
  sourceMrad: number;
  blurSigmaUm: number;
  photons: number;
  readNoiseE: number;
}

/** One noisy, partially coherent hologram of `object` at zUm (record() in training/sim/holography.py). */
export function recordSmearHologram(object: ComplexField, params: SmearRecordingParams): SmearRecording {
  const rng = createRng(params.seed);
  const [t0, t1] = params.sourceMradRange ?? SMEAR_TRAINING_OPTICS.sourceMradRange;
  const [p0, p1] = params.photonsRange ?? SMEAR_TRAINING_OPTICS.photonsRange;
  const [r0, r1] = params.readNoiseRange ?? SMEAR_TRAINING_OPTICS.readNoiseRange;
  const sensor = propagate(object, {
    wavelengthNm: params.wavelengthNm,
    pixelSizeUm: params.pixelSizeUm,
    refractiveIndex: params.refractiveIndex,
    zUm: params.zUm,
    padding: 'none',
    bandLimit: true,
  });
  const n = object.width * object.height;
  const raw = new Float64Array(n);
  for (let i = 0; i < n; i++) raw[i] = sensor.re[i] * sensor.re[i] + sensor.im[i] * sensor.im[i];
  const sourceMrad = rng.uniform(t0, t1);
  const blurSigmaUm = (params.zUm * sourceMrad * 1e-3) / 2.355;
  const intensity = gaussianBlurPeriodic(raw, object.width, object.height, params.pixelSizeUm, blurSigmaUm);
  const photons = Math.exp(rng.uniform(Math.log(p0), Math.log(p1)));
  const readNoiseE = rng.uniform(r0, r1);
  poissonGaussianNoise(intensity, photons, readNoiseE, rng);
  return { intensity, zUm: params.zUm, sourceMrad, blurSigmaUm, photons, readNoiseE };
}

/**
 * A multi-height stack as the training's `simulate(..., heights=True)`: holograms at z + k·heightStepUm,
 * k = 0…count−1, each recorded independently (own blur, photon level, read noise and noise draw).
 */
export function recordSmearStack(
  object: ComplexField,
  params: Omit<SmearRecordingParams, 'zUm'> & { zUm: number; heightStepUm?: number; count: number },
): SmearRecording[] {
  const step = params.heightStepUm ?? SMEAR_TRAINING_OPTICS.heightStepUm;
  return Array.from({ length: params.count }, (_, k) =>
    recordSmearHologram(object, { ...params, zUm: params.zUm + k * step, seed: params.seed + 7919 * k }),
  );
}
