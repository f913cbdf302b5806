import { describe, expect, it } from 'vitest';
import { fresnelIntegrals, fresnelRectAperture, gaussianBeam } from './analytic';
import { fft2, ifft2 } from './fft';
import type { ComplexField } from './field';
import { createField, fieldEnergy } from './field';
import { createRng } from './prng';
import {
  backPropagateHologram,
  bandLimitPerUm,
  createPropagator,
  paddedGrid,
  propagate,
  transferFunction,
} from './propagation';

const optics = { wavelengthNm: 532, pixelSizeUm: 1.12, refractiveIndex: 1.0 };

function maxAbsComplexDiff(a: ComplexField, b: ComplexField): number {
  let m = 0;
  for (let i = 0; i < a.re.length; i++) m = Math.max(m, Math.hypot(a.re[i] - b.re[i], a.im[i] - b.im[i]));
  return m;
}

function maxAmplitude(a: ComplexField): number {
  let m = 0;
  for (let i = 0; i < a.re.length; i++) m = Math.max(m, Math.hypot(a.re[i], a.im[i]));
  return m;
}

/** Random complex field, projected onto the pass band of H(z) on the same (periodic) grid. */
function bandLimitedRandomField(w: number, h: number, zUm: number, seed: number): ComplexField {
  const rng = createRng(seed);
  const f = createField(w, h);
  for (let i = 0; i < w * h; i++) {
    f.re[i] = rng.normal();
    f.im[i] = rng.normal();
  }
  const t = transferFunction(w, h, { ...optics, zUm });
  fft2(f.re, f.im, w, h);
  for (let i = 0; i < w * h; i++) {
    if (t.re[i] === 0 && t.im[i] === 0) {
      f.re[i] = 0;
      f.im[i] = 0;
    }
  }
  ifft2(f.re, f.im, w, h);
  return f;
}

function gaussianBeamField(w: number, h: number, waistUm: number, zUm: number, p = optics): ComplexField {
  const f = createField(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const r = Math.hypot((x - w / 2) * p.pixelSizeUm, (y - h / 2) * p.pixelSizeUm);
      const u = gaussianBeam(r, zUm, waistUm, p);
      f.re[y * w + x] = u.re;
      f.im[y * w + x] = u.im;
    }
  }
  return f;
}

describe('band limit', () => {
  it('follows Matsushima-Shimobaba: u_limit = 1 / (lambda sqrt((2 du z)^2 + 1))', () => {
    const { fxLimitPerUm, fyLimitPerUm } = bandLimitPerUm(256, 128, { ...optics, zUm: 1000 });
    const du = 1 / (256 * 1.12);
    const dv = 1 / (128 * 1.12);
    expect(fxLimitPerUm).toBeCloseTo(1 / (0.532 * Math.sqrt((2 * du * 1000) ** 2 + 1)), 12);
    expect(fyLimitPerUm).toBeCloseTo(1 / (0.532 * Math.sqrt((2 * dv * 1000) ** 2 + 1)), 12);
    // the transfer function is zero outside the limit and unit-modulus inside
    const t = transferFunction(256, 128, { ...optics, zUm: 1000 });
    let outside = 0;
    let maxOutside = 0;
    let maxInsideErr = 0;
    for (let ky = 0; ky < 128; ky++) {
      for (let kx = 0; kx < 256; kx++) {
        const fx = (kx < 128 ? kx : kx - 256) * du;
        const fy = (ky < 64 ? ky : ky - 128) * dv;
        const i = ky * 256 + kx;
        const mag = Math.hypot(t.re[i], t.im[i]);
        if (Math.abs(fx) > fxLimitPerUm || Math.abs(fy) > fyLimitPerUm) {
          maxOutside = Math.max(maxOutside, mag);
          outside++;
        } else maxInsideErr = Math.max(maxInsideErr, Math.abs(mag - 1));
      }
    }
    expect(outside).toBeGreaterThan(0);
    expect(maxOutside).toBe(0);
    expect(maxInsideErr).toBeLessThan(1e-12);
    expect(t.passCount).toBe(256 * 128 - outside);
  });

  it('zero padding doubles the grid to a power of two', () => {
    expect(paddedGrid(128, 100, 'zero')).toEqual({ width: 256, height: 256, offsetX: 64, offsetY: 78 });
    expect(paddedGrid(100, 60, 'none')).toEqual({ width: 100, height: 60, offsetX: 0, offsetY: 0 });
  });
});

