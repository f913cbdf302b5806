import { describe, expect, it } from 'vitest';
import { createRng } from './prng';
import { simulateHologram, simulateObject } from './simulate';

const optics = { wavelengthNm: 532, pixelSizeUm: 1.12, refractiveIndex: 1.33 };

describe('seeded PRNG', () => {
  it('is deterministic and roughly uniform / normal', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs: number[] = [];
    let same = true;
    let inRange = true;
    for (let i = 0; i < 20000; i++) {
      const v = a.next();
      same &&= v === b.next();
      inRange &&= v >= 0 && v < 1;
      xs.push(v);
    }
    expect(same).toBe(true);
    expect(inRange).toBe(true);
    expect(c.next()).not.toBe(createRng(42).next());
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    const g = createRng(1);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < 20000; i++) {
      const v = g.normal();
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / 20000)).toBeLessThan(0.03);
    expect(Math.abs(s2 / 20000 - 1)).toBeLessThan(0.05);
  });
});

describe('hologram simulator', () => {
  it('is deterministic under a seed and differs across seeds', () => {
    const p = { width: 96, height: 64, pixelSizeUm: 1.12, seed: 5 };
    const a = simulateObject(p);
    const b = simulateObject(p);
    const c = simulateObject({ ...p, seed: 6 });
    expect(Array.from(a.field.re)).toEqual(Array.from(b.field.re));
    expect(a.cells.length).toBeGreaterThan(0);
    expect(Array.from(a.field.re)).not.toEqual(Array.from(c.field.re));
    const h1 = simulateHologram(a.field, { ...optics, zUm: 500, noise: { seed: 1, photonsAtBackground: 1000 } });
    const h2 = simulateHologram(a.field, { ...optics, zUm: 500, noise: { seed: 1, photonsAtBackground: 1000 } });
    expect(Array.from(h1)).toEqual(Array.from(h2));
  });

  it('makes cell-like phase objects with weak absorption', () => {
    const o = simulateObject({ width: 128, height: 128, pixelSizeUm: 1, seed: 9, cellCount: 4 });
    let maxPhase = 0;
    let minAmp = 1;
    let maxAmpErr = 0;
    for (let i = 0; i < o.phaseRad.length; i++) {
      maxPhase = Math.max(maxPhase, o.phaseRad[i]);
      minAmp = Math.min(minAmp, o.amplitude[i]);
      maxAmpErr = Math.max(maxAmpErr, Math.abs(Math.hypot(o.field.re[i], o.field.im[i]) - o.amplitude[i]));
    }
    expect(maxAmpErr).toBeLessThan(1e-12);
    expect(o.cells.length).toBe(4);
    expect(maxPhase).toBeGreaterThan(1);
    expect(maxPhase).toBeLessThanOrEqual(2 * Math.PI + 1e-9);
    expect(minAmp).toBeGreaterThan(0.85);
    expect(minAmp).toBeLessThan(1);
    // the background is untouched
    expect(o.field.re[0]).toBe(1);
    expect(o.field.im[0]).toBe(0);
  });

  it('conserves mean intensity (lossless propagation) and shows diffraction fringes', () => {
    const o = simulateObject({ width: 128, height: 128, pixelSizeUm: 1.12, seed: 3, absorptionRange: [0, 0] });
    const h = simulateHologram(o.field, { ...optics, zUm: 400, backgroundIntensity: 2 });
    let s = 0;
    let max = 0;
    for (const v of h) {
      s += v;
      max = Math.max(max, v);
    }
    expect(s / h.length).toBeCloseTo(2, 9);
    expect(max).toBeGreaterThan(2.5);
  });

  it('adds noise of the requested size', () => {
    const o = simulateObject({ width: 64, height: 64, pixelSizeUm: 1.12, seed: 3, cellCount: 0 });
    const clean = simulateHologram(o.field, { ...optics, zUm: 400 });
    const noisy = simulateHologram(o.field, { ...optics, zUm: 400, noise: { seed: 2, readNoiseSigma: 0.01 } });
    let s2 = 0;
    for (let i = 0; i < clean.length; i++) s2 += (noisy[i] - clean[i]) ** 2;
    expect(Math.sqrt(s2 / clean.length)).toBeCloseTo(0.01, 2);
  });
});
