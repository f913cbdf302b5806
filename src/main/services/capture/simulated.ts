/**
 * The simulated microscope: a virtual stained slide under a motorised stage (x, y, focus z in µm), a turret of
 * objectives (magnification and NA set the pixel size and the blur; defocus widens it), and a camera with
 * exposure, gain, Poisson–Gaussian noise and 8/12/16-bit output. A hologram mode puts a phase specimen in
 * front of a lens-free sensor and records in-line holograms (src/shared/optics). Deterministic under its seed:
 * two microscopes with the same seed and settings produce the same frames in the same order.
 */
import type { CaptureMode, CaptureSettings, Objective, StagePosition } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { circshift2, createRng, simulateHologram, simulateObject, type ComplexField } from '../../../shared/optics';
import { createSimdExposure, type SimdExposure } from './exposure-simd';
import { VirtualSlide } from './slide';
import type { CameraSource, Frame, FrameListener, SourceState } from './types';

export const SIMULATED_SOURCE_ID = 'simulated';
export const CAMERA_PIXEL_UM = 6.5;
export const OBJECTIVES: Objective[] = [
  { id: '4x', name: '4×/0.10', magnification: 4, numericalAperture: 0.1 },
  { id: '10x', name: '10×/0.25', magnification: 10, numericalAperture: 0.25 },
  { id: '20x', name: '20×/0.50', magnification: 20, numericalAperture: 0.5 },
  { id: '40x', name: '40×/0.95', magnification: 40, numericalAperture: 0.95 },
  { id: '100x', name: '100×/1.40 oil', magnification: 100, numericalAperture: 1.4 },
];
const WAVELENGTH_UM = 0.55;
const FULL_WELL_E = 20_000;
const READ_NOISE_E = 3;
/** Photo-electrons per millisecond in a pixel behind clear glass at gain 1 (full well at 50 ms). */
const PHOTONS_PER_MS = 400;
const NOISE_TABLE = 1 << 20;
/**
 * Fixed-point sensor model (see expose). Per sample one Uint32 holds the noise-free mean in its low half (counts
 * with 16 − bitDepth fractional bits: 1/256 count at 8 bits, 1/16 at 12, whole counts at 16) and the noise σ in the
 * high half (same unit ×2^4); normals ×2^4 sit in an Int8 table (±7.9 σ). σ·n is then ×2^8 in the mean's unit.
 * Five bytes read per sample instead of twelve in floating point: the frame loop is memory-bound.
 */
const NOISE_ONE = 1 << 4;
const SIGMA_ONE = 1 << 4;
// Hologram mode: a lens-free sensor (unit magnification) with a 1.12 µm pixel, 530 nm LED, sample ~ 0.8 mm up.
const HOLO = { sizePx: 512, pixelSizeUm: 1.12, wavelengthNm: 530, refractiveIndex: 1.33, baseZUm: 800 } as const;

export const DEFAULT_MODE: CaptureMode = { widthPx: 1280, heightPx: 720, fps: 30, pixelFormat: 'rgb48le' };

export interface SimulatedOptions {
  seed?: number;
  mode?: Partial<CaptureMode>;
  settings?: Partial<CaptureSettings>;
}

export class SimulatedMicroscope implements CameraSource {
  readonly id = SIMULATED_SOURCE_ID;
  readonly label = 'Simulated microscope';
  readonly mode: CaptureMode;
  readonly seed: number;
  /** Where the slide's section is sharp; the focus drive's z is measured from the stage's home. */
  readonly inFocusZUm: number;
  private readonly slide: VirtualSlide;
  /** Standard normals ×NOISE_ONE, padded by one row so a row never wraps around the table's end. */
  private readonly noise: Int8Array;
  private current: CaptureSettings = { exposureMs: 35, gain: 1, bitDepth: 16, objectiveId: '20x', imaging: 'bright-field' };
  private position: StagePosition = { xUm: 0, yUm: 0, zUm: 0 };
  private seq = 0;
  private listeners = new Set<FrameListener>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private holoObject: ComplexField | null = null;
  private holoCache: { key: string; scaled: Float32Array } | null = null;
  private fieldCache: { key: string; rgb: Float32Array } | null = null;
  private sensorCache: { field: Float32Array; key: string; packed: Uint32Array } | null = null;
  /** The same noise loop in WebAssembly SIMD (identical frames, several times faster); null where unsupported. */
  private readonly simd: SimdExposure | null;

