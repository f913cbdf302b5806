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
  // Thin (adherent-cell-like) phase objects, peak phase 0.2 .. 1.5 rad, weak absorption, with noise.
  // Accuracy is limited by the twin image (it biases sparsity criteria towards smaller z by a few um),
  // so the search step is 14 um (1.5x the depth of field lambda / NA^2 ~ 9 um for 1.12 um pixels).
  const cases = [
    { seed: 1, zUm: 347.3 },
    { seed: 2, zUm: 612.8 },
    { seed: 3, zUm: 955.1 },
  ];
  const n = 128;
  const hologramFor = (c: { seed: number; zUm: number }) => {
    const obj = simulateObject({
      width: n,
      height: n,
      pixelSizeUm: optics.pixelSizeUm,
      seed: c.seed,
      cellCount: 6,
      phaseRangeRad: [0.2, 1.5],
    });
    return simulateHologram(obj.field, {
      ...optics,
      zUm: c.zUm,
      noise: { seed: 100 + c.seed, photonsAtBackground: 2000, readNoiseSigma: 0.005 },
    });
  };
  for (const c of cases) {
    it(`finds z = ${c.zUm} um within one 14 um search step over 300..1000 um (seed ${c.seed})`, () => {
      const holo = hologramFor(c);
      const res = autofocus(holo, n, n, { ...optics, zMinUm: 300, zMaxUm: 1000, coarseStepUm: 14, fineStepUm: 14 });
      expect(res.stepUm).toBeCloseTo(14, 9);
      expect(res.curve.length).toBe(51);
      expect(Math.abs(res.zUm - c.zUm)).toBeLessThanOrEqual(14);
      // the curve is sorted and spans the range
      expect(res.curve[0].zUm).toBe(300);
      expect(res.curve[res.curve.length - 1].zUm).toBe(1000);
      for (let i = 1; i < res.curve.length; i++) expect(res.curve[i].zUm).toBeGreaterThan(res.curve[i - 1].zUm);
    });
  }

  it('coarse-to-fine (40 um -> 2 um) stays within 14 um and evaluates far fewer planes', () => {
    const c = cases[1];
    const res = autofocus(hologramFor(c), n, n, { ...optics, zMinUm: 300, zMaxUm: 1000, coarseStepUm: 40, fineStepUm: 2 });
    expect(res.stepUm).toBeLessThanOrEqual(2);
    expect(Math.abs(res.zUm - c.zUm)).toBeLessThanOrEqual(14);
    expect(res.curve.length).toBeLessThan(40);
  });
});
