"""Procedural stained-tissue sections rendered with a Beer–Lambert stain model.

A section is built from physical-unit (µm) structures, so one generator serves every
pixel size:  nuclei with irregular outlines and chromatin texture, granular cytoplasm /
stroma, collagen fibre bundles, red blood cells, and empty glass.  The structure maps are
mapped to stain concentrations for either H&E or Masson's trichrome, the stain optical-density
vectors and the concentrations are jittered, and transmission is T = 10^(−Σ c_k·v_k).
"""
from __future__ import annotations

import numpy as np

from .optics import gaussian_otf

# Optical-density (absorbance) directions in RGB, normalised below.  H and E follow the
# commonly used Ruifrok–Johnston colour-deconvolution values; trichrome dyes are our own
# approximations of their hue (iron haematoxylin blue-black, Biebrich scarlet/acid fuchsin
# red, aniline blue).
STAINS = {
    "he": {
        "haematoxylin": [0.65, 0.70, 0.29],
        "eosin": [0.07, 0.99, 0.11],
    },
    "trichrome": {
        "iron_haematoxylin": [0.55, 0.62, 0.56],
        "scarlet_fuchsin": [0.10, 0.92, 0.38],
        "aniline_blue": [0.84, 0.52, 0.14],
    },
}

# structure -> stain concentration (OD units at unit structure density)
MIXING = {
    "he": {
        "haematoxylin": {"nuclei": 1.00, "cytoplasm": 0.06, "collagen": 0.02, "rbc": 0.0},
        "eosin": {"nuclei": 0.15, "cytoplasm": 0.45, "collagen": 0.55, "rbc": 1.00},
    },
    "trichrome": {
        "iron_haematoxylin": {"nuclei": 1.00, "cytoplasm": 0.05, "collagen": 0.0, "rbc": 0.0},
        "scarlet_fuchsin": {"nuclei": 0.20, "cytoplasm": 0.55, "collagen": 0.05, "rbc": 1.00},
        "aniline_blue": {"nuclei": 0.0, "cytoplasm": 0.03, "collagen": 0.75, "rbc": 0.0},
    },
}


def smooth_noise(rng, shape, sigma_px):
    """Zero-mean, unit-variance Gaussian random field with correlation length sigma_px."""
    w = rng.standard_normal(shape)
    f = np.real(np.fft.ifft2(np.fft.fft2(w) * gaussian_otf(shape, 1.0, sigma_px)))
    s = f.std()
    return f / (s if s > 0 else 1.0)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _render_nuclei(rng, shape, dx, density, fine, out):
    h, w = shape
    area = h * w * dx * dx
    n = rng.poisson(density * area / 100.0)
    for _ in range(n):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        a = rng.uniform(2.2, 6.0)                  # semi-axis, µm
        b = a * rng.uniform(0.55, 1.0)
        ang = rng.uniform(0, np.pi)
        harm = [(k, rng.normal(0, 0.06 / k), rng.uniform(0, 2 * np.pi)) for k in (2, 3, 4, 5)]
        rad = int(np.ceil(a * 1.4 / dx)) + 2
        y0, y1 = max(0, int(cy) - rad), min(h, int(cy) + rad + 1)
        x0, x1 = max(0, int(cx) - rad), min(w, int(cx) + rad + 1)
        if y1 <= y0 or x1 <= x0:
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1]
        dy, dxp = (yy - cy) * dx, (xx - cx) * dx
        u = dxp * np.cos(ang) + dy * np.sin(ang)
        v = -dxp * np.sin(ang) + dy * np.cos(ang)
        r = np.sqrt((u / a) ** 2 + (v / b) ** 2)
        th = np.arctan2(v / b, u / a)
        R = 1.0 + sum(c * np.cos(k * th + p) for k, c, p in harm)
        edge = max(0.15 / a, 0.6 * dx / a)
        mask = _sigmoid((R - r) / edge)
        rim = np.exp(-(((R - r) * a) / 0.35) ** 2) * rng.uniform(0.2, 0.6)   # membrane
        chrom_strength = rng.uniform(0.25, 0.7)
        tex = 1.0 + chrom_strength * fine[y0:y1, x0:x1]
        dens = rng.uniform(0.45, 1.25)       # hyper/hypochromatic variety
        val = mask * dens * np.clip(tex + rim, 0.2, None)
        for _ in range(rng.integers(0, 3)):   # nucleoli
            ny_, nx_ = rng.normal(0, 0.35 * a), rng.normal(0, 0.35 * b)
            rr = rng.uniform(0.3, 0.8)
            val = val + mask * 0.8 * np.exp(-((u - nx_) ** 2 + (v - ny_) ** 2) / (2 * rr * rr))
        np.maximum(out[y0:y1, x0:x1], val, out=out[y0:y1, x0:x1])


def _render_rbc(rng, shape, dx, count, out):
    h, w = shape
    for _ in range(count):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        R = rng.uniform(3.2, 4.2)
        ecc = rng.uniform(0.8, 1.0)
        ang = rng.uniform(0, np.pi)
        rad = int(np.ceil(R * 1.3 / dx)) + 2
        y0, y1 = max(0, int(cy) - rad), min(h, int(cy) + rad + 1)
        x0, x1 = max(0, int(cx) - rad), min(w, int(cx) + rad + 1)
        if y1 <= y0 or x1 <= x0:
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1]
        dy, dxp = (yy - cy) * dx, (xx - cx) * dx
        u = dxp * np.cos(ang) + dy * np.sin(ang)
        v = (-dxp * np.sin(ang) + dy * np.cos(ang)) / ecc
        r = np.sqrt(u * u + v * v) / R
        disc = _sigmoid((1.0 - r) / max(0.04, 0.5 * dx / R))
        pallor = 1.0 - rng.uniform(0.3, 0.6) * np.exp(-(r / 0.45) ** 2)   # biconcave centre
        val = disc * pallor * rng.uniform(0.7, 1.1)
        np.maximum(out[y0:y1, x0:x1], val, out=out[y0:y1, x0:x1])


