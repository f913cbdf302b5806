/**
 * How raw values become 8-bit display pixels: a window (values at or below `lo` are black, at or above `hi`
 * white), a gamma, and a colour map. Pure functions on typed arrays; the raw values never change.
 */

export const COLORMAPS = ['grey', 'cyclic', 'diverging'] as const;
export type Colormap = (typeof COLORMAPS)[number];

/** What a caller asks for; anything left out is chosen from the image (see `resolveDisplay`). */
export interface DisplayRequest {
  window?: [number, number];
  gamma?: number;
  colormap?: Colormap;
}

export interface DisplaySettings {
  window: [number, number];
  /** Display value = t^gamma for t in [0, 1] across the window; below 1 brightens the dark end. */
  gamma: number;
  colormap: Colormap;
}

export type SampleFormat = 'uchar' | 'ushort' | 'float';
export type Samples = Uint8Array | Uint16Array | Float32Array;

export interface ValueStats {
  /** 0.1th and 99.9th percentile over every band of every pixel (NaN and infinities left out). */
  p001: number;
  p999: number;
}

/**
 * Fills in a display request for an image. 8-bit images default to their own range (shown as stored); 16-bit
 * counts default to the 0.1–99.9 percentile window; a phase map shown cyclic defaults to [−π, π]; a diverging
 * map is centred on zero so "no change" is the neutral colour.
 */
export function resolveDisplay(request: DisplayRequest | undefined, format: SampleFormat, stats: ValueStats | null): DisplaySettings {
  const colormap = request?.colormap ?? 'grey';
  const gamma = request?.gamma ?? 1;
  if (!(gamma > 0 && Number.isFinite(gamma))) throw new RangeError('Gamma must be a positive number.');
  let window = request?.window;
  if (!window) {
    if (colormap === 'cyclic' && format === 'float') window = [-Math.PI, Math.PI];
    else if (format === 'uchar') window = colormap === 'diverging' ? [-255, 255] : [0, 255];
    else if (stats) {
      if (colormap === 'diverging') {
        const m = Math.max(Math.abs(stats.p001), Math.abs(stats.p999)) || 1;
        window = [-m, m];
      } else window = [stats.p001, stats.p999];
    } else window = format === 'ushort' ? [0, 65535] : [0, 1];
  }
  let [lo, hi] = window;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new RangeError('The display window needs two finite numbers.');
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) hi = lo + (format === 'float' ? Math.max(Math.abs(lo) * 1e-6, 1e-6) : 1);
  return { window: [lo, hi], gamma, colormap };
}

// ---------- colour maps: 256 RGB entries each ----------

function buildLut(colour: (t: number) => [number, number, number], cyclic: boolean): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    // A cyclic map spreads its 256 entries over [0, 1) so t = 0 and t = 1 are one colour; the others reach both ends.
    const t = cyclic ? i / 256 : i / 255;
    const [r, g, b] = colour(t);
    lut[i * 3] = Math.round(r * 255);
    lut[i * 3 + 1] = Math.round(g * 255);
    lut[i * 3 + 2] = Math.round(b * 255);
  }
  return lut;
}

/** A colour wheel of three phase-shifted cosines: smooth, periodic by construction, no band darker than 5 %. */
const cyclicColour = (t: number): [number, number, number] => {
  const a = 2 * Math.PI * t;
  return [0.5 + 0.45 * Math.cos(a), 0.5 + 0.45 * Math.cos(a - (2 * Math.PI) / 3), 0.5 + 0.45 * Math.cos(a + (2 * Math.PI) / 3)];
};

/** Blue through light grey to red (after Moreland's cool-warm), neutral at the centre of the window. */
const DIVERGING_STOPS: [number, [number, number, number]][] = [
  [0, [59, 76, 192]],
  [0.25, [141, 176, 254]],
  [0.5, [221, 221, 221]],
  [0.75, [244, 154, 123]],
  [1, [180, 4, 38]],
];
const divergingColour = (t: number): [number, number, number] => {
  for (let i = 1; i < DIVERGING_STOPS.length; i++) {
    const [t1, c1] = DIVERGING_STOPS[i];
    if (t <= t1 || i === DIVERGING_STOPS.length - 1) {
      const [t0, c0] = DIVERGING_STOPS[i - 1];
      const u = Math.min(1, Math.max(0, (t - t0) / (t1 - t0)));
      return [0, 1, 2].map((k) => (c0[k] + (c1[k] - c0[k]) * u) / 255) as [number, number, number];
    }
  }
  return [0, 0, 0];
};

