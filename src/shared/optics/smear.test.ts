import { describe, expect, it } from 'vitest';
import { createField } from './field';
import { createRng, logGamma, poisson } from './prng';
import {
  SMEAR_TRAINING_OPTICS,
  gaussianBlurPeriodic,
  recordSmearHologram,
  recordSmearStack,
  simulateSmearObject,
  smoothNoise,
} from './smear';

const N = 384; // the training's simulated field size: per-field counts as in the Python
const optics = { wavelengthNm: 530, pixelSizeUm: 1.12, refractiveIndex: 1 };

function stats(values: ArrayLike<number>): { mean: number; variance: number; min: number; max: number } {
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    s += v;
    s2 += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / values.length;
  return { mean, variance: s2 / values.length - mean * mean, min, max };
}

describe('Poisson sampler', () => {
  it('has mean and variance lambda for small and large means, and is deterministic under a seed', () => {
    for (const lambda of [0.7, 3, 40, 2500]) {
      const rng = createRng(11);
      const xs = Array.from({ length: 40_000 }, () => poisson(rng, lambda));
      const st = stats(xs);
      expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
      expect(Math.abs(st.mean - lambda) / lambda).toBeLessThan(0.02);
      expect(Math.abs(st.variance - lambda) / lambda).toBeLessThan(0.05);
      const again = createRng(11);
      expect(Array.from({ length: 100 }, () => poisson(again, lambda))).toEqual(xs.slice(0, 100));
    }
    expect(poisson(createRng(1), 0)).toBe(0);
  });

  it('logGamma matches factorials', () => {
    expect(logGamma(1)).toBeCloseTo(0, 10);
    expect(logGamma(6)).toBeCloseTo(Math.log(120), 10);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 8);
  });
});

