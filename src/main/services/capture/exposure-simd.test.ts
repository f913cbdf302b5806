import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/optics';
import { createSimdExposure } from './exposure-simd';
import { addNoise16 } from './simulated';

const TABLE = 1 << 20;

describe('SIMD sensor noise', () => {
  const simd = createSimdExposure();

  it('is available in this Node (WebAssembly SIMD)', () => {
    expect(simd).not.toBeNull();
  });

  it.each([
    [3840, 16, 24],
    [768, 12, 40],
    [512, 8, 16],
  ])('gives the JavaScript loop’s frame bit for bit (row %i, %i-bit)', (rowLength, bitDepth, rows) => {
    const rng = createRng(7);
    const maxCount = 2 ** bitDepth - 1;
    const fraction = 16 - bitDepth;
    const n = rowLength * rows;
    const noise = new Int8Array(TABLE + rowLength);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.round(rng.uniform(-127, 127));
    // Means across the whole range (some at the maximum, noise-free), σ up to the top of its 16 bits.
    const packed = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const mean = Math.floor(rng.uniform(0, 65536));
      const sigma = i % 97 === 0 ? 65535 : Math.floor(rng.uniform(0, 8000));
      packed[i] = (mean | (sigma << 16)) >>> 0;
    }
    const expected = new Uint16Array(n);
    const seeded = () => createRng(99);
    addNoise16(expected, packed, noise, rowLength, maxCount, fraction, seeded());
    simd!.setNoise(noise);
    simd!.setPacked(packed);
    const rows2 = seeded();
    const got = simd!.expose16(rowLength, maxCount, fraction, () => Math.floor(rows2.next() * TABLE));
    expect(got.length).toBe(n);
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (got[i] !== expected[i]) mismatches++;
    expect(mismatches).toBe(0);
    // Not trivially equal: the frame spans the range and clips at both ends.
    expect(Math.max(...got)).toBe(maxCount);
    expect(Math.min(...got)).toBe(0);
    expect(simd!.packedSource).toBe(packed);
  });
});
