/**
 * Band-limited angular-spectrum propagation (Matsushima & Shimobaba, Opt. Express 17, 19662, 2009).
 *
 * U(x, y; z) = IFFT{ FFT{U(x, y; 0)} * H(fx, fy) }
 * H(fx, fy)  = exp(i 2 pi z sqrt((n / lambda)^2 - fx^2 - fy^2))  inside the pass band, 0 outside.
 *
 * Sign convention: positive z propagates downstream (away from the object, towards the sensor);
 * back-propagation of a hologram recorded at distance z uses -z. Evanescent components
 * (fx^2 + fy^2 >= (n/lambda)^2) are discarded.
 *
 * Band limit: with the frequency step of the (padded) computational grid du = 1 / (Nx * dx),
 * the transfer function is sampled without aliasing only for
 *     |fx| <= 1 / (lambda' * sqrt((2 du z)^2 + 1)),   lambda' = lambda / n,
 * (and likewise for fy with the row count). Frequencies beyond the limit are set to zero.
 * For the default zero padding Nx = nextPowerOfTwo(2 * width), which is the linear-convolution
 * grid the paper assumes (twice the field size, rounded up to a power of two for the FFT).
 *
 * Units: wavelengthNm in nanometres (vacuum), pixelSizeUm and zUm in micrometres.
 */

import { fft2, ifft2, nextPowerOfTwo } from './fft';
import type { ComplexField } from './field';
import { createField, cropField } from './field';

/**
 * How the field is extended before the FFT:
 * - 'none': no padding, periodic (circular) propagation on the field's own grid;
 * - 'zero': zero padding to nextPowerOfTwo(2 * size) in each direction (linear convolution);
 * - 'mean': like 'zero' but the padding is filled with the mean complex value of the field's
 *   one-pixel border, which suppresses edge diffraction for holograms on a bright background.
 */
export type PaddingMode = 'none' | 'zero' | 'mean';

export interface OpticalParams {
  /** vacuum wavelength in nanometres */
  wavelengthNm: number;
  /** sampling pitch in the object/sensor plane, micrometres (square pixels) */
  pixelSizeUm: number;
  /** refractive index of the medium between object and sensor */
  refractiveIndex: number;
}

export interface PropagationParams extends OpticalParams {
  /** propagation distance in micrometres (negative = back-propagation) */
  zUm: number;
  /** default 'zero' */
  padding?: PaddingMode;
  /** apply the Matsushima-Shimobaba band limit; default true */
  bandLimit?: boolean;
  /** return the whole padded grid instead of cropping back to the input window; default false */
  keepPadding?: boolean;
}

export interface PaddedGrid {
  width: number;
  height: number;
  /** position of the input window inside the padded grid */
  offsetX: number;
  offsetY: number;
}

function validateOptical(p: OpticalParams): void {
  if (!(p.wavelengthNm > 0)) throw new Error('propagation: wavelengthNm must be > 0');
  if (!(p.pixelSizeUm > 0)) throw new Error('propagation: pixelSizeUm must be > 0');
  if (!(p.refractiveIndex > 0)) throw new Error('propagation: refractiveIndex must be > 0');
}

/** The computational grid used for a width x height field under a padding mode. */
export function paddedGrid(width: number, height: number, padding: PaddingMode): PaddedGrid {
  if (padding === 'none') return { width, height, offsetX: 0, offsetY: 0 };
  const pw = nextPowerOfTwo(2 * width);
  const ph = nextPowerOfTwo(2 * height);
  return { width: pw, height: ph, offsetX: (pw - width) >> 1, offsetY: (ph - height) >> 1 };
}

/**
 * Band-limit frequencies (cycles per micrometre) for a computational grid of gridWidth x gridHeight
 * samples. Returns Infinity-free values; compare with the Nyquist frequency 1 / (2 dx).
 */
export function bandLimitPerUm(
  gridWidth: number,
  gridHeight: number,
  params: OpticalParams & { zUm: number },
): { fxLimitPerUm: number; fyLimitPerUm: number } {
  validateOptical(params);
  const lambdaMediumUm = params.wavelengthNm / 1000 / params.refractiveIndex;
  const dfx = 1 / (gridWidth * params.pixelSizeUm);
  const dfy = 1 / (gridHeight * params.pixelSizeUm);
  const z = Math.abs(params.zUm);
  return {
    fxLimitPerUm: 1 / (lambdaMediumUm * Math.sqrt((2 * dfx * z) ** 2 + 1)),
    fyLimitPerUm: 1 / (lambdaMediumUm * Math.sqrt((2 * dfy * z) ** 2 + 1)),
  };
}

export interface TransferFunction {
  width: number;
  height: number;
  re: Float64Array;
  im: Float64Array;
  /** number of frequency samples kept (|H| = 1) */
  passCount: number;
}

