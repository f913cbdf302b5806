"""Bright-field super-resolution pairs: 40×/0.95 NA input → 100×/1.4 NA target (scale 2).

The stained section is rendered on the target grid (0.08125 µm at the sample: a 6.5 µm
camera pixel behind 80× total magnification) and imaged incoherently through a diffraction-
limited circular pupil (OTF cutoff 2·NA/λ, λ = 550 nm).  The input is imaged with NA 0.95,
integrated over 2×2 target pixels (0.1625 µm = 6.5 µm pixel behind 40×), given Poisson–
Gaussian noise and 8-bit quantisation.  The 1.4 NA target is noise-free.
Sampling note: the 0.95 NA cutoff (3.45 cycles/µm) lies above the input Nyquist
(3.08 cycles/µm), so the input is slightly aliased as with real 40× cameras.
"""
from __future__ import annotations

import numpy as np

from . import optics, tissue

DEFAULTS = {
    "wavelength_um": 0.55,
    "na_in": 0.95,
    "na_out": 1.4,
    "mag_in": 40,
    "mag_out": 100,
    "px_in_um": 0.1625,
    "scale": 2,
    "photons": [300.0, 4000.0],   # electrons at full transmission (log-uniform)
    "read_noise": [1.5, 4.0],
}


def simulate(rng, size_in, params=None, return_clean=False):
    """Return (input (3,h,w) in [0,1] 8-bit quantised, target (3,2h,2w) in [0,1])."""
    p = dict(DEFAULTS, **(params or {}))
    s = p["scale"]
    dx_t = p["px_in_um"] / s
    shape = (size_in * s, size_in * s)
    obj, _ = tissue.render_section(rng, shape, dx_t)
    otf_in = optics.incoherent_otf(shape, dx_t, p["na_in"], p["wavelength_um"])
    otf_out = optics.incoherent_otf(shape, dx_t, p["na_out"], p["wavelength_um"])
    target = np.clip(optics.apply_otf(obj, otf_out), 0, 1)
    blurred = optics.apply_otf(obj, otf_in)
    low = optics.box_downsample(blurred, s)
    photons = float(np.exp(rng.uniform(np.log(p["photons"][0]), np.log(p["photons"][1]))))
    read = rng.uniform(*p["read_noise"])
    noisy = optics.poisson_gaussian(rng, low, photons, read)
    inp = optics.quantise8(noisy)
    if return_clean:
        return inp.astype(np.float32), target.astype(np.float32), np.clip(low, 0, 1).astype(np.float32)
    return inp.astype(np.float32), target.astype(np.float32)


def input_psf(params=None, size=15):
    """PSF of the input system on the input grid (0.95 NA OTF × input-pixel integration).

    The continuous PSF convolved with the square pixel aperture is evaluated on a grid 4×
    finer than the input pixel and sampled at input-pixel centres, so it is centred.
    """
    p = dict(DEFAULTS, **(params or {}))
    px = p["px_in_um"]
    n, sub = 256, 4
    dx = px / sub
    otf = optics.incoherent_otf((n, n), dx, p["na_in"], p["wavelength_um"])
    fy, fx = optics.freq_grid((n, n), dx)
    otf = otf * np.sinc(fx * px) * np.sinc(fy * px)
    g = np.fft.fftshift(np.real(np.fft.ifft2(otf)))
    c = n // 2
    h = size // 2
    idx = c + sub * np.arange(-h, h + 1)
    out = np.clip(g[np.ix_(idx, idx)], 0, None)
    return out / out.sum()