  constructor(options: SimulatedOptions = {}) {
    this.seed = options.seed ?? 1;
    this.mode = { ...DEFAULT_MODE, ...options.mode };
    this.current = { ...this.current, ...options.settings };
    const rng = createRng(this.seed);
    this.inFocusZUm = Math.round((rng.uniform(-20, 20)) * 10) / 10;
    // Start near tissue: the slide's islands are hundreds of µm wide; a fixed offset from the seed is enough.
    this.position = { xUm: Math.round(rng.uniform(2000, 6000)), yUm: Math.round(rng.uniform(2000, 6000)), zUm: 0 };
    this.slide = new VirtualSlide(this.seed);
    // Standard normals drawn once; each row of each frame reads them from a seeded offset, which is much cheaper
    // than Box–Muller per sample and keeps frames deterministic. Stored in steps of σ/16 (±7.9 σ fits an Int8).
    const pad = Math.max(this.mode.widthPx * 3, HOLO.sizePx);
    this.noise = new Int8Array(NOISE_TABLE + pad);
    const noiseRng = createRng(this.seed ^ 0x5eed);
    for (let i = 0; i < NOISE_TABLE; i++) this.noise[i] = Math.max(-127, Math.min(127, Math.round(noiseRng.normal() * NOISE_ONE)));
    this.noise.copyWithin(NOISE_TABLE, 0, pad);
    this.simd = createSimdExposure();
    this.simd?.setNoise(this.noise);
    // Start on tissue, a few micrometres from best focus, as a slide looks when just put on the stage.
    this.moveTo({ ...this.findTissue(), zUm: Math.round(this.inFocusZUm) + 2 });
  }

  state(): SourceState {
    return { status: this.running ? 'running' : 'stopped', message: null };
  }

  settings(): CaptureSettings {
    return { ...this.current };
  }

  objectives(): Objective[] {
    return OBJECTIVES.map((o) => ({ ...o }));
  }

  objective(): Objective {
    return OBJECTIVES.find((o) => o.id === this.current.objectiveId) ?? OBJECTIVES[2]!;
  }

  /** Object-side pixel size: the camera pixel over the magnification (lens-free sensor pixel in hologram mode). */
  pixelSizeUm(): number {
    return this.current.imaging === 'hologram' ? HOLO.pixelSizeUm : CAMERA_PIXEL_UM / this.objective().magnification;
  }

