import { describe, expect, it } from 'vitest';
import { backPropagateHologram } from './propagation';
import { phaseRmse } from './metrics';
import { multiHeightRetrieve } from './multiheight';
import { simulateMultiHeight, simulateObject } from './simulate';

const optics = { wavelengthNm: 532, pixelSizeUm: 1.12, refractiveIndex: 1.0 };

describe('multi-height phase retrieval', () => {
  const n = 128;
  const obj = simulateObject({ width: n, height: n, pixelSizeUm: optics.pixelSizeUm, seed: 4, cellCount: 5 });
  const cellMask = new Uint8Array(n * n);
  for (let i = 0; i < n * n; i++) cellMask[i] = obj.phaseRad[i] > 0.05 ? 1 : 0;
  const heightsUm = [300, 400, 500, 600];
  const drift = heightsUm.map((_, k) => ({ x: 1.3 * k, y: -0.7 * k }));
  const holograms = simulateMultiHeight(obj.field, {
    ...optics,
    heightsUm,
    shiftsPx: drift,
    noise: { seed: 3, photonsAtBackground: 5000, readNoiseSigma: 0.003 },
  });

  it('the simulated object has strong (up to ~2 pi) phase and covers part of the field', () => {
    let maxPhase = 0;
    let covered = 0;
    for (let i = 0; i < n * n; i++) {
      maxPhase = Math.max(maxPhase, obj.phaseRad[i]);
      covered += cellMask[i];
    }
    expect(maxPhase).toBeGreaterThan(4);
    expect(maxPhase).toBeLessThan(2 * Math.PI + 0.01);
    expect(covered / (n * n)).toBeGreaterThan(0.02);
  });

  it('registers the lateral drift between heights to < 0.15 px', () => {
    const res = multiHeightRetrieve(holograms, n, n, { ...optics, heightsUm, iterations: 0 });
    for (let k = 0; k < heightsUm.length; k++) {
      expect(Math.abs(res.shiftsPx[k].x - drift[k].x)).toBeLessThan(0.15);
      expect(Math.abs(res.shiftsPx[k].y - drift[k].y)).toBeLessThan(0.15);
    }
  });

  it('4 heights x 30 iterations reach phase RMSE < 0.1 rad (whole field and inside cells)', () => {
    const res = multiHeightRetrieve(holograms, n, n, { ...optics, heightsUm, iterations: 30 });
    const whole = phaseRmse(res.objectField, obj.field);
    const cells = phaseRmse(res.objectField, obj.field, { mask: cellMask });
    expect(whole).toBeLessThan(0.1);
    expect(cells).toBeLessThan(0.1);
    // the single-height back-propagation (twin image) is far worse inside the cells
    const bp = backPropagateHologram(holograms[0], n, n, { ...optics, zUm: heightsUm[0], padding: 'none' });
    expect(phaseRmse(bp, obj.field, { mask: cellMask })).toBeGreaterThan(0.3);
    // the amplitude mismatch decreases over the iterations
    expect(res.residuals[res.residuals.length - 1]).toBeLessThan(res.residuals[0]);
  });

  it('without registration the drifting holograms give a worse result', () => {
    const res = multiHeightRetrieve(holograms, n, n, { ...optics, heightsUm, iterations: 10, register: false });
    const good = multiHeightRetrieve(holograms, n, n, { ...optics, heightsUm, iterations: 10 });
    expect(phaseRmse(res.objectField, obj.field, { mask: cellMask })).toBeGreaterThan(
      1.5 * phaseRmse(good.objectField, obj.field, { mask: cellMask }),
    );
  });

  it('rejects mismatched inputs', () => {
    expect(() => multiHeightRetrieve(holograms, n, n, { ...optics, heightsUm: [300] })).toThrow();
  });
});
