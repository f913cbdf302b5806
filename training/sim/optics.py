"""Shared optics helpers: incoherent OTFs, noise models, angular-spectrum propagation.

Conventions: all lengths in micrometres, frequencies in cycles per micrometre.
Arrays are float64/complex128 numpy unless stated otherwise.
"""
from __future__ import annotations

import numpy as np
from numpy.fft import fft2, ifft2, fftfreq


def freq_grid(shape, dx):
    """Return (fy, fx) spatial-frequency grids (cycles/µm) for an FFT of `shape` at pixel `dx`."""
    ny, nx = shape
    fy = fftfreq(ny, d=dx)[:, None]
    fx = fftfreq(nx, d=dx)[None, :]
    return fy, fx


def incoherent_otf(shape, dx, na, wavelength):
    """Diffraction-limited OTF of an aberration-free circular pupil.

    The incoherent cutoff is 2·NA/λ.  The OTF is the autocorrelation of the pupil:
    (2/π)(acos s − s·sqrt(1 − s²)) with s = ρ / cutoff, zero beyond the cutoff.
    """
    fy, fx = freq_grid(shape, dx)
    rho = np.sqrt(fx ** 2 + fy ** 2)
    s = np.clip(rho / (2.0 * na / wavelength), 0.0, 1.0)
    return (2.0 / np.pi) * (np.arccos(s) - s * np.sqrt(1.0 - s * s))


def gaussian_otf(shape, dx, sigma_um):
    """Transfer function of a Gaussian blur with standard deviation `sigma_um`."""
    fy, fx = freq_grid(shape, dx)
    return np.exp(-2.0 * (np.pi * sigma_um) ** 2 * (fx ** 2 + fy ** 2))


def apply_otf(img, otf):
    """Filter an image (H, W) or (C, H, W) with a transfer function (periodic boundaries)."""
    return np.real(ifft2(fft2(img, axes=(-2, -1)) * otf, axes=(-2, -1)))


def psf_from_otf(otf, size):
    """Centred, normalised PSF of odd `size` from an OTF defined on some grid."""
    psf = np.fft.fftshift(np.real(ifft2(otf)))
    cy, cx = psf.shape[0] // 2, psf.shape[1] // 2
    h = size // 2
    psf = psf[cy - h:cy + h + 1, cx - h:cx + h + 1]
    psf = np.clip(psf, 0, None)
    return psf / psf.sum()


def poisson_gaussian(rng, img, photons, read_noise):
    """Shot noise for `photons` electrons at unit signal plus Gaussian read noise (electrons)."""
    lam = np.clip(img, 0, None) * photons
    noisy = rng.poisson(lam).astype(np.float64) + rng.normal(0.0, read_noise, size=img.shape)
    return noisy / photons


def box_downsample(img, f):
    """Average f×f blocks over the last two axes (models pixel integration)."""
    *lead, h, w = img.shape
    h2, w2 = h // f, w // f
    v = img[..., : h2 * f, : w2 * f].reshape(*lead, h2, f, w2, f)
    return v.mean(axis=(-3, -1))


def quantise8(img):
    return np.round(np.clip(img, 0.0, 1.0) * 255.0) / 255.0


# --------------------------------------------------------------------------- holography

def angular_spectrum_tf(shape, dx, wavelength, z, bandlimit=True, remove_carrier=True):
    """Transfer function exp(i·2πz·sqrt(1/λ² − f²)) of free-space propagation by z.

    Evanescent components are dropped; the carrier phase 2πz/λ is removed by default.  With ``bandlimit`` the frequencies are limited
    following Matsushima & Shimobaba (2009): |f_x| < 1/(λ·sqrt((2·Δf_x·z)² + 1)) to avoid
    aliasing of the chirp when the propagation distance is large for the field size.
    """
    fy, fx = freq_grid(shape, dx)
    arg = 1.0 / wavelength ** 2 - fx ** 2 - fy ** 2
    prop = arg > 0
    kz = np.sqrt(np.where(prop, arg, 0.0))
    # remove_carrier drops the common phase 2πz/λ so a plane wave keeps phase 0
    k0 = 1.0 / wavelength if remove_carrier else 0.0
    h = np.where(prop, np.exp(1j * 2 * np.pi * z * (kz - k0)), 0.0)
    if bandlimit and z != 0:
        ny, nx = shape
        dfx, dfy = 1.0 / (nx * dx), 1.0 / (ny * dx)
        lim_x = 1.0 / (wavelength * np.sqrt((2 * dfx * abs(z)) ** 2 + 1))
        lim_y = 1.0 / (wavelength * np.sqrt((2 * dfy * abs(z)) ** 2 + 1))
        h = h * ((np.abs(fx) < lim_x) & (np.abs(fy) < lim_y))
    return h


def propagate(field, dx, wavelength, z, bandlimit=True):
    """Propagate a complex field by distance z (µm, may be negative)."""
    return ifft2(fft2(field) * angular_spectrum_tf(field.shape, dx, wavelength, z, bandlimit))
