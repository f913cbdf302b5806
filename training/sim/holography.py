"""Lens-free in-line holography of thin smear-like objects.

Object: a complex transmission t = exp(−α + iφ) of cells on a periodic field (so FFT-based
propagation has no wrap-around artefact):  blood-smear scenes (biconcave red cells, a few
white cells with lobed nuclei) and Pap-smear scenes (large flat squamous cells with folds and
dense nuclei, small debris).  Phase delays reach ≈2π in nuclei, absorption is weak (α ≤ 0.35).

Imaging: band-limited angular-spectrum propagation (λ = 530 nm, 1.12 µm pixels) over
z = 300–1000 µm to the sensor, intensity, partial spatial coherence modelled as a Gaussian
blur of the hologram with FWHM = z·θ (θ = source angular size, 0.5–1.5 mrad), Poisson–Gaussian
noise.  Network input: the hologram amplitude √I, divided by the background amplitude
(√median I) and back-propagated by −z (optionally −(z+δ) for the defocus variant) → (re, im).
Target: the true object field (re, im).
"""
from __future__ import annotations

import numpy as np

from . import optics
from .tissue import smooth_noise

DEFAULTS = {
    "wavelength_um": 0.53,
    "px_um": 1.12,
    "z_um": [300.0, 1000.0],
    "defocus_um": 100.0,
    "source_mrad": [0.5, 1.5],
    "photons": [800.0, 6000.0],
    "read_noise": [1.5, 4.0],
    "heights": 8,
    "height_step_um": 25.0,
    "blood_fraction": 0.5,     # probability that a field is a blood smear (otherwise a Pap smear)
}

FAMILIES = ("blood", "pap")


def _paste(out, rows, cols, val):
    out[np.ix_(rows % out.shape[0], cols % out.shape[1])] += val


def _blob(rng, n, dx, cy, cx, a, b, ang, harm_amp=0.05):
    """Local coordinates and soft mask for an irregular ellipse (semi-axes a, b in µm)."""
    rad = int(np.ceil(max(a, b) * 1.35 / dx)) + 2
    rows = np.arange(int(cy) - rad, int(cy) + rad + 1)
    cols = np.arange(int(cx) - rad, int(cx) + rad + 1)
    dy = (rows[:, None] - cy) * dx
    dxp = (cols[None, :] - cx) * dx
    u = dxp * np.cos(ang) + dy * np.sin(ang)
    v = -dxp * np.sin(ang) + dy * np.cos(ang)
    r = np.sqrt((u / a) ** 2 + (v / b) ** 2)
    th = np.arctan2(v / b, u / a)
    R = 1.0
    for k in (2, 3, 4, 5):
        R = R + rng.normal(0, harm_amp / k) * np.cos(k * th + rng.uniform(0, 6.3))
    return rows, cols, u, v, r / R


def _soft(x, w):
    return 0.5 * (1 + np.tanh(x / w))


def blood_smear(rng, n, dx):
    phase = np.zeros((n, n))
    absorb = np.zeros((n, n))
    coverage = rng.uniform(0.04, 0.35)
    n_rbc = int(coverage * (n * dx) ** 2 / 45.0)
    phi_rbc = rng.uniform(0.8, 2.4)
    for _ in range(n_rbc):
        cy, cx = rng.uniform(0, n, 2)
        R = rng.uniform(3.3, 4.2)
        rows, cols, u, v, r = _blob(rng, n, dx, cy, cx, R, R * rng.uniform(0.85, 1.0),
                                    rng.uniform(0, np.pi), 0.03)
        disc = _soft(1 - r, 0.08)
        thick = disc * (1 - rng.uniform(0.25, 0.55) * np.exp(-(r / 0.5) ** 2))
        _paste(phase, rows, cols, phi_rbc * rng.uniform(0.85, 1.15) * thick)
        _paste(absorb, rows, cols, rng.uniform(0.01, 0.08) * thick)
    for _ in range(rng.poisson(1.0 + coverage * 8)):   # white cells
        cy, cx = rng.uniform(0, n, 2)
        R = rng.uniform(5.0, 7.5)
        rows, cols, u, v, r = _blob(rng, n, dx, cy, cx, R, R * rng.uniform(0.85, 1.0), 0.0, 0.05)
        body = _soft(1 - r, 0.06)
        _paste(phase, rows, cols, rng.uniform(1.0, 2.5) * body)
        nuc = np.zeros_like(body)
        for _ in range(rng.integers(1, 5)):           # lobes
            oy, ox = rng.normal(0, 0.3 * R, 2)
            rl = rng.uniform(1.6, 2.8)
            nuc = np.maximum(nuc, _soft(1 - np.sqrt((u - ox) ** 2 + (v - oy) ** 2) / rl, 0.1))
        _paste(phase, rows, cols, rng.uniform(1.5, 3.5) * nuc * body)
        _paste(absorb, rows, cols, rng.uniform(0.05, 0.3) * nuc * body)
    return phase, absorb


