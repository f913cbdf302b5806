import { describe, expect, it } from 'vitest';
import { focusScore } from './display';
import { SimulatedMicroscope } from './simulated';
import { registerPair } from './pairs';
import { overlapCorrection } from './stitch';

const small = { widthPx: 256, heightPx: 192, fps: 30 };
const maxOf = (d: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < d.length; i++) if (d[i]! > m) m = d[i]!;
  return m;
};

describe('simulated microscope', () => {
  it('is deterministic under its seed: same seed, same settings → identical frames', () => {
    const a = new SimulatedMicroscope({ seed: 42, mode: small });
    const b = new SimulatedMicroscope({ seed: 42, mode: small });
    const fa = a.grab(0);
    const fb = b.grab(0);
    expect(fa.data).toEqual(fb.data);
    expect(a.inFocusZUm).toBe(b.inFocusZUm);
    // The next frame differs by its noise only, and again identically in both.
    expect(a.grab(0).data).toEqual(b.grab(0).data);
    const other = new SimulatedMicroscope({ seed: 43, mode: small }).grab(0);
    expect(other.data).not.toEqual(fa.data);
  });

  it('keeps the sensor bit depth: 8-bit in bytes, 12-bit within 0–4095, 16-bit in 16-bit samples', () => {
    const m = new SimulatedMicroscope({ seed: 3, mode: small });
    m.configure({ bitDepth: 8 });
    const f8 = m.grab();
    expect(f8.data).toBeInstanceOf(Uint8Array);
    m.configure({ bitDepth: 12 });
    const f12 = m.grab();
    expect(f12.data).toBeInstanceOf(Uint16Array);
    expect(maxOf(f12.data)).toBeLessThanOrEqual(4095);
    expect(maxOf(f12.data)).toBeGreaterThan(1000);
    m.configure({ bitDepth: 16 });
    expect(maxOf(m.grab().data)).toBeGreaterThan(4095);
    expect(f8.channels).toBe(3);
    expect(f8.data.length).toBe(256 * 192 * 3);
  });

  it('scales the signal with exposure and gain and clips at the sensor maximum', () => {
    const m = new SimulatedMicroscope({ seed: 5, mode: small, settings: { bitDepth: 12 } });
    const mean = (d: ArrayLike<number>) => Array.from(d).reduce((s, v) => s + v, 0) / d.length;
    m.configure({ exposureMs: 10, gain: 1 });
    const dim = mean(m.grab().data);
    m.configure({ exposureMs: 20 });
    const twice = mean(m.grab().data);
    expect(twice / dim).toBeGreaterThan(1.9);
    expect(twice / dim).toBeLessThan(2.1);
    m.configure({ exposureMs: 200, gain: 4 });
    const over = m.grab().data;
    expect(over.filter((v) => v === 4095).length / over.length).toBeGreaterThan(0.5);
  });

  it('has its focus score peak at the in-focus z', () => {
    const m = new SimulatedMicroscope({ seed: 7, mode: small, settings: { objectiveId: '40x' } });
    const zs = [-6, -4, -2, -1, 0, 1, 2, 4, 6].map((d) => m.inFocusZUm + d);
    const scores = zs.map((zUm) => {
      m.moveStage({ zUm });
      return focusScore(m.grab());
    });
    const best = zs[scores.indexOf(Math.max(...scores))];
    expect(best).toBe(m.inFocusZUm);
    // The curve falls off on both sides.
    expect(scores[0]).toBeLessThan(scores[4]! * 0.8);
    expect(scores[8]).toBeLessThan(scores[4]! * 0.8);
  });

  it('maps objectives to pixel sizes (camera pixel / magnification) and moves the field with the stage', () => {
    const m = new SimulatedMicroscope({ seed: 9, mode: small, settings: { objectiveId: '10x' } });
    expect(m.pixelSizeUm()).toBeCloseTo(0.65, 6);
    m.configure({ objectiveId: '40x' });
    expect(m.pixelSizeUm()).toBeCloseTo(0.1625, 6);
    expect(() => m.configure({ objectiveId: '63x' })).toThrow(/no objective/);
  });

  it('lets phase correlation of tile overlaps find a stage error to a fraction of a pixel', () => {
    const m = new SimulatedMicroscope({ seed: 9, mode: small, settings: { objectiveId: '20x' } });
    m.moveStage({ zUm: m.inFocusZUm });
    const a = m.grab();
    // 25 % overlap = a 192 px step; the stage overshoots by 3.4 px.
    m.moveStage({ xUm: m.stage().xUm + (192 + 3.4) * m.pixelSizeUm() });
    const d = overlapCorrection(a, m.grab(), 0.25, true);
    expect(d.dxPx).toBeCloseTo(3.4, 0);
    expect(Math.abs(d.dyPx)).toBeLessThan(0.3);
  });

  it('registers a two-objective pair to a fraction of a low-objective pixel', () => {
    const m = new SimulatedMicroscope({ seed: 13, mode: small, settings: { objectiveId: '10x' } });
    m.moveStage({ zUm: m.inFocusZUm });
    const low = m.grab();
    // The stage drifts by 3.3 low-objective pixels before the high objective's frame.
    m.moveStage({ xUm: m.stage().xUm + 3.3 * 0.65, yUm: m.stage().yUm - 1.2 * 0.65 });
    m.configure({ objectiveId: '20x' });
    const reg = registerPair(low, m.grab(), 2);
    expect(reg.shiftXPx).toBeCloseTo(3.3, 0);
    expect(reg.shiftYPx).toBeCloseTo(-1.2, 0);
  });

  it.each([8, 12, 16] as const)('has Poisson–Gaussian sensor noise at %i bits: variance = counts per electron · counts + read noise²', (bitDepth) => {
    // Two frames of the same field differ by noise only: var(a − b) / 2 is the per-sample noise variance, which
    // for shot plus read noise is mean·k + (3 e⁻·k)² with k counts per electron (gain · full scale / 20 000 e⁻).
    const m = new SimulatedMicroscope({ seed: 21, mode: small, settings: { bitDepth, exposureMs: 20, gain: 1 } });
    const k = (2 ** bitDepth - 1) / 20_000;
    const frames = [m.grab().data, m.grab().data];
    let diffVar = 0;
    let expected = 0;
    let n = 0;
    const max = 2 ** bitDepth - 1;
    for (let i = 0; i < frames[0]!.length; i++) {
      const a = frames[0]![i]!;
      const b = frames[1]![i]!;
      if (a === 0 || b === 0 || a === max || b === max) continue;
      diffVar += (a - b) ** 2;
      expected += ((a + b) / 2) * k + (3 * k) ** 2;
      n++;
    }
    // 8-bit counts are coarse (σ ≈ 1 count): the rounding adds 1/12 count² per sample to each frame.
    const quantisation = bitDepth === 8 ? 1 / 12 : 0;
    expect(diffVar / 2 / n / (expected / n + quantisation)).toBeGreaterThan(0.9);
    expect(diffVar / 2 / n / (expected / n + quantisation)).toBeLessThan(1.1);
  });

  it('records in-line holograms of a phase specimen in hologram mode', () => {
    const m = new SimulatedMicroscope({ seed: 11, mode: small, settings: { imaging: 'hologram', bitDepth: 16 } });
    const f = m.grab();
    expect(f.channels).toBe(1);
    expect(f.widthPx).toBe(512);
    expect(f.meta.hologram).toMatchObject({ wavelengthNm: 530, pixelSizeUm: 1.12 });
    expect(f.meta.hologram!.zUm).toBeGreaterThan(700);
    // Fringes: the intensity varies around the background well beyond the noise.
    const values = Array.from(f.data);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    expect(sd / mean).toBeGreaterThan(0.03);
  });
});
