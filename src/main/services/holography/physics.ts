/**
 * The physics steps of a reconstruction, on typed arrays (no files, no catalog): background estimate,
 * cancellable autofocus, back-propagation, multi-height retrieval, the network's input and output planes, and
 * amplitude/phase extraction. Each step is synchronous; the job yields to the event loop between steps and
 * between autofocus planes, which is where a cancel takes effect.
 */
import {
  autofocus,
  backPropagateHologram,
  createFocusScorer,
  multiHeightRetrieve,
  type ComplexField,
  type FocusPoint,
  type OpticalParams,
  type PaddingMode,
} from '../../../shared/optics';

export interface Optics extends OpticalParams {
  wavelengthNm: number;
  pixelSizeUm: number;
  refractiveIndex: number;
}

/**
 * Empty-field intensity. A flat-field frame is rarely recorded with a hologram, and in-line samples are sparse,
 * so the median intensity stands in for it (the holography network was trained on fields divided by
 * sqrt(median I)). Estimated on at most ~256 k evenly strided samples: exact enough, and fast at 2048².
 */
export function backgroundIntensity(hologram: ArrayLike<number>): number {
  const stride = Math.max(1, Math.floor(hologram.length / 262_144));
  const sample = new Float64Array(Math.ceil(hologram.length / stride));
  for (let i = 0, j = 0; i < hologram.length; i += stride, j++) sample[j] = hologram[i];
  sample.sort();
  const mid = sample.length >> 1;
  const median = sample.length % 2 ? sample[mid] : 0.5 * (sample[mid - 1] + sample[mid]);
  return median > 0 ? median : 1;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface FocusSearch {
  zUm: number;
  curve: FocusPoint[];
  stepUm: number;
}

/**
 * Coarse grid over [zMin, zMax] one plane at a time (yielding between planes, so a cancel or another call gets
 * in), then the shared coarse-to-fine `autofocus` inside the best coarse interval down to `fineStepUm`.
 */
export async function searchFocus(
  hologram: Float64Array,
  widthPx: number,
  heightPx: number,
  optics: Optics,
  range: { zMinUm: number; zMaxUm: number; coarseSteps?: number; fineStepUm?: number },
  control: { check: () => void; onProgress: (done: number, total: number) => void },
): Promise<FocusSearch> {
  const backgroundI = backgroundIntensity(hologram);
  const params = { ...optics, zMinUm: range.zMinUm, zMaxUm: range.zMaxUm, backgroundIntensity: backgroundI, padding: 'mean' as const };
  const steps = range.coarseSteps ?? 24;
  const score = createFocusScorer(hologram, widthPx, heightPx, params);
  const coarse: FocusPoint[] = [];
  const coarseStep = (range.zMaxUm - range.zMinUm) / steps;
  for (let i = 0; i <= steps; i++) {
    control.check();
    const zUm = range.zMinUm + i * coarseStep;
    coarse.push({ zUm, score: score(zUm) });
    control.onProgress(i + 1, steps + 2);
    await yieldToLoop();
  }
  control.check();
  let best = 0;
  for (let i = 1; i < coarse.length; i++) if (coarse[i].score > coarse[best].score) best = i;
  const lo = Math.max(range.zMinUm, coarse[best].zUm - coarseStep);
  const hi = Math.min(range.zMaxUm, coarse[best].zUm + coarseStep);
  const fineStepUm = range.fineStepUm ?? Math.max(0.5, (range.zMaxUm - range.zMinUm) / 2000);
  const fine = autofocus(hologram, widthPx, heightPx, { ...params, zMinUm: lo, zMaxUm: hi, coarseStepUm: coarseStep / 5, fineStepUm });
  control.onProgress(steps + 2, steps + 2);
  const merged = new Map<number, number>();
  for (const p of [...coarse, ...fine.curve]) merged.set(Math.round(p.zUm * 1e6) / 1e6, p.score);
  const curve = [...merged.entries()].map(([zUm, s]) => ({ zUm, score: s })).sort((a, b) => a.zUm - b.zUm);
  return { zUm: fine.zUm, curve, stepUm: fine.stepUm };
}

/**
 * The back-propagated object-plane field, amplitude normalised by the background (≈ 1 in empty areas) and with
 * the plane-wave carrier exp(−i·2π·n·z/λ) taken out, so the background is ≈ 1 + 0i whatever z is: the
 * holography network's input convention (its manifest: transfer function exp(i2πz(√(1/λ² − f²) − 1/λ))).
 */
export function backPropagate(
  hologram: Float64Array,
  widthPx: number,
  heightPx: number,
  optics: Optics,
  zUm: number,
  padding: PaddingMode = 'mean',
): ComplexField {
  const field = backPropagateHologram(hologram, widthPx, heightPx, { ...optics, zUm, backgroundIntensity: backgroundIntensity(hologram), padding });
  const carrierRad = (2 * Math.PI * zUm * optics.refractiveIndex) / (optics.wavelengthNm * 1e-3);
  const c = Math.cos(carrierRad);
  const s = Math.sin(carrierRad);
  for (let i = 0; i < field.re.length; i++) {
    const re = field.re[i];
    const im = field.im[i];
    field.re[i] = re * c - im * s;
    field.im[i] = re * s + im * c;
  }
  return field;
}

export function multiHeight(
  holograms: Float64Array[],
  widthPx: number,
  heightPx: number,
  optics: Optics,
  heightsUm: number[],
  iterations: number,
): ComplexField {
  const result = multiHeightRetrieve(holograms, widthPx, heightPx, {
    ...optics,
    heightsUm,
    iterations,
    padding: 'mean',
    backgroundIntensity: holograms.map(backgroundIntensity),
  });
  return result.objectField;
}

/** [re, im] interleaved (HWC), float32: the holography network's input and output layout. */
export function fieldToHwc(field: ComplexField): Float32Array {
  const n = field.width * field.height;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = field.re[i];
    out[2 * i + 1] = field.im[i];
  }
  return out;
}

export function hwcToField(data: Float32Array, widthPx: number, heightPx: number): ComplexField {
  const n = widthPx * heightPx;
  if (data.length !== 2 * n) throw new Error(`The network returned ${data.length} values; a ${widthPx}×${heightPx} complex field needs ${2 * n}.`);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = data[2 * i];
    im[i] = data[2 * i + 1];
  }
  return { width: widthPx, height: heightPx, re, im };
}

/**
 * Amplitude and phase (radians, wrapped to (−π, π]) as float32. The field's global phase is arbitrary (any
 * method recovers it only up to a constant), so it is turned until the mean field — the background, in a sparse
 * sample — has phase 0: the background then reads 0 rad in the viewer and results of different methods compare.
 */
export function amplitudePhase(field: ComplexField): { amplitude: Float32Array; phaseRad: Float32Array } {
  const n = field.width * field.height;
  let mr = 0;
  let mi = 0;
  for (let i = 0; i < n; i++) {
    mr += field.re[i];
    mi += field.im[i];
  }
  const offset = Math.atan2(mi, mr);
  const c = Math.cos(-offset);
  const s = Math.sin(-offset);
  const amplitude = new Float32Array(n);
  const phaseRad = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const re = field.re[i] * c - field.im[i] * s;
    const im = field.re[i] * s + field.im[i] * c;
    amplitude[i] = Math.hypot(re, im);
    phaseRad[i] = Math.atan2(im, re);
  }
  return { amplitude, phaseRad };
}
