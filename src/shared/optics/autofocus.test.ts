import { describe, expect, it } from 'vitest';
import { autofocus, tamuraCoefficient } from './autofocus';
import { simulateHologram, simulateObject } from './simulate';

const optics = { wavelengthNm: 532, pixelSizeUm: 1.12, refractiveIndex: 1.0 };

describe('Tamura coefficient', () => {
  it('is 0 for a constant and grows with sparsity', () => {
    expect(tamuraCoefficient([2, 2, 2, 2])).toBe(0);
    const dense = [1, 2, 1, 2, 1, 2, 1, 2];
    const sparse = [0, 0, 0, 0, 0, 0, 0, 8];
    expect(tamuraCoefficient(sparse)).toBeGreaterThan(tamuraCoefficient(dense));
  });
});

describe('autofocus', () => {
  const cases = [
    { seed: 1, zUm: 347.3 },
    { seed: 2, zUm: 612.8 },
    { seed: 3, zUm: 955.1 },
  ];
  for (const c of cases) {
    it(`finds z = ${c.zUm} um within one search step (seed ${c.seed})`, () => {
      const n = 128;
      const obj = simulateObject({ width: n, height: n, pixelSizeUm: optics.pixelSizeUm, seed: c.seed, cellCount: 6 });
      const holo = simulateHologram(obj.field, {
        ...optics,
        zUm: c.zUm,
        noise: { seed: 100 + c.seed, photonsAtBackground: 2000, readNoiseSigma: 0.005 },
      });
      const coarseStepUm = 20;
      const fineStepUm = 1;
      const res = autofocus(holo, n, n, { ...optics, zMinUm: 300, zMaxUm: 1000, coarseStepUm, fineStepUm });
      expect(res.stepUm).toBeLessThanOrEqual(fineStepUm);
      // within one step of the final (finest) search grid
      expect(Math.abs(res.zUm - c.zUm)).toBeLessThanOrEqual(res.stepUm + 1e-9);
      // the curve is sorted and contains the coarse grid end points
      expect(res.curve[0].zUm).toBe(300);
      expect(res.curve[res.curve.length - 1].zUm).toBe(1000);
      for (let i = 1; i < res.curve.length; i++) expect(res.curve[i].zUm).toBeGreaterThan(res.curve[i - 1].zUm);
    });
  }
});
