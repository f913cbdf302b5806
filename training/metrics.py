"""Image-quality metrics used in evaluation."""
from __future__ import annotations

import numpy as np
from skimage.metrics import structural_similarity


def psnr(x, ref, data_range=1.0):
    mse = float(np.mean((np.asarray(x, np.float64) - np.asarray(ref, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(data_range ** 2 / mse)


def ssim(x, ref, data_range=1.0):
    """Mean SSIM over channels for (C, H, W) or a single (H, W) image (Gaussian window, σ=1.5)."""
    x = np.asarray(x, np.float64)
    ref = np.asarray(ref, np.float64)
    if x.ndim == 2:
        x, ref = x[None], ref[None]
    return float(np.mean([structural_similarity(a, b, data_range=data_range, gaussian_weights=True,
                                                sigma=1.5, use_sample_covariance=False)
                          for a, b in zip(x, ref)]))


def remove_global_phase(est, ref):
    """Multiply `est` by the unit phasor that best aligns it with `ref` (least squares)."""
    c = np.vdot(est, ref)            # Σ conj(est)·ref
    return est * (c / abs(c) if abs(c) > 0 else 1.0)


def phase_rmse(est, ref):
    """RMS of the wrapped phase difference (rad) after removing the global phase offset."""
    e = remove_global_phase(est, ref)
    d = np.angle(e * np.conj(ref))
    return float(np.sqrt(np.mean(d ** 2)))


def complex_metrics(est, ref):
    """est, ref complex (H, W).  Amplitude SSIM (data range 1), phase RMSE, complex PSNR."""
    e = remove_global_phase(est, ref)
    return {
        "phase_rmse_rad": phase_rmse(est, ref),
        "amp_ssim": ssim(np.abs(e), np.abs(ref), data_range=1.0),
        "complex_psnr_db": psnr(np.stack([e.real, e.imag]), np.stack([ref.real, ref.imag]), data_range=2.0),
    }