export const COLORMAP_LUTS: Record<Exclude<Colormap, 'grey'>, Uint8Array> = {
  cyclic: buildLut(cyclicColour, true),
  diverging: buildLut(divergingColour, false),
};

/**
 * The 256 RGB entries (768 bytes) a colour map draws tiles with, grey included, for colour bars that match the
 * tiles exactly. Entry i sits at t = i/255 across the window for grey and diverging, and at t = i/256 for the
 * cyclic map (whose entry 0 is both ends of the window).
 */
export function colormapTable(colormap: Colormap): Uint8Array {
  if (colormap !== 'grey') return COLORMAP_LUTS[colormap].slice();
  const grey = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) grey.fill(i, i * 3, i * 3 + 3);
  return grey;
}

/** Bands a display tile has: RGB sources stay RGB, one-band sources are grey or coloured by the map. */
export function displayBands(sourceBands: number, colormap: Colormap): 1 | 3 {
  if (sourceBands >= 3) return 3;
  return colormap === 'grey' ? 1 : 3;
}

/** Maps one value to a LUT index 0…255 (cyclic: wraps, so −π and +π land on the same entry). */
function indexer(settings: DisplaySettings): (v: number) => number {
  const [lo, hi] = settings.window;
  const span = hi - lo;
  const gamma = settings.gamma;
  if (settings.colormap === 'cyclic') {
    // Gamma would bend the angle scale of a cyclic map, so it is not applied there.
    return (v) => {
      if (!Number.isFinite(v)) return 0;
      let t = (v - lo) / span;
      t -= Math.floor(t);
      // Nearest entry, wrapping: float32 ±π lie a hair outside ±Math.PI and must still meet at one colour.
      return Math.round(t * 256) & 255;
    };
  }
  return (v) => {
    if (Number.isNaN(v)) return 0;
    let t = (v - lo) / span;
    t = t <= 0 ? 0 : t >= 1 ? 1 : t;
    if (gamma !== 1) t = Math.pow(t, gamma);
    return Math.round(t * 255);
  };
}

function isIdentity(settings: DisplaySettings, format: SampleFormat): boolean {
  return format === 'uchar' && settings.colormap === 'grey' && settings.gamma === 1 && settings.window[0] === 0 && settings.window[1] === 255;
}

/**
 * Maps `pixelCount` pixels of `bands` interleaved samples to 8-bit display pixels with `displayBands(...)` bands.
 * Integer sources go through a lookup table over every possible value, so the cost per pixel is one read.
 */
export function mapToDisplay(samples: Samples, format: SampleFormat, bands: number, pixelCount: number, settings: DisplaySettings): Uint8Array {
  const outBands = displayBands(bands, settings.colormap);
  const out = new Uint8Array(pixelCount * outBands);
  const colour = settings.colormap === 'grey' ? null : COLORMAP_LUTS[settings.colormap];
  const used = outBands === 3 && bands >= 3 ? 3 : 1;

  if (isIdentity(settings, format)) {
    if (bands === used) return Uint8Array.from(samples.subarray(0, pixelCount * bands) as Uint8Array);
    for (let p = 0, s = 0, o = 0; p < pixelCount; p++, s += bands, o += outBands) {
      for (let k = 0; k < used; k++) out[o + k] = samples[s + k];
    }
    return out;
  }

  const toIndex = indexer(settings);
  if (format === 'uchar' || format === 'ushort') {
    const size = format === 'uchar' ? 256 : 65536;
    const lut = new Uint8Array(size);
    for (let v = 0; v < size; v++) lut[v] = toIndex(v);
    if (colour && used === 1) {
      for (let p = 0, s = 0, o = 0; p < pixelCount; p++, s += bands, o += 3) {
        const i = lut[samples[s]] * 3;
        out[o] = colour[i];
        out[o + 1] = colour[i + 1];
        out[o + 2] = colour[i + 2];
      }
    } else {
      for (let p = 0, s = 0, o = 0; p < pixelCount; p++, s += bands, o += outBands) {
        for (let k = 0; k < used; k++) out[o + k] = lut[samples[s + k]];
      }
    }
    return out;
  }

  if (colour && used === 1 && settings.colormap === 'cyclic') {
    // The hot loop of phase tiles, written out rather than through `toIndex`.
    const lo = settings.window[0];
    const inv = 1 / (settings.window[1] - lo);
    for (let p = 0, s = 0, o = 0; p < pixelCount; p++, s += bands, o += 3) {
      const v = samples[s];
      let i = 0;
      if (v - v === 0) {
        let t = (v - lo) * inv;
        t -= Math.floor(t);
        i = (((t * 256 + 0.5) | 0) & 255) * 3;
      }
      out[o] = colour[i];
      out[o + 1] = colour[i + 1];
      out[o + 2] = colour[i + 2];
    }
  } else if (colour && used === 1) {
    for (let p = 0, s = 0, o = 0; p < pixelCount; p++, s += bands, o += 3) {
      const i = toIndex(samples[s]) * 3;
      out[o] = colour[i];
      out[o + 1] = colour[i + 1];
      out[o + 2] = colour[i + 2];
    }
  } else {
    for (let p = 0, s = 0, o = 0; p < pixelCount; p++, s += bands, o += outBands) {
      for (let k = 0; k < used; k++) out[o + k] = toIndex(samples[s + k]);
    }
  }
  return out;
}