describe('angular-spectrum propagation', () => {
  it('z then -z returns a band-limited field (periodic grid, Float64)', () => {
    const f = bandLimitedRandomField(128, 96, 800, 3);
    const p = { ...optics, zUm: 800, padding: 'none' as const };
    const there = propagate(f, p);
    const back = propagate(there, { ...p, zUm: -800 });
    // the propagated field must actually differ from the input
    expect(maxAbsComplexDiff(there, f) / maxAmplitude(f)).toBeGreaterThan(0.1);
    expect(maxAbsComplexDiff(back, f) / maxAmplitude(f)).toBeLessThan(1e-5);
    expect(maxAbsComplexDiff(back, f) / maxAmplitude(f)).toBeLessThan(1e-10);
  });

  it('z then -z also works on a non-power-of-two periodic grid (Bluestein FFT)', () => {
    const f = bandLimitedRandomField(100, 75, 400, 21);
    const p = { ...optics, zUm: 400, padding: 'none' as const };
    const back = propagate(propagate(f, p), { ...p, zUm: -400 });
    expect(maxAbsComplexDiff(back, f) / maxAmplitude(f)).toBeLessThan(1e-10);
    expect(Math.abs(fieldEnergy(propagate(f, p)) / fieldEnergy(f) - 1)).toBeLessThan(1e-10);
  });

  it('z then -z returns a compact field with zero padding and cropping', () => {
    // Gaussian beam (waist 8 um) stays well inside the 128 x 128 window over 500 um
    const f = gaussianBeamField(128, 128, 8, 0);
    const p = { ...optics, zUm: 500 };
    const back = propagate(propagate(f, p), { ...p, zUm: -500 });
    expect(maxAbsComplexDiff(back, f) / maxAmplitude(f)).toBeLessThan(1e-5);
  });

  it('conserves energy exactly on the pass band (periodic grid)', () => {
    const f = bandLimitedRandomField(128, 128, 600, 11);
    const out = propagate(f, { ...optics, zUm: 600, padding: 'none' });
    expect(Math.abs(fieldEnergy(out) / fieldEnergy(f) - 1)).toBeLessThan(1e-6);
  });

  it('energy on the padded grid equals the pass-band energy of the padded spectrum (Parseval)', () => {
    // random (not band-limited) field: the band limit removes energy, exactly the part outside the pass band
    const rng = createRng(5);
    const f = createField(64, 64);
    for (let i = 0; i < f.re.length; i++) {
      f.re[i] = rng.normal();
      f.im[i] = rng.normal();
    }
    const zUm = 1500; // strong clipping at this distance
    const out = propagate(f, { ...optics, zUm, keepPadding: true });
    expect(out.width).toBe(128);
    // expected: sum over pass band of |F|^2 / N on the 128 x 128 zero-padded grid
    const pad = createField(128, 128);
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        pad.re[(y + 32) * 128 + x + 32] = f.re[y * 64 + x];
        pad.im[(y + 32) * 128 + x + 32] = f.im[y * 64 + x];
      }
    }
    fft2(pad.re, pad.im, 128, 128);
    const t = transferFunction(128, 128, { ...optics, zUm });
    let passEnergy = 0;
    let total = 0;
    for (let i = 0; i < pad.re.length; i++) {
      const e = pad.re[i] ** 2 + pad.im[i] ** 2;
      total += e;
      if (t.re[i] !== 0 || t.im[i] !== 0) passEnergy += e;
    }
    passEnergy /= 128 * 128;
    total /= 128 * 128;
    expect(passEnergy).toBeLessThan(0.9 * total); // the band limit clips here
    expect(Math.abs(fieldEnergy(out) / passEnergy - 1)).toBeLessThan(1e-6);
  });

  it('conserves energy inside the crop window for a beam that stays inside it (zero padding)', () => {
    const f = gaussianBeamField(128, 128, 6, 0);
    const out = propagate(f, { ...optics, zUm: 400 });
    expect(Math.abs(fieldEnergy(out) / fieldEnergy(f) - 1)).toBeLessThan(1e-6);
  });

  it('matches the analytic Gaussian beam (paraxial) within 1e-3 of the peak amplitude', () => {
    const p = { wavelengthNm: 633, pixelSizeUm: 1, refractiveIndex: 1.33 };
    const f = gaussianBeamField(128, 128, 10, 0, p);
    const out = propagate(f, { ...p, zUm: 700 });
    const ref = gaussianBeamField(128, 128, 10, 700, p);
    expect(maxAbsComplexDiff(out, ref) / maxAmplitude(ref)).toBeLessThan(1e-3);
  });

  it('reproduces the analytic Fresnel pattern of a square aperture', () => {
    // 40 um x 40 um aperture, lambda 500 nm, z = 500 um: Fresnel number a^2/(lambda z) = 1.6
    const p = { wavelengthNm: 500, pixelSizeUm: 0.5, refractiveIndex: 1 };
    const n = 256;
    const c = n / 2;
    const f = createField(n, n);
    const halfPx = 40; // aperture covers pixels c-40 .. c+39, i.e. [-40.5, 39.5] * dx
    for (let y = c - halfPx; y < c + halfPx; y++) {
      for (let x = c - halfPx; x < c + halfPx; x++) f.re[y * n + x] = 1;
    }
    const zUm = 500;
    const out = propagate(f, { ...p, zUm });
    const aperture = {
      x0Um: (-halfPx - 0.5) * p.pixelSizeUm,
      x1Um: (halfPx - 1 + 0.5) * p.pixelSizeUm,
      y0Um: (-halfPx - 0.5) * p.pixelSizeUm,
      y1Um: (halfPx - 1 + 0.5) * p.pixelSizeUm,
    };
    // compare on the central 96 x 96 region (+-24 um), which holds the Fresnel fringes of the aperture
    let errSq = 0;
    let refSq = 0;
    let maxIntErr = 0;
    let maxInt = 0;
    for (let y = c - 48; y < c + 48; y += 2) {
      for (let x = c - 48; x < c + 48; x += 2) {
        const u = fresnelRectAperture((x - c) * p.pixelSizeUm, (y - c) * p.pixelSizeUm, aperture, { ...p, zUm });
        const i = y * n + x;
        errSq += (out.re[i] - u.re) ** 2 + (out.im[i] - u.im) ** 2;
        refSq += u.re ** 2 + u.im ** 2;
        const iRef = u.re ** 2 + u.im ** 2;
        const iNum = out.re[i] ** 2 + out.im[i] ** 2;
        maxIntErr = Math.max(maxIntErr, Math.abs(iRef - iNum));
        maxInt = Math.max(maxInt, iRef);
      }
    }
    const relRms = Math.sqrt(errSq / refSq);
    expect(maxInt).toBeGreaterThan(1.2); // Fresnel fringes overshoot the plane-wave intensity
    expect(relRms).toBeLessThan(0.01); // measured 0.0033
    expect(maxIntErr / maxInt).toBeLessThan(0.01); // measured 0.0026
  });

  it('Fresnel integrals match known values', () => {
    // C(1) = 0.7798934004, S(1) = 0.4382591473; C(inf) = S(inf) = 0.5
    expect(fresnelIntegrals(1).c).toBeCloseTo(0.7798934004, 8);
    expect(fresnelIntegrals(1).s).toBeCloseTo(0.4382591473, 8);
    expect(fresnelIntegrals(-1).c).toBeCloseTo(-0.7798934004, 8);
    expect(fresnelIntegrals(20).c).toBeCloseTo(0.5, 1);
    expect(Math.abs(fresnelIntegrals(20).c - 0.5)).toBeLessThan(0.02);
  });

  it('a reusable propagator equals the one-shot function', () => {
    const f = gaussianBeamField(64, 64, 5, 0);
    const p = { ...optics, zUm: 300 };
    const a = propagate(f, p);
    const b = createPropagator(64, 64, p).apply(f);
    expect(maxAbsComplexDiff(a, b)).toBe(0);
  });
});

