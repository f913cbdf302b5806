import { describe, expect, it } from 'vitest';
import { createField } from './field';
import { createRng } from './prng';
import { phaseCorrelate, shiftField, shiftPlane } from './registration';

function smoothRandomImage(w: number, h: number, seed: number) {
  const rng = createRng(seed);
  const f = createField(w, h);
  // sum of random Gaussian blobs: smooth, non-periodic-looking content
  for (let b = 0; b < 30; b++) {
    const cx = rng.uniform(0, w);
    const cy = rng.uniform(0, h);
    const s = rng.uniform(2, 6);
    const a = rng.uniform(-1, 1);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // periodic distance so that circular shifts are exact translations
        const dx = Math.min(Math.abs(x - cx), w - Math.abs(x - cx));
        const dy = Math.min(Math.abs(y - cy), h - Math.abs(y - cy));
        f.re[y * w + x] += a * Math.exp(-(dx * dx + dy * dy) / (2 * s * s));
      }
    }
  }
  return f;
}

describe('Fourier shift', () => {
  it('integer shifts move samples exactly', () => {
    const f = createField(8, 4);
    f.re[0] = 1;
    f.im[0] = 2;
    const s = shiftField(f, 3, 1);
    expect(s.re[1 * 8 + 3]).toBeCloseTo(1, 12);
    expect(s.im[1 * 8 + 3]).toBeCloseTo(2, 12);
    expect(Math.abs(s.re[0])).toBeLessThan(1e-12);
  });

  it('sub-pixel shifts compose and invert', () => {
    const f = smoothRandomImage(64, 48, 1);
    const back = shiftField(shiftField(f, 0.37, -1.61), -0.37, 1.61);
    let maxErr = 0;
    for (let i = 0; i < f.re.length; i++) maxErr = Math.max(maxErr, Math.abs(back.re[i] - f.re[i]), Math.abs(back.im[i] - f.im[i]));
    expect(maxErr).toBeLessThan(1e-10);
  });

  it('real planes stay real', () => {
    const f = smoothRandomImage(32, 32, 2);
    const s = shiftPlane(f.re, 32, 32, 0.5, 0.25);
    expect(s.length).toBe(32 * 32);
    // compare with the complex shift's real part
    const c = shiftField(f, 0.5, 0.25);
    let maxIm = 0;
    for (let i = 0; i < 32 * 32; i++) maxIm = Math.max(maxIm, Math.abs(c.im[i]));
    expect(maxIm).toBeLessThan(0.05); // only the Nyquist bin contributes an imaginary part
  });
});

describe('phase correlation', () => {
  for (const [dx, dy] of [
    [3.25, -7.6],
    [-12.05, 4.5],
    [0.1, 0.0],
  ] as const) {
    it(`recovers a (${dx}, ${dy}) px shift to 0.05 px`, () => {
      const ref = smoothRandomImage(96, 80, 7);
      const moved = shiftField(ref, dx, dy);
      const r = phaseCorrelate(ref, moved, { window: false, regularization: 0 });
      expect(Math.abs(r.xPx - dx)).toBeLessThan(0.05);
      expect(Math.abs(r.yPx - dy)).toBeLessThan(0.05);
      expect(r.peak).toBeGreaterThan(0.5);
    });
  }

  it('works with windowing and noise', () => {
    const ref = smoothRandomImage(128, 128, 9);
    const moved = shiftField(ref, -5.3, 2.7);
    const rng = createRng(3);
    for (let i = 0; i < moved.re.length; i++) moved.re[i] += 0.02 * rng.normal();
    const r = phaseCorrelate(ref, moved);
    expect(Math.abs(r.xPx + 5.3)).toBeLessThan(0.1);
    expect(Math.abs(r.yPx - 2.7)).toBeLessThan(0.1);
  });
});