def _render_fibres(rng, shape, dx, count, out):
    h, w = shape
    if count == 0:
        return
    theta0 = rng.uniform(0, np.pi)                     # bundle orientation
    layers = {}
    for _ in range(count):
        width = float(rng.choice([0.3, 0.6, 1.0, 1.6]))
        length = rng.uniform(15, 90)
        step = min(dx * 0.5, 0.2)
        nstep = int(length / step)
        th = theta0 + rng.normal(0, 0.35)
        turn = rng.normal(0, 0.02, nstep).cumsum() * np.sqrt(step)
        ang = th + turn + 0.3 * np.sin(np.linspace(0, rng.uniform(1, 6), nstep) + rng.uniform(0, 6))
        y = rng.uniform(-0.2, 1.2) * h * dx + np.cumsum(np.sin(ang)) * step
        x = rng.uniform(-0.2, 1.2) * w * dx + np.cumsum(np.cos(ang)) * step
        iy, ix = np.floor(y / dx).astype(int), np.floor(x / dx).astype(int)
        ok = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
        if not ok.any():
            continue
        acc = layers.setdefault(width, np.zeros(shape))
        np.add.at(acc, (iy[ok], ix[ok]), rng.uniform(0.6, 1.2) * step / dx)
    for width, acc in layers.items():
        sig = width / 2.355 / dx
        f = np.real(np.fft.ifft2(np.fft.fft2(acc) * gaussian_otf(shape, 1.0, sig)))
        # normalise so that a single fibre has peak ~1 regardless of width
        f *= np.sqrt(2 * np.pi) * sig
        np.maximum(out, np.clip(f, 0, None), out=out)


def structures(rng, shape, dx):
    """Return dict of structure density maps (nuclei, cytoplasm, collagen, rbc) in [0, ~1.5]."""
    h, w = shape
    area = h * w * dx * dx
    # tissue mask: smooth field thresholded; some sections contain empty glass
    coverage = rng.uniform(0.45, 1.0) if rng.random() < 0.8 else 1.0
    m = smooth_noise(rng, shape, 25.0 / dx)
    thr = np.quantile(m, 1.0 - coverage)
    tissue = _sigmoid((m - thr) / 0.08)

    fine = smooth_noise(rng, shape, max(0.12 / dx, 0.5))
    cyto = (0.55 + 0.25 * smooth_noise(rng, shape, 4.0 / dx)
            + 0.15 * smooth_noise(rng, shape, max(0.3 / dx, 0.6))
            + 0.10 * fine)
    cyto = np.clip(cyto, 0, None) * tissue * rng.uniform(0.5, 1.3)

    nuclei = np.zeros(shape)
    _render_nuclei(rng, shape, dx, density=rng.uniform(0.3, 2.0), fine=fine, out=nuclei)
    collagen = np.zeros(shape)
    n_fib = rng.poisson(area / 100.0 * rng.uniform(0.2, 2.5))
    _render_fibres(rng, shape, dx, min(n_fib, 400), collagen)
    rbc = np.zeros(shape)
    n_rbc = rng.poisson(area / 100.0 * (rng.uniform(0.3, 2.0) if rng.random() < 0.3 else 0.05))
    _render_rbc(rng, shape, dx, min(n_rbc, 600), rbc)

    nuclei *= tissue
    collagen *= tissue
    # cytoplasm is partly displaced by nuclei and fibres
    cyto *= np.clip(1.0 - 0.6 * np.clip(nuclei, 0, 1) - 0.5 * np.clip(collagen, 0, 1), 0, 1)
    return {"nuclei": nuclei, "cytoplasm": cyto, "collagen": collagen, "rbc": rbc}


def _unit(v):
    v = np.asarray(v, float)
    return v / np.linalg.norm(v)


def stain(rng, maps, kind=None, jitter=True):
    """Beer–Lambert rendering of structure maps to RGB transmission (3, H, W) in (0, 1]."""
    kind = kind or ("he" if rng.random() < 0.6 else "trichrome")
    od = np.zeros((3,) + maps["nuclei"].shape)
    for name, vec in STAINS[kind].items():
        v = np.asarray(vec, float)
        if jitter:
            v = np.clip(v + rng.normal(0, 0.06, 3), 0.01, None)
        v = _unit(v)
        strength = rng.uniform(0.4, 0.9) if jitter else 0.65
        conc = sum(MIXING[kind][name][s] * maps[s] for s in maps) * strength
        od += v[:, None, None] * conc[None]
    illum = np.array([1.0, 1.0, 1.0])
    if jitter:
        illum = np.clip(1.0 - np.abs(rng.normal(0, 0.03, 3)), 0.85, 1.0)
    return illum[:, None, None] * np.power(10.0, -od), kind


def render_section(rng, shape, dx, kind=None):
    """Convenience: structures + stain.  Returns (rgb transmission (3,H,W), stain kind)."""
    return stain(rng, structures(rng, shape, dx), kind)