describe('hologram back-propagation', () => {
  it('matches the weak-object (first Born) prediction: object/2 + twin image', () => {
    // t = 1 + eps with a weak phase disc (0.1 rad). Then I = |P_z t|^2 ~ 1 + 2 Re(P_z eps) and
    // P_-z sqrt(I) ~ exp(-ikz) [1 + eps/2 + G_-2z(conj eps)/2] (twin image), to first order in eps,
    // where G_z = exp(-ikz) P_z is the propagator without the plane-wave carrier.
    const n = 128;
    const obj = createField(n, n);
    const eps = createField(n, n);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const phi = Math.hypot(x - 64, y - 60) < 10 ? 0.1 : 0;
        const i = y * n + x;
        obj.re[i] = Math.cos(phi);
        obj.im[i] = Math.sin(phi);
        eps.re[i] = obj.re[i] - 1;
        eps.im[i] = obj.im[i];
      }
    }
    const z = 300;
    const sensor = propagate(obj, { ...optics, zUm: z, padding: 'none' });
    const holo = new Float64Array(n * n);
    for (let i = 0; i < holo.length; i++) holo[i] = 4 * (sensor.re[i] ** 2 + sensor.im[i] ** 2);
    const rec = backPropagateHologram(holo, n, n, { ...optics, zUm: z, backgroundIntensity: 4, padding: 'none' });
    const conjEps = createField(n, n);
    conjEps.re.set(eps.re);
    for (let i = 0; i < n * n; i++) conjEps.im[i] = -eps.im[i];
    // two steps of -z (a single -2z step would be band-limited more strongly than the reconstruction)
    const twin = propagate(propagate(conjEps, { ...optics, zUm: -z, padding: 'none' }), {
      ...optics,
      zUm: -z,
      padding: 'none',
    });
    const kz = ((2 * Math.PI * optics.refractiveIndex) / (optics.wavelengthNm / 1000)) * z;
    const rotate = (f: ComplexField, a: number): void => {
      const c = Math.cos(a);
      const s = Math.sin(a);
      for (let i = 0; i < f.re.length; i++) {
        const r = f.re[i];
        f.re[i] = r * c - f.im[i] * s;
        f.im[i] = r * s + f.im[i] * c;
      }
    };
    rotate(twin, 2 * kz);
    rotate(rec, kz);
    let maxErr = 0;
    let maxSignal = 0;
    for (let i = 0; i < n * n; i++) {
      const pr = 1 + (eps.re[i] + twin.re[i]) / 2;
      const pi = (eps.im[i] + twin.im[i]) / 2;
      maxErr = Math.max(maxErr, Math.hypot(rec.re[i] - pr, rec.im[i] - pi));
      maxSignal = Math.max(maxSignal, Math.hypot(eps.re[i], eps.im[i]) / 2);
    }
    expect(maxSignal).toBeGreaterThan(0.04);
    expect(maxErr).toBeLessThan(0.01);
    // using the wrong sign of z breaks the prediction
    const wrong = backPropagateHologram(holo, n, n, { ...optics, zUm: -z, backgroundIntensity: 4, padding: 'none' });
    rotate(wrong, -kz);
    let wrongErr = 0;
    for (let i = 0; i < n * n; i++) {
      const pr = 1 + (eps.re[i] + twin.re[i]) / 2;
      const pi = (eps.im[i] + twin.im[i]) / 2;
      wrongErr = Math.max(wrongErr, Math.hypot(wrong.re[i] - pr, wrong.im[i] - pi));
    }
    expect(wrongErr).toBeGreaterThan(0.03);
  });
});

