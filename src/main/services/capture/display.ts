/**
 * What the live view shows beside a full-depth frame: a histogram over the sensor's whole range with the clipped
 * fractions, and a focus score. Pure functions on typed arrays (the 8-bit display JPEG is made in live.ts).
 */
import type { Frame } from './types';

export const HISTOGRAM_BINS = 64;
const HISTOGRAM_STEP = 8;

export interface FrameStats {
  histogram: number[];
  clippedLow: number;
  clippedHigh: number;
  focusScore: number;
}

/**
 * Histogram and clipping over the frame, subsampled ×8 in each axis (14 400 pixels of a 1280×720 frame): plenty
 * for 64 bins on a display, at a 64th of the cost.
 */
export function frameStats(frame: Frame): FrameStats {
  const { data, widthPx, heightPx, channels, bitDepth } = frame;
  const maxCount = 2 ** bitDepth - 1;
  // Counts in a typed array, bins by an integer shift (the range is a power of two): no float work per sample.
  const counts = new Uint32Array(HISTOGRAM_BINS);
  const binShift = Math.max(0, bitDepth - Math.log2(HISTOGRAM_BINS));
  let low = 0;
  let high = 0;
  let n = 0;
  for (let y = 0; y < heightPx; y += HISTOGRAM_STEP) {
    const row = y * widthPx * channels;
    for (let x = 0; x < widthPx; x += HISTOGRAM_STEP) {
      const i = row + x * channels;
      for (let c = 0; c < channels; c++) {
        const v = data[i + c]!;
        counts[Math.min(HISTOGRAM_BINS - 1, v >> binShift)]++;
        if (v === 0) low++;
        else if (v >= maxCount) high++;
        n++;
      }
    }
  }
  return { histogram: Array.from(counts), clippedLow: low / n, clippedHigh: high / n, focusScore: focusScore(frame) };
}

/**
 * Normalised Brenner gradient of the luminance, on 2×2-binned pixels (binning keeps sensor noise from
 * dominating the gradient): Σ (I(x+2) − I(x))² / (N · mean²), over the central region (at most 384 × 384 px,
 * where a microscopist focuses). Larger is sharper; it peaks at best focus.
 */
export function focusScore(frame: Frame): number {
  const { data, widthPx, heightPx, channels } = frame;
  const roiW = Math.min(widthPx, 384);
  const roiH = Math.min(heightPx, 384);
  const x0 = Math.floor((widthPx - roiW) / 2);
  const y0 = Math.floor((heightPx - roiH) / 2);
  const bw = Math.floor(roiW / 2);
  const bh = Math.floor(roiH / 2);
  const binned = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      let s = 0;
      for (let dy = 0; dy < 2; dy++) {
        const base = ((y0 + 2 * y + dy) * widthPx + x0 + 2 * x) * channels;
        for (let k = 0; k < 2 * channels; k++) s += data[base + k];
      }
      binned[y * bw + x] = s;
    }
  }
  let sum = 0;
  let grad = 0;
  let count = 0;
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x + 2 < bw; x++) {
      const i = y * bw + x;
      const d = binned[i + 2] - binned[i];
      const dv = y + 2 < bh ? binned[i + 2 * bw] - binned[i] : 0;
      grad += d * d + dv * dv;
      sum += binned[i];
      count++;
    }
  }
  const mean = sum / Math.max(1, count);
  return mean > 0 ? grad / (count * mean * mean) : 0;
}