describe('smear objects (the holography network training family)', () => {
  it('is deterministic under a seed and differs across seeds', () => {
    const a = simulateSmearObject({ width: N, height: N, seed: 7 });
    const b = simulateSmearObject({ width: N, height: N, seed: 7 });
    const c = simulateSmearObject({ width: N, height: N, seed: 8, kind: a.kind });
    expect(b.kind).toBe(a.kind);
    expect(Array.from(b.field.re)).toEqual(Array.from(a.field.re));
    expect(Array.from(b.field.im)).toEqual(Array.from(a.field.im));
    let differ = 0;
    for (let i = 0; i < a.phaseRad.length; i++) if (a.phaseRad[i] !== c.phaseRad[i]) differ++;
    expect(differ).toBeGreaterThan(a.phaseRad.length / 20);
  });

  it('draws both scene kinds, blood smears with many small cells and Pap smears with few large ones', () => {
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) kinds.add(simulateSmearObject({ width: 64, height: 64, seed }).kind);
    expect([...kinds].sort()).toEqual(['blood', 'pap']);
    const blood = simulateSmearObject({ width: N, height: N, seed: 3, kind: 'blood' });
    const pap = simulateSmearObject({ width: N, height: N, seed: 3, kind: 'pap' });
    expect(blood.kind).toBe('blood');
    expect(pap.kind).toBe('pap');
    const coverage = (o: typeof blood) => o.phaseRad.filter((p) => p > 0.05).length / o.phaseRad.length;
    // red cells cover 4–35 % of the slide (soft edges and white cells add a little)
    expect(coverage(blood)).toBeGreaterThan(0.03);
    expect(coverage(blood)).toBeLessThan(0.5);
    expect(blood.objectCount).toBeGreaterThan(20);
    // 3–21 squamous cells + Poisson(15) debris per 384² field
    expect(pap.objectCount).toBeGreaterThanOrEqual(3);
    expect(pap.objectCount).toBeLessThan(60);
  });

  it('keeps the phase within [0, cap] with cap in [0.8, 1]·2π, reaching beyond π, and absorption within [0, 0.35]', () => {
    let maxPhase = 0;
    for (const [seed, kind] of [
      [21, 'blood'],
      [22, 'pap'],
      [23, 'blood'],
      [24, 'pap'],
    ] as const) {
      const o = simulateSmearObject({ width: N, height: N, seed, kind });
      const ph = stats(o.phaseRad);
      const ab = stats(o.absorption);
      expect(o.phaseCapRad).toBeGreaterThanOrEqual(0.8 * 2 * Math.PI);
      expect(o.phaseCapRad).toBeLessThanOrEqual(2 * Math.PI);
      expect(ph.min).toBeGreaterThanOrEqual(0);
      expect(ph.max).toBeLessThanOrEqual(o.phaseCapRad);
      expect(ab.min).toBeGreaterThanOrEqual(0);
      expect(ab.max).toBeLessThanOrEqual(0.35);
      expect(ab.max).toBeGreaterThan(0); // absorbing, not a pure phase object
      maxPhase = Math.max(maxPhase, ph.max);
      // the complex field is exp(−α + iφ)
      for (const i of [0, 1234, 77_777, N * N - 1]) {
        const a = Math.exp(-o.absorption[i]);
        expect(o.amplitude[i]).toBeCloseTo(a, 12);
        expect(o.field.re[i]).toBeCloseTo(a * Math.cos(o.phaseRad[i]), 12);
        expect(o.field.im[i]).toBeCloseTo(a * Math.sin(o.phaseRad[i]), 12);
      }
    }
    expect(maxPhase).toBeGreaterThan(Math.PI); // nuclei reach well beyond π
  });

  it('is periodic: cells crossing an edge continue on the opposite edge', () => {
    const o = simulateSmearObject({ width: N, height: N, seed: 5, kind: 'blood' });
    const p = o.phaseRad;
    // mean |jump| across the wrap-around boundary vs between neighbouring interior columns / rows
    let wrapX = 0;
    let wrapY = 0;
    let inner = 0;
    for (let y = 0; y < N; y++) wrapX += Math.abs(p[y * N] - p[y * N + N - 1]);
    for (let x = 0; x < N; x++) wrapY += Math.abs(p[x] - p[(N - 1) * N + x]);
    for (let y = 0; y < N; y++) for (let x = 0; x < N - 1; x++) inner += Math.abs(p[y * N + x] - p[y * N + x + 1]);
    inner /= N * (N - 1);
    wrapX /= N;
    wrapY /= N;
    // cells do cross the edges (the edge rows/columns are not empty)...
    expect(stats(Array.from({ length: N }, (_, y) => p[y * N])).max).toBeGreaterThan(0.5);
    // ...and continue smoothly on the other side (a clipped paste would leave jumps many times the interior mean)
    expect(wrapX).toBeLessThan(2 * inner);
    expect(wrapY).toBeLessThan(2 * inner);
  });

  it('scales per-field counts with the area relative to the training field', () => {
    const small = simulateSmearObject({ width: N, height: N, seed: 9, kind: 'pap' });
    const large = simulateSmearObject({ width: 2 * N, height: 2 * N, seed: 9, kind: 'pap' });
    expect(large.objectCount).toBeGreaterThan(2.5 * small.objectCount);
  });
});

