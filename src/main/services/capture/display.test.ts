import { describe, expect, it } from 'vitest';
import { frameStats, HISTOGRAM_BINS } from './display';
import type { Frame } from './types';

function frame(bitDepth: number, values: (x: number, y: number) => number): Frame {
  const widthPx = 160;
  const heightPx = 96;
  const data = bitDepth === 8 ? new Uint8Array(widthPx * heightPx * 3) : new Uint16Array(widthPx * heightPx * 3);
  for (let y = 0; y < heightPx; y++) for (let x = 0; x < widthPx; x++) data.fill(values(x, y), (y * widthPx + x) * 3, (y * widthPx + x + 1) * 3);
  return { seq: 0, capturedAtMs: 0, widthPx, heightPx, channels: 3, bitDepth, data, meta: { sourceId: 's', sourceLabel: 's', exposureMs: null, gain: null, objective: null, pixelSizeUm: null, stage: null, imaging: 'camera' } };
}

describe('live display statistics', () => {
  it.each([8, 12, 16])('bins the full %i-bit range and reports clipping at both ends', (bitDepth) => {
    const max = 2 ** bitDepth - 1;
    // Left quarter black, right quarter saturated, the middle at 40 % of the range.
    const stats = frameStats(frame(bitDepth, (x) => (x < 40 ? 0 : x >= 120 ? max : Math.round(0.4 * max))));
    expect(stats.histogram).toHaveLength(HISTOGRAM_BINS);
    const total = stats.histogram.reduce((s, v) => s + v, 0);
    expect(stats.histogram[0]! / total).toBeCloseTo(0.25, 2);
    expect(stats.histogram[HISTOGRAM_BINS - 1]! / total).toBeCloseTo(0.25, 2);
    expect(stats.histogram[Math.floor(0.4 * HISTOGRAM_BINS)]! / total).toBeCloseTo(0.5, 2);
    expect(stats.clippedLow).toBeCloseTo(0.25, 2);
    expect(stats.clippedHigh).toBeCloseTo(0.25, 2);
  });
});
