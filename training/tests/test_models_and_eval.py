import unittest

import numpy as np
import torch
import torch.nn.functional as F

from training import baselines, export, models
from training.metrics import phase_rmse, psnr, ssim
from training.sim import holography, optics


class ModelTest(unittest.TestCase):
    def test_sr_shapes_and_bilinear_start(self):
        m = models.SRResNet(ch=8, blocks=2, scale=2)
        with torch.no_grad():
            m.tail.weight.zero_()
            x = torch.rand(1, 3, 20, 24)
            y = m(x)
        self.assertEqual(tuple(y.shape), (1, 3, 40, 48))
        ref = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        self.assertLess(float((y - ref)[..., 2:-2, 2:-2].abs().max()), 1e-5)

    def test_unet_multiple_and_size(self):
        m = models.UNet(chs=(8, 16, 24), blocks=(1, 1, 1), stem_stride=2)
        self.assertEqual(m.multiple, 8)
        y = m(torch.rand(2, 2, 16, 24))
        self.assertEqual(tuple(y.shape), (2, 2, 16, 24))

    def test_configured_models_within_budget(self):
        from training import common
        for task in common.TASKS:
            m = models.build(common.load_config(task)["model"])
            self.assertLessEqual(models.n_params(m), 2_000_000, task)

    def test_tiling_matches_untiled(self):
        torch.manual_seed(0)
        m = models.UNet(in_ch=2, out_ch=2, chs=(4, 8, 8), blocks=(1, 1, 1), stem_stride=1).eval()
        for p in m.parameters():
            p.data.normal_(0, 0.2)
        rr = export.receptive_radius(m, 2, 96, 1)
        halo = -(-rr // m.multiple) * m.multiple
        tile = 2 * halo + 16
        m = m.double()
        x = torch.rand(1, 2, 3 * tile, 2 * tile + 8, dtype=torch.float64)
        with torch.no_grad():
            full = m(x)
        tiled = export.tiled_forward(m, x, tile=tile, halo=rr, multiple=m.multiple, scale=1)
        self.assertLess(float((tiled - full).abs().max()), 1e-9)
        # a halo that is too small must show seams
        bad = export.tiled_forward(m, x, tile=tile, halo=4, multiple=m.multiple, scale=1)
        self.assertGreater(float((bad - full).abs().max()), 1e-5)


class MetricTest(unittest.TestCase):
    def test_psnr_ssim(self):
        a = np.random.default_rng(0).random((3, 32, 32))
        self.assertEqual(psnr(a, a), float("inf"))
        self.assertAlmostEqual(ssim(a, a), 1.0)
        self.assertAlmostEqual(psnr(a + 0.1, a), 20.0, places=6)

    def test_phase_rmse_ignores_global_phase(self):
        rng = np.random.default_rng(1)
        f = np.exp(1j * rng.random((32, 32)) * 3)
        self.assertLess(phase_rmse(f * np.exp(1j * 2.0), f), 1e-6)
        self.assertGreater(phase_rmse(f * np.exp(1j * 0.3 * rng.standard_normal((32, 32))), f), 0.2)


class BaselineTest(unittest.TestCase):
    def test_richardson_lucy_sharpens_blur(self):
        from training.sim import brightfield
        rng = np.random.default_rng(0)
        img = np.clip(rng.random((1, 64, 64)) > 0.9, 0, 1).astype(float) * 0.6 + 0.2
        psf = brightfield.input_psf()
        k = np.zeros((64, 64)); k[:15, :15] = psf; k = np.roll(k, (-7, -7), (0, 1))
        blurred = np.real(np.fft.ifft2(np.fft.fft2(img[0]) * np.fft.fft2(k)))[None]
        rl = baselines.richardson_lucy(blurred, psf, 20)
        self.assertLess(np.abs(rl - img)[:, 8:-8, 8:-8].mean(), np.abs(blurred - img)[:, 8:-8, 8:-8].mean())

    def test_multi_height_gs_beats_backprop(self):
        p = dict(holography.DEFAULTS, photons=[1e6, 1e6], source_mrad=[0.0, 0.0])
        rng = np.random.default_rng(7)
        obj = holography.make_object(rng, 256, p)
        zs = 400.0 + 50.0 * np.arange(8)
        holos = np.stack([holography.record(rng, obj, z, p) for z in zs])
        bp = holography.backpropagate(holos[0], zs[0], p)
        gs = baselines.multi_height_gs(holos, zs, p["px_um"], p["wavelength_um"], 20)
        self.assertLess(phase_rmse(gs, obj), 0.8 * phase_rmse(bp, obj))


if __name__ == "__main__":
    unittest.main()