describe('smear recording model', () => {
  it('blurs with the stated Gaussian (unit gain, σ² second moment, periodic)', () => {
    const w = 64;
    const delta = new Float64Array(w * w);
    delta[0] = 1; // at the corner: the blur must wrap around
    const sigmaUm = 2.24; // 2 px at 1.12 µm
    const out = gaussianBlurPeriodic(delta, w, w, 1.12, sigmaUm);
    let sum = 0;
    let m2 = 0;
    let m2y = 0;
    for (let y = 0; y < w; y++) {
      for (let x = 0; x < w; x++) {
        const dx = x < w / 2 ? x : x - w;
        const dy = y < w / 2 ? y : y - w;
        sum += out[y * w + x];
        m2 += out[y * w + x] * dx * dx;
        m2y += out[y * w + x] * dy * dy;
      }
    }
    expect(sum).toBeCloseTo(1, 10);
    expect(m2).toBeCloseTo(4, 2); // σ = 2 px along x
    expect(m2y).toBeCloseTo(4, 2); // and along y
    expect(out[w - 1]).toBeCloseTo(out[1], 12); // symmetric across the wrap
  });

  it('smooth noise has unit variance and the requested correlation', () => {
    const rng = createRng(4);
    const f = smoothNoise(rng, 96, 80, 3);
    const st = stats(f);
    expect(Math.sqrt(st.variance)).toBeCloseTo(1, 6);
    // neighbours of a σ = 3 px field are strongly correlated, of white noise not
    let c = 0;
    for (let y = 0; y < 96; y++) for (let x = 0; x < 79; x++) c += (f[y * 80 + x] - st.mean) * (f[y * 80 + x + 1] - st.mean);
    expect(c / (96 * 79) / st.variance).toBeGreaterThan(0.9);
  });

  it('records an empty field as background 1 with Poisson–Gaussian noise of the drawn level', () => {
    const w = 256;
    const empty = createField(w, w);
    empty.re.fill(1);
    const rec = recordSmearHologram(empty, { ...optics, zUm: 500, seed: 12 });
    expect(rec.sourceMrad).toBeGreaterThanOrEqual(0.5);
    expect(rec.sourceMrad).toBeLessThanOrEqual(1.5);
    expect(rec.blurSigmaUm).toBeCloseTo((500 * rec.sourceMrad * 1e-3) / 2.355, 12);
    expect(rec.photons).toBeGreaterThanOrEqual(800);
    expect(rec.photons).toBeLessThanOrEqual(6000);
    expect(rec.readNoiseE).toBeGreaterThanOrEqual(1.5);
    expect(rec.readNoiseE).toBeLessThanOrEqual(4);
    const st = stats(rec.intensity);
    expect(st.min).toBeGreaterThanOrEqual(0);
    expect(st.mean).toBeCloseTo(1, 2);
    const expected = 1 / rec.photons + (rec.readNoiseE / rec.photons) ** 2;
    expect(Math.abs(st.variance - expected) / expected).toBeLessThan(0.05);
  });

  it('records a smear hologram deterministically, conserving the mean intensity, with fringes', () => {
    const o = simulateSmearObject({ width: 256, height: 256, seed: 31, kind: 'blood' });
    const a = recordSmearHologram(o.field, { ...optics, zUm: 700, seed: 5 });
    const b = recordSmearHologram(o.field, { ...optics, zUm: 700, seed: 5 });
    const c = recordSmearHologram(o.field, { ...optics, zUm: 700, seed: 6 });
    expect(Array.from(b.intensity)).toEqual(Array.from(a.intensity));
    expect(Array.from(c.intensity)).not.toEqual(Array.from(a.intensity));
    let transmitted = 0;
    for (const v of o.amplitude) transmitted += v * v;
    transmitted /= o.amplitude.length;
    // propagation conserves energy, the blur the mean, the noise is unbiased (clipping at 0 is rare)
    expect(stats(a.intensity).mean).toBeCloseTo(transmitted, 2);
    // a phase object makes fringes: the hologram varies far beyond the noise
    expect(stats(a.intensity).variance).toBeGreaterThan(20 * (1 / a.photons));
  });

  it('stacks heights at z + k·step with independent draws', () => {
    const o = simulateSmearObject({ width: 128, height: 128, seed: 2 });
    const stack = recordSmearStack(o.field, { ...optics, zUm: 400, heightStepUm: 50, count: 4, seed: 3 });
    expect(stack.map((r) => r.zUm)).toEqual([400, 450, 500, 550]);
    expect(new Set(stack.map((r) => r.photons)).size).toBe(4);
    const defaults = recordSmearStack(o.field, { ...optics, zUm: 400, count: 2, seed: 3 });
    expect(defaults[1].zUm).toBe(400 + SMEAR_TRAINING_OPTICS.heightStepUm);
  });
});