describe('transfer function sampling', () => {
  it('equals exp(i2πz·√((n/λ)² − fx² − fy²)) in every bin (band-limited, evanescent bins 0) on even and odd grids', () => {
    const p = { wavelengthNm: 530, pixelSizeUm: 0.4, refractiveIndex: 1.33 };
    for (const [w, h, z, bandLimit] of [
      [16, 16, 120, true],
      [15, 9, 80, true],
      [12, 7, -300, false],
      [33, 32, 2000, true],
    ] as const) {
      const t = transferFunction(w, h, { ...p, zUm: z, bandLimit });
      const { fxLimitPerUm, fyLimitPerUm } = bandLimitPerUm(w, h, { ...p, zUm: z });
      const k = p.refractiveIndex / (p.wavelengthNm / 1000);
      let pass = 0;
      for (let ky = 0; ky < h; ky++) {
        for (let kx = 0; kx < w; kx++) {
          const fx = (kx < Math.ceil(w / 2) ? kx : kx - w) / (w * p.pixelSizeUm);
          const fy = (ky < Math.ceil(h / 2) ? ky : ky - h) / (h * p.pixelSizeUm);
          const arg = k * k - fx * fx - fy * fy;
          const inBand = !bandLimit || (Math.abs(fx) <= fxLimitPerUm && Math.abs(fy) <= fyLimitPerUm);
          const i = ky * w + kx;
          if (arg <= 0 || !inBand) {
            expect([t.re[i], t.im[i]], `bin (${kx}, ${ky}) of ${w}×${h}`).toEqual([0, 0]);
          } else {
            pass++;
            expect(t.re[i]).toBeCloseTo(Math.cos(2 * Math.PI * z * Math.sqrt(arg)), 10);
            expect(t.im[i]).toBeCloseTo(Math.sin(2 * Math.PI * z * Math.sqrt(arg)), 10);
          }
        }
      }
      expect(t.passCount).toBe(pass);
      expect(pass).toBeGreaterThan(0);
      if (bandLimit && z === 2000) expect(pass).toBeLessThan(w * h); // the limit does cut bins here
    }
  });
});