def pap_smear(rng, n, dx):
    phase = np.zeros((n, n))
    absorb = np.zeros((n, n))
    n_cells = rng.integers(3, 22)
    for _ in range(n_cells):
        cy, cx = rng.uniform(0, n, 2)
        a = rng.uniform(14, 32)
        rows, cols, u, v, r = _blob(rng, n, dx, cy, cx, a, a * rng.uniform(0.6, 1.0),
                                    rng.uniform(0, np.pi), 0.25)
        body = _soft(1 - r, 0.04)
        h, w = body.shape
        tex = 1 + 0.15 * smooth_noise(rng, (h, w), 3.0 / dx)
        # folds: thin ridges along random lines
        fold = np.zeros_like(body)
        for _ in range(rng.integers(0, 3)):
            t = rng.uniform(0, np.pi)
            d = u * np.cos(t) + v * np.sin(t) - rng.uniform(-0.5, 0.5) * a
            fold += np.exp(-(d / rng.uniform(0.8, 2.0)) ** 2)
        phi_c = rng.uniform(0.3, 1.2)
        _paste(phase, rows, cols, body * (phi_c * tex + 0.6 * fold))
        _paste(absorb, rows, cols, body * rng.uniform(0.0, 0.05))
        # nucleus
        rn = rng.uniform(2.5, 5.5)
        oy, ox = rng.normal(0, 0.15 * a, 2)
        nr = np.sqrt((u - ox) ** 2 + ((v - oy) / rng.uniform(0.75, 1.0)) ** 2) / rn
        nuc = _soft(1 - nr, 0.1) * body
        chrom = 1 + 0.2 * smooth_noise(rng, (h, w), 0.8 / dx)
        _paste(phase, rows, cols, nuc * rng.uniform(1.5, 4.5) * chrom)
        _paste(absorb, rows, cols, nuc * rng.uniform(0.05, 0.3))
    for _ in range(rng.poisson(15)):                   # debris / bacteria
        cy, cx = rng.uniform(0, n, 2)
        a = rng.uniform(0.6, 2.5)
        rows, cols, u, v, r = _blob(rng, n, dx, cy, cx, a, a * rng.uniform(0.3, 1.0),
                                    rng.uniform(0, np.pi), 0.1)
        m = _soft(1 - r, 0.15)
        _paste(phase, rows, cols, m * rng.uniform(0.3, 1.5))
        _paste(absorb, rows, cols, m * rng.uniform(0.0, 0.2))
    return phase, absorb


def make_object(rng, n, params=None, return_family=False):
    """Complex transmission of one n×n field: a blood smear with probability
    `blood_fraction` (default 0.5), otherwise a Pap smear.  With return_family=True also
    returns "blood" or "pap".  One uniform draw decides the family for any fraction, so the
    random stream (and every field drawn at the default) is the same as before the parameter."""
    p = dict(DEFAULTS, **(params or {}))
    frac = float(p["blood_fraction"])
    if not 0.0 <= frac <= 1.0:
        raise ValueError(f"blood_fraction must be in [0, 1], got {frac}")
    dx = p["px_um"]
    family = "blood" if rng.random() < frac else "pap"
    phase, absorb = (blood_smear if family == "blood" else pap_smear)(rng, n, dx)
    # keep delays in the stated physical range (≈ up to 2π, weak absorption)
    phase = np.minimum(phase, 2 * np.pi * rng.uniform(0.8, 1.0))
    absorb = np.minimum(absorb, 0.35)
    obj = np.exp(-absorb + 1j * phase)
    return (obj, family) if return_family else obj


def record(rng, obj, z, params=None):
    """Noisy, partially coherent hologram intensity (in units of the illumination) at z."""
    p = dict(DEFAULTS, **(params or {}))
    dx, lam = p["px_um"], p["wavelength_um"]
    u = optics.propagate(obj, dx, lam, z)
    inten = np.abs(u) ** 2
    theta = rng.uniform(*p["source_mrad"]) * 1e-3
    sigma = z * theta / 2.355
    inten = optics.apply_otf(inten, optics.gaussian_otf(inten.shape, dx, sigma))
    photons = float(np.exp(rng.uniform(np.log(p["photons"][0]), np.log(p["photons"][1]))))
    return np.clip(optics.poisson_gaussian(rng, inten, photons, rng.uniform(*p["read_noise"])), 0, None)


def backpropagate(holo, z, params=None, single=False):
    """Network input: √I divided by the background amplitude, propagated by −z. Complex.

    single=True computes in complex64 with scipy.fft (the same arithmetic as the multi-height
    baseline); used where the preparation time is measured."""
    p = dict(DEFAULTS, **(params or {}))
    amp = np.sqrt(holo) / np.sqrt(max(np.median(holo), 1e-6))
    if not single:
        return optics.propagate(amp, p["px_um"], p["wavelength_um"], -z)
    import scipy.fft as sfft
    tf = optics.angular_spectrum_tf(amp.shape, p["px_um"], p["wavelength_um"], -z).astype(np.complex64)
    return sfft.ifft2(sfft.fft2(amp.astype(np.float32)) * tf)


def to_channels(field):
    return np.stack([field.real, field.imag]).astype(np.float32)


def simulate(rng, size, params=None, defocus=False, heights=False):
    """Return dict with 'input' (2,H,W), 'target' (2,H,W), 'z', 'family' ("blood" or "pap"),
    and optionally the stack of `heights` holograms (z + k·step) for multi-height retrieval."""
    p = dict(DEFAULTS, **(params or {}))
    obj, family = make_object(rng, size, p, return_family=True)
    z = rng.uniform(*p["z_um"])
    holo = record(rng, obj, z, p)
    dz = rng.uniform(-p["defocus_um"], p["defocus_um"]) if defocus else 0.0
    out = {"input": to_channels(backpropagate(holo, z + dz, p)), "target": to_channels(obj),
           "z": z, "defocus": dz, "family": family}
    if heights:
        zs = z + p["height_step_um"] * np.arange(p["heights"])
        out["heights_um"] = zs
        out["holograms"] = np.stack([holo] + [record(rng, obj, zk, p) for zk in zs[1:]])
    return out