/**
 * Averages `factor`×`factor` blocks of an 8-bit image (`factor` a power of two) by halving repeatedly — exactly how
 * each pyramid level follows from the one above, so levels cut from the overview and levels made from the base
 * agree. An odd last row or column averages with itself. Working on display colours keeps a cyclic phase map
 * right across its ±π seam.
 */
export function boxDownsample(pixels: Uint8Array, widthPx: number, heightPx: number, bands: number, factor: number): { pixels: Uint8Array; width: number; height: number } {
  let image = { pixels, width: widthPx, height: heightPx };
  for (let f = factor; f > 1; f /= 2) image = halve(image.pixels, image.width, image.height, bands);
  return image;
}

function halve(pixels: Uint8Array, widthPx: number, heightPx: number, bands: number): { pixels: Uint8Array; width: number; height: number } {
  const outW = Math.ceil(widthPx / 2);
  const outH = Math.ceil(heightPx / 2);
  const out = new Uint8Array(outW * outH * bands);
  const stride = widthPx * bands;
  let o = 0;
  for (let oy = 0; oy < outH; oy++) {
    const rowA = 2 * oy * stride;
    const rowB = 2 * oy + 1 < heightPx ? rowA + stride : rowA;
    for (let ox = 0; ox < outW; ox++) {
      const colA = 2 * ox * bands;
      const colB = 2 * ox + 1 < widthPx ? colA + bands : colA;
      for (let k = 0; k < bands; k++) {
        out[o++] = (pixels[rowA + colA + k] + pixels[rowA + colB + k] + pixels[rowB + colA + k] + pixels[rowB + colB + k] + 2) >> 2;
      }
    }
  }
  return { pixels: out, width: outW, height: outH };
}

/** Percentiles over finite values; for integer formats an exact histogram, for floats a sorted sample. */
export class ValueStatsAccumulator {
  private readonly histogram: Uint32Array | null;
  private readonly sample: number[] = [];
  private readonly floatSampleStride: number;
  private count = 0;
  // Plain fields, not parameter properties: Node's type stripping (used by the benchmarks) cannot run those.
  constructor(format: SampleFormat, floatSampleStride = 1) {
    this.floatSampleStride = floatSampleStride;
    this.histogram = format === 'float' ? null : new Uint32Array(format === 'uchar' ? 256 : 65536);
  }

  add(samples: Samples, bandsToUse: number, bands: number): void {
    const n = samples.length;
    if (this.histogram) {
      const h = this.histogram;
      for (let s = 0; s < n; s += bands) for (let k = 0; k < bandsToUse; k++) h[samples[s + k]]++;
      this.count += (n / bands) * bandsToUse;
      return;
    }
    const step = bands * this.floatSampleStride;
    for (let s = 0; s < n; s += step) {
      for (let k = 0; k < bandsToUse; k++) {
        const v = samples[s + k];
        if (Number.isFinite(v)) this.sample.push(v);
      }
    }
  }

  result(): ValueStats | null {
    if (this.histogram) {
      if (this.count === 0) return null;
      return { p001: this.fromHistogram(0.001), p999: this.fromHistogram(0.999) };
    }
    if (this.sample.length === 0) return null;
    const sorted = Float64Array.from(this.sample).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
    return { p001: at(0.001), p999: at(0.999) };
  }

  private fromHistogram(q: number): number {
    const h = this.histogram as Uint32Array;
    const target = q * (this.count - 1);
    let seen = 0;
    for (let v = 0; v < h.length; v++) {
      seen += h[v];
      if (seen > target) return v;
    }
    return h.length - 1;
  }
}
