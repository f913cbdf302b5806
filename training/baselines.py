"""Classical baselines used by training.evaluate (numpy / scipy only)."""
from __future__ import annotations

import numpy as np
import scipy.fft as sfft
import torch
import torch.nn.functional as F

from .sim import optics


def bicubic_up(img, scale):
    """Bicubic (a = −0.75, half-pixel centres) upsampling of (C, H, W) float images."""
    t = torch.from_numpy(np.ascontiguousarray(img, dtype=np.float32))[None]
    return F.interpolate(t, scale_factor=scale, mode="bicubic", align_corners=False)[0].numpy()


def richardson_lucy(img, psf, iterations):
    """Richardson–Lucy deconvolution of (C, H, W) in [0, 1] with a centred PSF (FFT, reflect pad)."""
    c, h, w = img.shape
    pad = psf.shape[0]
    out = np.empty_like(img, dtype=np.float64)
    for ch in range(c):
        x = np.pad(img[ch].astype(np.float64), pad, mode="reflect")
        k = np.zeros_like(x)
        ph, pw = psf.shape
        k[:ph, :pw] = psf
        k = np.roll(k, (-(ph // 2), -(pw // 2)), axis=(0, 1))
        K = sfft.rfft2(k)
        est = np.full_like(x, max(x.mean(), 1e-3))
        obs = np.clip(x, 1e-4, None)
        for _ in range(iterations):
            conv = sfft.irfft2(sfft.rfft2(est) * K, s=x.shape)
            ratio = obs / np.clip(conv, 1e-6, None)
            est = est * sfft.irfft2(sfft.rfft2(ratio) * np.conj(K), s=x.shape)
        out[ch] = est[pad:-pad, pad:-pad]
    return np.clip(out, 0, 1).astype(np.float32)


def backprop_field(holo, z, params=None):
    from .sim import holography
    return holography.backpropagate(holo, z, params)


def multi_height_gs(holos, zs, dx, wavelength, iterations):
    """Multi-height Gerchberg–Saxton phase retrieval (Greenbaum/Ozcan-style sweep).

    holos: (K, H, W) intensities at heights zs (ascending).  Start at plane 0 with the measured
    amplitude and zero phase; each iteration sweeps 0→1→…→K−1 and jumps back to 0, replacing the
    amplitude by the measured one at every plane.  The result is propagated to the object plane.
    Uses complex64 scipy.fft and precomputed band-limited transfer functions.
    """
    holos = np.asarray(holos)
    amps = np.sqrt(holos / np.median(holos[0])).astype(np.float32)
    K = len(zs)
    shape = amps.shape[1:]
    hops = [optics.angular_spectrum_tf(shape, dx, wavelength, zs[k + 1] - zs[k]).astype(np.complex64)
            for k in range(K - 1)]
    back = optics.angular_spectrum_tf(shape, dx, wavelength, zs[0] - zs[-1]).astype(np.complex64)
    to_obj = optics.angular_spectrum_tf(shape, dx, wavelength, -zs[0]).astype(np.complex64)
    u = amps[0].astype(np.complex64)
    for _ in range(iterations):
        for k in range(K - 1):
            u = sfft.ifft2(sfft.fft2(u) * hops[k])
            u *= amps[k + 1] / np.maximum(np.abs(u), 1e-6)
        u = sfft.ifft2(sfft.fft2(u) * back)
        u *= amps[0] / np.maximum(np.abs(u), 1e-6)
    return sfft.ifft2(sfft.fft2(u) * to_obj)
