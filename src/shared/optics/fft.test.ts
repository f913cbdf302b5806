import { describe, expect, it } from 'vitest';
import { fft, fft2, fftshift2, ifft, ifft2, ifftshift2, naiveDft, circshift2 } from './fft';
import { createRng } from './prng';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function randomArrays(n: number, seed: number): { re: Float64Array; im: Float64Array } {
  const rng = createRng(seed);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = rng.uniform(-1, 1);
    im[i] = rng.uniform(-1, 1);
  }
  return { re, im };
}

describe('1-D FFT', () => {
  // powers of two (radix-2) and awkward sizes (Bluestein), including primes
  const sizes = [1, 2, 4, 8, 64, 256, 3, 5, 7, 12, 100, 127, 243, 250];
  for (const n of sizes) {
    it(`matches a naive DFT and inverts (n=${n})`, () => {
      const { re, im } = randomArrays(n, 1000 + n);
      const ref = naiveDft(re, im);
      const r = re.slice();
      const i = im.slice();
      fft(r, i);
      const tol = 1e-10 * Math.max(1, n);
      expect(maxAbsDiff(r, ref.re)).toBeLessThan(tol);
      expect(maxAbsDiff(i, ref.im)).toBeLessThan(tol);
      ifft(r, i);
      expect(maxAbsDiff(r, re)).toBeLessThan(1e-12 * Math.max(1, n));
      expect(maxAbsDiff(i, im)).toBeLessThan(1e-12 * Math.max(1, n));
    });
  }

  it('agrees with the naive inverse DFT', () => {
    const { re, im } = randomArrays(96, 5);
    const ref = naiveDft(re, im, true);
    ifft(re, im);
    expect(maxAbsDiff(re, ref.re)).toBeLessThan(1e-12);
    expect(maxAbsDiff(im, ref.im)).toBeLessThan(1e-12);
  });

  it('works on Float32Array input', () => {
    const { re, im } = randomArrays(64, 9);
    const ref = naiveDft(re, im);
    const r = Float32Array.from(re);
    const i = Float32Array.from(im);
    fft(r, i);
    expect(maxAbsDiff(r, ref.re)).toBeLessThan(1e-4);
    expect(maxAbsDiff(i, ref.im)).toBeLessThan(1e-4);
  });

  it('rejects mismatched planes', () => {
    expect(() => fft(new Float64Array(4), new Float64Array(3))).toThrow();
  });
});

describe('2-D FFT', () => {
  function naive2d(re: Float64Array, im: Float64Array, w: number, h: number) {
    const outRe = new Float64Array(w * h);
    const outIm = new Float64Array(w * h);
    for (let v = 0; v < h; v++) {
      for (let u = 0; u < w; u++) {
        let sr = 0;
        let si = 0;
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const a = -2 * Math.PI * ((u * x) / w + (v * y) / h);
            const c = Math.cos(a);
            const s = Math.sin(a);
            const i = y * w + x;
            sr += re[i] * c - im[i] * s;
            si += re[i] * s + im[i] * c;
          }
        }
        outRe[v * w + u] = sr;
        outIm[v * w + u] = si;
      }
    }
    return { re: outRe, im: outIm };
  }

  for (const [w, h] of [
    [16, 8],
    [12, 10],
    [7, 32],
  ] as const) {
    it(`matches a naive 2-D DFT and inverts (${w}x${h})`, () => {
      const { re, im } = randomArrays(w * h, w * 31 + h);
      const ref = naive2d(re, im, w, h);
      const r = re.slice();
      const i = im.slice();
      fft2(r, i, w, h);
      expect(maxAbsDiff(r, ref.re)).toBeLessThan(1e-9);
      expect(maxAbsDiff(i, ref.im)).toBeLessThan(1e-9);
      ifft2(r, i, w, h);
      expect(maxAbsDiff(r, re)).toBeLessThan(1e-12);
      expect(maxAbsDiff(i, im)).toBeLessThan(1e-12);
    });
  }

  it('round-trips a 256x256 field', () => {
    const { re, im } = randomArrays(256 * 256, 77);
    const r = re.slice();
    const i = im.slice();
    fft2(r, i, 256, 256);
    ifft2(r, i, 256, 256);
    expect(maxAbsDiff(r, re)).toBeLessThan(1e-12);
    expect(maxAbsDiff(i, im)).toBeLessThan(1e-12);
  });
});

describe('fftshift', () => {
  it('moves the zero frequency to the centre and back (even and odd sizes)', () => {
    for (const [w, h] of [
      [4, 6],
      [5, 3],
    ] as const) {
      const d = new Float64Array(w * h);
      d[0] = 1;
      const s = fftshift2(d, w, h);
      expect(s[Math.floor(h / 2) * w + Math.floor(w / 2)]).toBe(1);
      const back = ifftshift2(s, w, h);
      expect(Array.from(back)).toEqual(Array.from(d));
    }
  });

  it('circshift2 wraps negative shifts', () => {
    const d = Float64Array.from([1, 2, 3, 4, 5, 6]); // 3x2
    expect(Array.from(circshift2(d, 3, 2, -1, 1))).toEqual([5, 6, 4, 2, 3, 1]);
  });
});
