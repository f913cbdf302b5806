/**
 * A reconstruction's field in the renderer: the amplitude and phase derivatives are one-band float32 TIFFs in the
 * library (what the service writes); this reads them back, shrinks them for interactive refocusing and draws them.
 * Pure functions, so they are tested without a DOM.
 */
import type { ComplexField } from '../../../../shared/optics';

export interface FloatImage {
  widthPx: number;
  heightPx: number;
  data: Float32Array;
}

/** Reads an uncompressed, one-strip, little-endian float32 TIFF (the layout Lucida writes for results). */
export function parseFloatTiff(buffer: ArrayBuffer): FloatImage {
  const view = new DataView(buffer);
  if (buffer.byteLength < 16 || view.getUint16(0, false) !== 0x4949 || view.getUint16(2, true) !== 42) {
    throw new Error('Not a little-endian TIFF.');
  }
  const ifd = view.getUint32(4, true);
  const count = view.getUint16(ifd, true);
  const tags = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const at = ifd + 2 + i * 12;
    const type = view.getUint16(at + 2, true);
    tags.set(view.getUint16(at, true), type === 3 ? view.getUint16(at + 8, true) : view.getUint32(at + 8, true));
  }
  const widthPx = tags.get(256) ?? 0;
  const heightPx = tags.get(257) ?? 0;
  const offset = tags.get(273) ?? 0;
  if (tags.get(258) !== 32 || tags.get(339) !== 3 || (tags.get(259) ?? 1) !== 1) throw new Error('Not an uncompressed float32 TIFF.');
  if (offset + widthPx * heightPx * 4 > buffer.byteLength) throw new Error('The TIFF is truncated.');
  return { widthPx, heightPx, data: new Float32Array(buffer.slice(offset, offset + widthPx * heightPx * 4)) };
}

/** The complex field from amplitude and phase, box-averaged by an integer factor so its longer side is ≤ maxSidePx. */
export function fieldFrom(amplitude: FloatImage, phase: FloatImage, maxSidePx: number): { field: ComplexField; factor: number } {
  if (amplitude.widthPx !== phase.widthPx || amplitude.heightPx !== phase.heightPx) throw new Error('Amplitude and phase differ in size.');
  const factor = Math.max(1, Math.ceil(Math.max(amplitude.widthPx, amplitude.heightPx) / maxSidePx));
  const width = Math.floor(amplitude.widthPx / factor);
  const height = Math.floor(amplitude.heightPx / factor);
  const re = new Float64Array(width * height);
  const im = new Float64Array(width * height);
  const norm = 1 / (factor * factor);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sr = 0;
      let si = 0;
      for (let dy = 0; dy < factor; dy++) {
        const row = (y * factor + dy) * amplitude.widthPx + x * factor;
        for (let dx = 0; dx < factor; dx++) {
          const a = amplitude.data[row + dx];
          const p = phase.data[row + dx];
          sr += a * Math.cos(p);
          si += a * Math.sin(p);
        }
      }
      re[y * width + x] = sr * norm;
      im[y * width + x] = si * norm;
    }
  }
  return { field: { width, height, re, im }, factor };
}

/** RGBA pixels: amplitude in grey (1st–99th percentile window), phase on a cyclic hue wheel (−π … π). */
export function renderPlane(values: Float32Array, kind: 'amplitude' | 'phase'): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length * 4);
  if (kind === 'amplitude') {
    const sorted = Float32Array.from(values).sort();
    const lo = sorted[Math.floor(sorted.length * 0.01)] ?? 0;
    const hi = sorted[Math.floor(sorted.length * 0.99)] ?? 1;
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    for (let i = 0; i < values.length; i++) {
      const v = (values[i] - lo) * scale;
      out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = v;
      out[4 * i + 3] = 255;
    }
    return out;
  }
  for (let i = 0; i < values.length; i++) {
    const t = (values[i] + Math.PI) / (2 * Math.PI);
    out[4 * i] = 127.5 + 127.5 * Math.cos(2 * Math.PI * t);
    out[4 * i + 1] = 127.5 + 127.5 * Math.cos(2 * Math.PI * (t - 1 / 3));
    out[4 * i + 2] = 127.5 + 127.5 * Math.cos(2 * Math.PI * (t - 2 / 3));
    out[4 * i + 3] = 255;
  }
  return out;
}

/** SVG polyline points of a focus curve in a width × height box (score min..max bottom to top). */
export function focusCurvePoints(curve: readonly { zUm: number; score: number }[], width: number, height: number, pad = 4): { points: string; x: (zUm: number) => number } {
  const zs = curve.map((p) => p.zUm);
  const ss = curve.map((p) => p.score);
  const z0 = Math.min(...zs);
  const z1 = Math.max(...zs);
  const s0 = Math.min(...ss);
  const s1 = Math.max(...ss);
  const x = (zUm: number) => pad + ((zUm - z0) / (z1 - z0 || 1)) * (width - 2 * pad);
  const y = (score: number) => height - pad - ((score - s0) / (s1 - s0 || 1)) * (height - 2 * pad);
  return { points: curve.map((p) => `${x(p.zUm).toFixed(1)},${y(p.score).toFixed(1)}`).join(' '), x };
}