/**
 * Angular-spectrum transfer function on an FFT-ordered gridWidth x gridHeight grid
 * (bin 0 = zero frequency). Samples outside the pass band are exactly 0, inside |H| = 1.
 */
export function transferFunction(
  gridWidth: number,
  gridHeight: number,
  params: OpticalParams & { zUm: number; bandLimit?: boolean },
): TransferFunction {
  validateOptical(params);
  const n = gridWidth * gridHeight;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const dx = params.pixelSizeUm;
  const z = params.zUm;
  const invLambda = params.refractiveIndex / (params.wavelengthNm / 1000); // cycles per um in the medium
  const invLambda2 = invLambda * invLambda;
  const limited = params.bandLimit !== false;
  const { fxLimitPerUm, fyLimitPerUm } = bandLimitPerUm(gridWidth, gridHeight, params);
  const halfW = Math.ceil(gridWidth / 2);
  const halfH = Math.ceil(gridHeight / 2);
  // precompute fx^2 per column and the band-limit test per column
  const fx2 = new Float64Array(gridWidth);
  const fxOk = new Uint8Array(gridWidth);
  for (let k = 0; k < gridWidth; k++) {
    const fx = (k < halfW ? k : k - gridWidth) / (gridWidth * dx);
    fx2[k] = fx * fx;
    fxOk[k] = !limited || Math.abs(fx) <= fxLimitPerUm ? 1 : 0;
  }
  let passCount = 0;
  const twoPiZ = 2 * Math.PI * z;
  // H depends on fx² and fy² only, and bin k and bin N − k hold ±f (bitwise the same square): each value is
  // computed once for 0 ≤ k ≤ N/2 and mirrored, a quarter of the square roots, sines and cosines.
  const mirrorX = (kx: number): number => (kx === 0 ? 0 : gridWidth - kx);
  for (let ky = 0; ky <= gridHeight >> 1; ky++) {
    const fy = (ky < halfH ? ky : ky - gridHeight) / (gridHeight * dx);
    if (limited && Math.abs(fy) > fyLimitPerUm) continue;
    const rest = invLambda2 - fy * fy;
    const row = ky * gridWidth;
    for (let kx = 0; kx <= gridWidth >> 1; kx++) {
      if (!fxOk[kx]) continue;
      const arg = rest - fx2[kx];
      if (arg <= 0) continue; // evanescent
      const phase = twoPiZ * Math.sqrt(arg);
      const c = Math.cos(phase);
      const s = Math.sin(phase);
      re[row + kx] = c;
      im[row + kx] = s;
      const mx = mirrorX(kx);
      if (mx !== kx && fxOk[mx]) {
        re[row + mx] = c;
        im[row + mx] = s;
      }
    }
    const my = ky === 0 ? 0 : gridHeight - ky;
    if (my !== ky && my < gridHeight) {
      re.copyWithin(my * gridWidth, row, row + gridWidth);
      im.copyWithin(my * gridWidth, row, row + gridWidth);
    }
  }
  for (let i = 0; i < n; i++) if (re[i] !== 0 || im[i] !== 0) passCount++;
  return { width: gridWidth, height: gridHeight, re, im, passCount };
}

/** Mean complex value of the one-pixel border of a field. */
export function borderMean(field: ComplexField): { re: number; im: number } {
  const { width: w, height: h, re, im } = field;
  let sr = 0;
  let si = 0;
  let count = 0;
  const add = (i: number): void => {
    sr += re[i];
    si += im[i];
    count++;
  };
  for (let x = 0; x < w; x++) {
    add(x);
    if (h > 1) add((h - 1) * w + x);
  }
  for (let y = 1; y < h - 1; y++) {
    add(y * w);
    if (w > 1) add(y * w + w - 1);
  }
  return { re: sr / count, im: si / count };
}

/** Place a field on its padded computational grid (new arrays). */
export function padField(field: ComplexField, padding: PaddingMode): { grid: PaddedGrid; padded: ComplexField } {
  const grid = paddedGrid(field.width, field.height, padding);
  if (padding === 'none') {
    return { grid, padded: { width: field.width, height: field.height, re: field.re.slice(), im: field.im.slice() } };
  }
  const padded = createField(grid.width, grid.height);
  if (padding === 'mean') {
    const m = borderMean(field);
    padded.re.fill(m.re);
    padded.im.fill(m.im);
  }
  for (let y = 0; y < field.height; y++) {
    const src = y * field.width;
    const dst = (y + grid.offsetY) * grid.width + grid.offsetX;
    padded.re.set(field.re.subarray(src, src + field.width), dst);
    padded.im.set(field.im.subarray(src, src + field.width), dst);
  }
  return { grid, padded };
}