  configure(patch: Partial<CaptureSettings>): CaptureSettings {
    if (patch.objectiveId !== undefined && !OBJECTIVES.some((o) => o.id === patch.objectiveId)) {
      throw new AppError('invalid-input', `The simulated microscope has no objective “${patch.objectiveId}”; it has ${OBJECTIVES.map((o) => o.id).join(', ')}.`);
    }
    this.current = { ...this.current, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
    return this.settings();
  }

  stage(): StagePosition {
    return { ...this.position };
  }

  moveStage(to: Partial<StagePosition>): StagePosition {
    return this.moveTo({ ...this.position, ...Object.fromEntries(Object.entries(to).filter(([, v]) => v !== undefined)) });
  }

  private moveTo(p: StagePosition): StagePosition {
    // Travel limits of a typical 75 × 25 mm slide stage and a 2 mm focus drive.
    const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
    this.position = { xUm: clamp(p.xUm, 0, 75_000), yUm: clamp(p.yUm, 0, 25_000), zUm: clamp(p.zUm, -1000, 1000) };
    return this.stage();
  }

  /** A stage position with tissue under the objective, searched deterministically from the start position. */
  private findTissue(): StagePosition {
    const { xUm, yUm } = this.position;
    for (let k = 0; k < 64; k++) {
      const x = xUm + (k % 8) * 150;
      const y = yUm + Math.floor(k / 8) * 150;
      const rgb = this.slide.sample(x, y, 4, 16, 16);
      let mean = 0;
      for (const v of rgb) mean += v;
      if (mean / rgb.length < 0.8) return { xUm: x, yUm: y, zUm: 0 };
    }
    return { ...this.position };
  }

  onFrame(listener: FrameListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const period = 1000 / this.mode.fps;
    let next = performance.now();
    const tick = () => {
      if (!this.running) return;
      const frame = this.grab();
      for (const listener of this.listeners) listener(frame);
      // Paced from the schedule, not from now: a slow frame is followed by a shorter wait, never a drift.
      next = Math.max(next + period, performance.now());
      this.timer = setTimeout(tick, Math.max(0, next - performance.now()));
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Exposes one frame now with the current settings and stage position (also used while stopped, by tests). */
  grab(capturedAtMs = Date.now()): Frame {
    const seq = this.seq++;
    const hologram = this.current.imaging === 'hologram';
    const { widthPx, heightPx } = hologram ? { widthPx: HOLO.sizePx, heightPx: HOLO.sizePx } : this.mode;
    const channels = hologram ? 1 : 3;
    const transmittance = hologram ? this.hologramIntensity() : this.brightField(widthPx, heightPx);
    const data = this.expose(transmittance, seq);
    const objective = hologram ? null : this.objective();
    return {
      seq,
      capturedAtMs,
      widthPx,
      heightPx,
      channels,
      bitDepth: this.current.bitDepth,
      data,
      meta: {
        sourceId: this.id,
        sourceLabel: this.label,
        exposureMs: this.current.exposureMs,
        gain: this.current.gain,
        objective,
        pixelSizeUm: this.pixelSizeUm(),
        stage: this.stage(),
        imaging: this.current.imaging,
        ...(hologram
          ? { hologram: { wavelengthNm: HOLO.wavelengthNm, pixelSizeUm: HOLO.pixelSizeUm, refractiveIndex: HOLO.refractiveIndex, zUm: this.hologramZUm() } }
          : {}),
      },
    };
  }

  /**
   * RGB transmittance of the field of view, blurred by the objective's resolution and the defocus. Cached while
   * nothing optical changes, so a still stage costs only the sensor noise per frame. A strongly blurred field is
   * rendered at a coarser pitch, blurred there and enlarged: the result is as smooth and several times cheaper.
   */
  private brightField(widthPx: number, heightPx: number): Float32Array {
    const pixelUm = this.pixelSizeUm();
    const { xUm, yUm, zUm } = this.position;
    const key = `${xUm}/${yUm}/${zUm}/${this.current.objectiveId}/${widthPx}x${heightPx}`;
    if (this.fieldCache?.key === key) return this.fieldCache.rgb;
    const na = this.objective().numericalAperture;
    const immersion = na > 1 ? 1.518 : 1;
    // Diffraction: Gaussian approximation of the Airy core, σ ≈ 0.21 λ/NA. Defocus: geometric blur circle of
    // radius |Δz|·tan(asin(NA/n)), whose Gaussian equivalent has σ ≈ r/2.
    const sigmaDiffUm = (0.21 * WAVELENGTH_UM) / na;
    const dz = Math.abs(zUm - this.inFocusZUm);
    const rDefocusUm = dz * Math.tan(Math.asin(Math.min(0.99, na / immersion)));
    const sigmaPx = Math.sqrt(sigmaDiffUm ** 2 + (rDefocusUm / 2) ** 2) / pixelUm;
    const factor = sigmaPx >= 3 ? Math.min(16, Math.floor(sigmaPx / 1.5)) : 1;
    let rgb: Float32Array;
    if (factor > 1) {
      const w = Math.ceil(widthPx / factor) + 2;
      const h = Math.ceil(heightPx / factor) + 2;
      const small = this.slide.sample(xUm, yUm, pixelUm * factor, w, h);
      boxBlur3(small, w, h, Math.sqrt(Math.max(0.25, sigmaPx ** 2 - (factor / 2) ** 2)) / factor);
      rgb = enlarge3(small, w, h, factor, widthPx, heightPx);
    } else {
      rgb = this.slide.sample(xUm, yUm, pixelUm, widthPx, heightPx);
      if (sigmaPx > 1) boxBlur3(rgb, widthPx, heightPx, sigmaPx);
    }
    this.fieldCache = { key, rgb };
    return rgb;
  }

  private hologramZUm(): number {
    return HOLO.baseZUm + (this.position.zUm - this.inFocusZUm);
  }

  /** Noise-free hologram intensity (background 1) for the stage position, cached while the stage stands still. */
  private hologramIntensity(): Float32Array {
    const n = HOLO.sizePx;
    this.holoObject ??= simulateObject({ width: n, height: n, pixelSizeUm: HOLO.pixelSizeUm, seed: this.seed, phaseRangeRad: [0.3, 1.5], cellCount: 60 }).field;
    const dx = Math.round(this.position.xUm / HOLO.pixelSizeUm) % n;
    const dy = Math.round(this.position.yUm / HOLO.pixelSizeUm) % n;
    const zUm = Math.max(1, Math.round(this.hologramZUm() * 2) / 2);
    const key = `${dx}/${dy}/${zUm}`;
    if (this.holoCache?.key !== key) {
      const field = { width: n, height: n, re: circshift2(this.holoObject.re.slice(), n, n, dx, dy), im: circshift2(this.holoObject.im.slice(), n, n, dx, dy) };
      const intensity = simulateHologram(field, { wavelengthNm: HOLO.wavelengthNm, pixelSizeUm: HOLO.pixelSizeUm, refractiveIndex: HOLO.refractiveIndex, zUm });
      // Background at ¼ of the transmittance scale so bright fringes (up to ~4× background) do not clip.
      const scaled = new Float32Array(n * n);
      for (let i = 0; i < scaled.length; i++) scaled[i] = intensity[i] * 0.25;
      this.holoCache = { key, scaled };
    }
    return this.holoCache.scaled;
  }

  /**
   * Photo-electrons → counts: shot noise (Gaussian approximation of Poisson) and read noise, gain, clipping.
   * The noise-free mean and the noise σ of each sample are kept while field and settings stand, packed in fixed
   * point (NOISE_ONE above), so a frame costs one integer multiply-add, two shifts and a clamp per sample. A sample
   * whose mean is at or above the sensor's maximum is stored without noise: it reads the maximum (clipped).
   */
  private expose(transmittance: Float32Array, seq: number): Uint8Array | Uint16Array {
    const { exposureMs, gain, bitDepth } = this.current;
    const maxCount = 2 ** bitDepth - 1;
    const fraction = 16 - bitDepth;
    const key = `${exposureMs}/${gain}/${bitDepth}`;
    if (this.sensorCache?.field !== transmittance || this.sensorCache.key !== key) {
      const countsPerE = (gain * maxCount) / FULL_WELL_E;
      const electronsAtOne = PHOTONS_PER_MS * exposureMs;
      const unit = 2 ** fraction;
      // Half a count in the mean's unit, so that the final shift rounds (nothing to add with whole counts).
      const half = unit >> 1;
      const packed = new Uint32Array(transmittance.length);
      for (let i = 0; i < transmittance.length; i++) {
        const e = transmittance[i] * electronsAtOne;
        const mean = e * countsPerE;
        if (mean >= maxCount) {
          packed[i] = maxCount * unit + half;
          continue;
        }
        const sigma = Math.min(65535, Math.round(Math.sqrt(e + READ_NOISE_E * READ_NOISE_E) * countsPerE * unit * SIGMA_ONE));
        packed[i] = (Math.round(mean * unit) + half) | (sigma << 16);
      }
      this.sensorCache = { field: transmittance, key, packed };
    }
    const frameRng = createRng(this.seed * 7919 + seq);
    const rowLength = this.current.imaging === 'hologram' ? HOLO.sizePx : this.mode.widthPx * 3;
    const { packed } = this.sensorCache;
    if (bitDepth !== 8 && this.simd && rowLength % 8 === 0) {
      if (this.simd.packedSource !== packed) this.simd.setPacked(packed);
      return this.simd.expose16(rowLength, maxCount, fraction, () => Math.floor(frameRng.next() * NOISE_TABLE));
    }
    // One loop per output type: a store site that sees both Uint8Array and Uint16Array is several times slower.
    const out = bitDepth === 8 ? new Uint8Array(transmittance.length) : new Uint16Array(transmittance.length);
    if (out instanceof Uint8Array) addNoise8(out, packed, this.noise, rowLength, maxCount, fraction, frameRng);
    else addNoise16(out, packed, this.noise, rowLength, maxCount, fraction, frameRng);
    return out;
  }
}

// Each row reads the noise table from its own seeded place, so rows and frames do not repeat one pattern. The
// table is padded by a row, so a row reads it contiguously without wrapping. exposure-simd.ts does the same in
// WebAssembly SIMD (exported for its bit-for-bit test).
export function addNoise16(out: Uint16Array, packed: Uint32Array, noise: Int8Array, rowLength: number, maxCount: number, fraction: number, rng: { next(): number }): void {
  for (let start = 0; start < out.length; start += rowLength) {
    const shift = Math.floor(rng.next() * NOISE_TABLE) - start;
    const end = Math.min(out.length, start + rowLength);
    for (let i = start; i < end; i++) {
      const p = packed[i];
      let counts = ((p & 0xffff) + (((p >>> 16) * noise[i + shift]) >> 8)) >> fraction;
      if (counts < 0) counts = 0;
      else if (counts > maxCount) counts = maxCount;
      out[i] = counts;
    }
  }
}

function addNoise8(out: Uint8Array, packed: Uint32Array, noise: Int8Array, rowLength: number, maxCount: number, fraction: number, rng: { next(): number }): void {
  for (let start = 0; start < out.length; start += rowLength) {
    const shift = Math.floor(rng.next() * NOISE_TABLE) - start;
    const end = Math.min(out.length, start + rowLength);
    for (let i = start; i < end; i++) {
      const p = packed[i];
      let counts = ((p & 0xffff) + (((p >>> 16) * noise[i + shift]) >> 8)) >> fraction;
      if (counts < 0) counts = 0;
      else if (counts > maxCount) counts = maxCount;
      out[i] = counts;
    }
  }
}

/**
 * In-place Gaussian-like blur of interleaved RGB float samples: two passes of a separable box filter whose width
 * matches the requested σ. Running sums, row-wise in both directions (the vertical pass keeps one running sum per
 * column), so the cost neither grows with σ nor strides through memory.
 */
export function boxBlur3(data: Float32Array, widthPx: number, heightPx: number, sigmaPx: number): void {
  const passes = 2;
  const r = Math.max(1, Math.round((Math.sqrt((12 * sigmaPx * sigmaPx) / passes + 1) - 1) / 2));
  const norm = 1 / (2 * r + 1);
  const rowLen = widthPx * 3;
  const line = new Float32Array(rowLen);
  const copy = new Float32Array(data.length);
  const acc = new Float32Array(rowLen);
  for (let p = 0; p < passes; p++) {
    // Horizontal: edges repeat the border pixel.
    for (let y = 0; y < heightPx; y++) {
      const o = y * rowLen;
      line.set(data.subarray(o, o + rowLen));
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let k = -r; k <= r; k++) sum += line[Math.min(widthPx - 1, Math.max(0, k)) * 3 + c];
        for (let x = 0; x < widthPx; x++) {
          data[o + x * 3 + c] = sum * norm;
          sum += line[Math.min(widthPx - 1, x + r + 1) * 3 + c] - line[Math.max(0, x - r) * 3 + c];
        }
      }
    }
    // Vertical.
    copy.set(data);
    acc.fill(0);
    for (let k = -r; k <= r; k++) {
      const o = Math.min(heightPx - 1, Math.max(0, k)) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += copy[o + i];
    }
    for (let y = 0; y < heightPx; y++) {
      const o = y * rowLen;
      const add = Math.min(heightPx - 1, y + r + 1) * rowLen;
      const sub = Math.max(0, y - r) * rowLen;
      for (let i = 0; i < rowLen; i++) {
        data[o + i] = acc[i] * norm;
        acc[i] += copy[add + i] - copy[sub + i];
      }
    }
  }
}

/** Bilinear ×`factor` enlargement of interleaved RGB about the centre, onto `widthPx`×`heightPx`. */
export function enlarge3(src: Float32Array, srcW: number, srcH: number, factor: number, widthPx: number, heightPx: number): Float32Array {
  const out = new Float32Array(widthPx * heightPx * 3);
  const ui = new Int32Array(widthPx);
  const uf = new Float32Array(widthPx);
  const cx = srcW / 2 - widthPx / (2 * factor);
  const cy = srcH / 2 - heightPx / (2 * factor);
  for (let x = 0; x < widthPx; x++) {
    const u = Math.min(srcW - 1.001, Math.max(0, cx + (x + 0.5) / factor - 0.5));
    ui[x] = Math.floor(u);
    uf[x] = u - ui[x];
  }
  for (let y = 0; y < heightPx; y++) {
    const v = Math.min(srcH - 1.001, Math.max(0, cy + (y + 0.5) / factor - 0.5));
    const vi = Math.floor(v);
    const vf = v - vi;
    const r0 = vi * srcW;
    const r1 = r0 + srcW;
    let o = y * widthPx * 3;
    for (let x = 0; x < widthPx; x++) {
      const a = (r0 + ui[x]) * 3;
      const b = (r1 + ui[x]) * 3;
      const f = uf[x];
      for (let c = 0; c < 3; c++) {
        const top = src[a + c] + (src[a + 3 + c] - src[a + c]) * f;
        const bottom = src[b + c] + (src[b + 3 + c] - src[b + c]) * f;
        out[o++] = top + (bottom - top) * vf;
      }
    }
  }
  return out;
}
