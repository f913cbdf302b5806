import unittest

import numpy as np

from training.sim import optics


class OpticsTest(unittest.TestCase):
    def test_otf_dc_and_cutoff(self):
        shape, dx, na, lam = (128, 128), 0.08, 0.95, 0.55
        otf = optics.incoherent_otf(shape, dx, na, lam)
        self.assertAlmostEqual(otf[0, 0], 1.0)
        fy, fx = optics.freq_grid(shape, dx)
        rho = np.sqrt(fx ** 2 + fy ** 2)
        self.assertTrue(np.all(otf[rho >= 2 * na / lam] == 0))
        self.assertTrue(np.all(otf[rho < 0.99 * 2 * na / lam] > 0))
        self.assertTrue(np.all(np.diff(otf[0, :64]) <= 1e-12))   # monotone along an axis

    def test_higher_na_passes_more(self):
        shape = (64, 64)
        a = optics.incoherent_otf(shape, 0.08, 0.95, 0.55)
        b = optics.incoherent_otf(shape, 0.08, 1.4, 0.55)
        self.assertTrue(np.all(b >= a - 1e-12))

    def test_blur_preserves_mean(self):
        rng = np.random.default_rng(0)
        img = rng.random((3, 64, 64))
        out = optics.apply_otf(img, optics.incoherent_otf((64, 64), 0.1, 0.5, 0.55))
        np.testing.assert_allclose(out.mean(axis=(1, 2)), img.mean(axis=(1, 2)), atol=1e-12)

    def test_poisson_gaussian_statistics(self):
        rng = np.random.default_rng(1)
        img = np.full((256, 256), 0.5)
        out = optics.poisson_gaussian(rng, img, photons=1000.0, read_noise=3.0)
        self.assertAlmostEqual(out.mean(), 0.5, delta=0.003)
        expected_sd = np.sqrt(500 + 9) / 1000
        self.assertAlmostEqual(out.std(), expected_sd, delta=0.1 * expected_sd)

    def test_box_downsample(self):
        img = np.arange(16.0).reshape(4, 4)
        np.testing.assert_allclose(optics.box_downsample(img, 2), [[2.5, 4.5], [10.5, 12.5]])

    def test_propagation_round_trip_and_energy(self):
        rng = np.random.default_rng(2)
        n, dx, lam = 128, 1.12, 0.53
        field = np.exp(1j * rng.random((n, n)))
        # keep the field inside the propagating band so the round trip is exact
        band = np.abs(optics.angular_spectrum_tf((n, n), dx, lam, 300.0)) > 0
        field = np.fft.ifft2(np.fft.fft2(field) * band)
        fwd = optics.propagate(field, dx, lam, 300.0)
        self.assertAlmostEqual(np.sum(np.abs(fwd) ** 2), np.sum(np.abs(field) ** 2), delta=1e-6 * np.sum(np.abs(field) ** 2))
        back = optics.propagate(fwd, dx, lam, -300.0)
        np.testing.assert_allclose(back, field, atol=1e-9)

    def test_plane_wave_keeps_zero_phase(self):
        u = optics.propagate(np.ones((32, 32), complex), 1.12, 0.53, 777.0)
        np.testing.assert_allclose(u, 1.0, atol=1e-12)

    def test_bandlimit_shrinks_with_distance(self):
        near = np.abs(optics.angular_spectrum_tf((128, 128), 1.12, 0.53, 100.0)) > 0
        far = np.abs(optics.angular_spectrum_tf((128, 128), 1.12, 0.53, 2000.0)) > 0
        self.assertLess(far.sum(), near.sum())


if __name__ == "__main__":
    unittest.main()