/** Multiply a spectrum in place by a transfer function. */
export function applyTransfer(spectrum: ComplexField, h: TransferFunction): void {
  if (spectrum.width !== h.width || spectrum.height !== h.height) {
    throw new Error('applyTransfer: grid size mismatch');
  }
  const { re, im } = spectrum;
  const hr = h.re;
  const hi = h.im;
  const n = re.length;
  for (let i = 0; i < n; i++) {
    const a = re[i];
    const b = im[i];
    re[i] = a * hr[i] - b * hi[i];
    im[i] = a * hi[i] + b * hr[i];
  }
}

/**
 * Propagate a complex field by params.zUm. Returns a new field of the input size
 * (or of the padded grid size when keepPadding is set). The input is not modified.
 */
export function propagate(field: ComplexField, params: PropagationParams): ComplexField {
  const padding = params.padding ?? 'zero';
  const { grid, padded } = padField(field, padding);
  fft2(padded.re, padded.im, grid.width, grid.height);
  applyTransfer(padded, transferFunction(grid.width, grid.height, params));
  ifft2(padded.re, padded.im, grid.width, grid.height);
  if (params.keepPadding || padding === 'none') return padded;
  return cropField(padded, grid.offsetX, grid.offsetY, field.width, field.height);
}

/**
 * Reusable propagator for one grid and one distance: the transfer function is computed once.
 * `apply` propagates a field of size width x height (padding as configured) and returns a new field.
 */
export interface Propagator {
  readonly width: number;
  readonly height: number;
  readonly grid: PaddedGrid;
  readonly transfer: TransferFunction;
  apply(field: ComplexField): ComplexField;
}

export function createPropagator(width: number, height: number, params: PropagationParams): Propagator {
  const padding = params.padding ?? 'zero';
  const grid = paddedGrid(width, height, padding);
  const transfer = transferFunction(grid.width, grid.height, params);
  return {
    width,
    height,
    grid,
    transfer,
    apply(field: ComplexField): ComplexField {
      if (field.width !== width || field.height !== height) throw new Error('Propagator: size mismatch');
      const { padded } = padField(field, padding);
      fft2(padded.re, padded.im, grid.width, grid.height);
      applyTransfer(padded, transfer);
      ifft2(padded.re, padded.im, grid.width, grid.height);
      if (params.keepPadding || padding === 'none') return padded;
      return cropField(padded, grid.offsetX, grid.offsetY, width, height);
    },
  };
}

export interface BackPropagationParams extends OpticalParams {
  /** sample-to-sensor distance in micrometres (positive); the field is propagated by -zUm */
  zUm: number;
  /**
   * Background (empty-field) intensity, a scalar or a per-pixel plane. When given, the
   * amplitude is normalised: sqrt(I / I_background). Default: no normalisation.
   */
  backgroundIntensity?: number | Float64Array;
  /** default 'mean' (pads with the border mean, i.e. roughly the background amplitude) */
  padding?: PaddingMode;
  bandLimit?: boolean;
}

/** Amplitude field sqrt(I) (optionally / sqrt(background)) with zero phase. */
export function hologramToField(
  hologram: ArrayLike<number>,
  width: number,
  height: number,
  backgroundIntensity?: number | Float64Array,
): ComplexField {
  const n = width * height;
  if (hologram.length !== n) throw new Error('hologramToField: size mismatch');
  if (backgroundIntensity instanceof Float64Array && backgroundIntensity.length !== n) {
    throw new Error('hologramToField: background size mismatch');
  }
  const f = createField(width, height);
  for (let i = 0; i < n; i++) {
    let v = Math.max(0, hologram[i]);
    if (backgroundIntensity !== undefined) {
      const b = typeof backgroundIntensity === 'number' ? backgroundIntensity : backgroundIntensity[i];
      v = b > 0 ? v / b : 0;
    }
    f.re[i] = Math.sqrt(v);
  }
  return f;
}

/**
 * Back-propagate an in-line hologram (intensity, row-major width x height) recorded zUm
 * downstream of the object: sqrt(I) -> propagate by -zUm. Returns the complex object-plane field
 * (which contains the twin image; see multi-height retrieval for its removal).
 */
export function backPropagateHologram(
  hologram: ArrayLike<number>,
  width: number,
  height: number,
  params: BackPropagationParams,
): ComplexField {
  const f = hologramToField(hologram, width, height, params.backgroundIntensity);
  return propagate(f, {
    wavelengthNm: params.wavelengthNm,
    pixelSizeUm: params.pixelSizeUm,
    refractiveIndex: params.refractiveIndex,
    zUm: -params.zUm,
    padding: params.padding ?? 'mean',
    bandLimit: params.bandLimit,
  });
}

/** Pad a field (see PaddingMode) and return its 2-D spectrum on the computational grid. */
export function spectrumOf(field: ComplexField, padding: PaddingMode): { grid: PaddedGrid; spectrum: ComplexField } {
  const { grid, padded } = padField(field, padding);
  fft2(padded.re, padded.im, grid.width, grid.height);
  return { grid, spectrum: padded };
}
