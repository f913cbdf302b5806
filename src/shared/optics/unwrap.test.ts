import { describe, expect, it } from 'vitest';
import { createRng } from './prng';
import { unwrapPhase } from './unwrap';

function wrapAll(p: Float64Array): Float64Array {
  return p.map((v) => Math.atan2(Math.sin(v), Math.cos(v)));
}

function surface(w: number, h: number): Float64Array {
  const p = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // large smooth range (~ -10 .. 45 rad): bowl + tilt + ripple
      p[y * w + x] = 0.004 * ((x - 40) ** 2 + (y - 30) ** 2) + 0.15 * x - 0.1 * y + 2 * Math.sin(x / 9) * Math.cos(y / 13);
    }
  }
  return p;
}

/** Pixels where unwrapped - truth equals the most common 2 pi multiple (within tol). */
function agreement(u: Float64Array, truth: Float64Array, tol: number, skip?: (i: number) => boolean) {
  const first = u.findIndex((_, i) => !skip || !skip(i));
  const k0 = Math.round((u[first] - truth[first]) / (2 * Math.PI));
  let ok = 0;
  let total = 0;
  for (let i = 0; i < u.length; i++) {
    if (skip && skip(i)) continue;
    total++;
    if (Math.abs(u[i] - truth[i] - 2 * Math.PI * k0) < tol) ok++;
  }
  return ok / total;
}

describe('reliability-sorting phase unwrapping', () => {
  it('exactly unwraps a smooth surface with a large range (up to a global 2 pi k)', () => {
    const w = 100;
    const h = 80;
    const truth = surface(w, h);
    const u = unwrapPhase(wrapAll(truth), w, h);
    expect(Math.max(...truth) - Math.min(...truth)).toBeGreaterThan(30);
    const k = Math.round((u[0] - truth[0]) / (2 * Math.PI));
    let maxErr = 0;
    for (let i = 0; i < u.length; i++) maxErr = Math.max(maxErr, Math.abs(u[i] - truth[i] - 2 * Math.PI * k));
    expect(maxErr).toBeLessThan(1e-9);
  });

  it('is robust to noise', () => {
    const w = 96;
    const h = 96;
    const truth = surface(w, h);
    const rng = createRng(4);
    const noisy = truth.map((v) => v + 0.35 * rng.normal());
    const u = unwrapPhase(wrapAll(noisy), w, h);
    expect(agreement(u, noisy, 1e-9)).toBeGreaterThan(0.99);
  });

  it('routes around a corrupted region instead of propagating its errors', () => {
    const w = 96;
    const h = 96;
    const truth = surface(w, h);
    const rng = createRng(8);
    const bad = (i: number): boolean => {
      const x = i % w;
      const y = Math.floor(i / w);
      return x >= 30 && x < 50 && y >= 20 && y < 60;
    };
    const input = wrapAll(truth);
    for (let i = 0; i < input.length; i++) if (bad(i)) input[i] = rng.uniform(-Math.PI, Math.PI);
    const u = unwrapPhase(input, w, h);
    // everything at least 2 px away from the corrupted block is unwrapped consistently
    const near = (i: number): boolean => {
      const x = i % w;
      const y = Math.floor(i / w);
      return x >= 28 && x < 52 && y >= 18 && y < 62;
    };
    expect(agreement(u, truth, 1e-9, near)).toBeGreaterThan(0.999);
    // a naive row-by-row (Itoh) unwrap fails on this input
    const itoh = new Float64Array(input.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (x === 0) itoh[i] = y === 0 ? input[i] : itoh[i - w] + Math.atan2(Math.sin(input[i] - input[i - w]), Math.cos(input[i] - input[i - w]));
        else itoh[i] = itoh[i - 1] + Math.atan2(Math.sin(input[i] - input[i - 1]), Math.cos(input[i] - input[i - 1]));
      }
    }
    expect(agreement(itoh, truth, 1e-9, near)).toBeLessThan(0.9);
  });

  it('honours a mask (masked pixels stay wrapped, separate regions are unwrapped independently)', () => {
    const w = 64;
    const h = 64;
    const truth = surface(w, h);
    const mask = new Uint8Array(w * h).fill(1);
    for (let y = 0; y < h; y++) mask[y * w + 32] = 0; // a vertical cut into two regions
    const input = wrapAll(truth);
    const u = unwrapPhase(input, w, h, { mask });
    expect(u[10 * w + 32]).toBe(input[10 * w + 32]);
    expect(agreement(u, truth, 1e-9, (i) => i % w >= 32)).toBe(1);
    expect(agreement(u, truth, 1e-9, (i) => i % w <= 32)).toBe(1);
  });
});
