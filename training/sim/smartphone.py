"""Smartphone-microscope → benchtop pairs on the same pixel grid (scale 1).

Both images share a 0.5 µm sample grid.  The benchtop target is a 20×/0.5 NA incoherent image
(λ = 550 nm) with ideal colour.  The phone input degrades the same section with:
  * a low NA (0.10–0.22) diffraction-limited OTF plus field-dependent blur that grows
    toward the edge of the phone's field of view (blend of progressively wider Gaussian
    PSFs, weighted by normalised field radius of each pixel);
  * vignetting (1 − a·r²) and a colour cast (per-channel gains and slight channel crosstalk);
  * Poisson–Gaussian sensor noise on an RGGB Bayer mosaic, bilinear demosaicking, sRGB-like
    gamma, 8-bit quantisation and JPEG compression at random quality 10–95 (4:2:0).
The target is stored in the same (gamma-encoded) display space as the input, so the
network maps phone pixels to benchtop pixels directly.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy.ndimage import convolve

from . import optics, tissue

DEFAULTS = {
    "wavelength_um": 0.55,
    "px_um": 0.5,
    "na_target": 0.5,
    "na_phone": [0.10, 0.22],
    "field_blur_um": [0.0, 2.5],   # extra Gaussian sigma at the field edge
    "vignette": [0.0, 0.5],
    "cast": 0.15,
    "photons": [150.0, 2000.0],
    "read_noise": [2.0, 6.0],
    "jpeg_quality": [10, 95],
}

GAMMA = 1 / 2.2


def encode(x):
    return np.power(np.clip(x, 0, 1), GAMMA)


def bayer_mosaic(rgb):
    """RGGB mosaic (H, W) from (3, H, W)."""
    m = np.zeros(rgb.shape[1:])
    m[0::2, 0::2] = rgb[0, 0::2, 0::2]
    m[0::2, 1::2] = rgb[1, 0::2, 1::2]
    m[1::2, 0::2] = rgb[1, 1::2, 0::2]
    m[1::2, 1::2] = rgb[2, 1::2, 1::2]
    return m


def demosaic_bilinear(m):
    """Bilinear demosaicking of an RGGB mosaic to (3, H, W)."""
    h, w = m.shape
    masks = np.zeros((3, h, w))
    masks[0, 0::2, 0::2] = 1
    masks[1, 0::2, 1::2] = 1
    masks[1, 1::2, 0::2] = 1
    masks[2, 1::2, 1::2] = 1
    k_rb = np.array([[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])
    k_g = np.array([[0.0, 0.25, 0.0], [0.25, 1.0, 0.25], [0.0, 0.25, 0.0]])
    out = np.empty((3, h, w))
    for c, k in ((0, k_rb), (1, k_g), (2, k_rb)):
        out[c] = convolve(m * masks[c], k, mode="mirror")
    return out


def jpeg(rgb01, quality):
    """Round-trip (3, H, W) float image in [0, 1] through JPEG at `quality`."""
    arr = (np.clip(rgb01, 0, 1).transpose(1, 2, 0) * 255 + 0.5).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=int(quality), subsampling=2)
    buf.seek(0)
    return np.asarray(Image.open(buf), dtype=np.float64).transpose(2, 0, 1) / 255.0


def simulate(rng, size, params=None, quality=None, return_lossless=False):
    """Return (input (3,H,W) 8-bit values in [0,1], target (3,H,W) in [0,1]).

    `quality` fixes the JPEG quality (None → random in the configured range, 0 → lossless).
    With return_lossless the un-compressed 8-bit input is returned as a third item.
    """
    p = dict(DEFAULTS, **(params or {}))
    dx = p["px_um"]
    pad = 16
    shape = (size + 2 * pad, size + 2 * pad)
    obj, _ = tissue.render_section(rng, shape, dx)
    lam = p["wavelength_um"]
    target = optics.apply_otf(obj, optics.incoherent_otf(shape, dx, p["na_target"], lam))

    na = rng.uniform(*p["na_phone"])
    base = optics.apply_otf(obj, optics.incoherent_otf(shape, dx, na, lam))
    # position of this patch inside the phone's field of view (normalised radius up to ~1.2)
    cy, cx = rng.uniform(-0.85, 0.85, 2)
    half_fov = rng.uniform(1.5, 4.0) * size          # phone field is larger than the patch
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    r = np.sqrt((cy + (yy - shape[0] / 2) / half_fov) ** 2 + (cx + (xx - shape[1] / 2) / half_fov) ** 2)
    edge_sigma = rng.uniform(*p["field_blur_um"])
    levels = np.linspace(0, 1.2, 4)
    blurred = np.zeros_like(base)
    wsum = np.zeros(shape)
    for lv in levels:
        sig = edge_sigma * (lv / 1.2) ** 2
        img = optics.apply_otf(base, optics.gaussian_otf(shape, dx, sig)) if sig > 0 else base
        wgt = np.clip(1.0 - np.abs(r - lv) / (levels[1] - levels[0]), 0, 1)
        blurred += wgt * img
        wsum += wgt
    blurred /= np.maximum(wsum, 1e-6)
    vig = 1.0 - rng.uniform(*p["vignette"]) * np.clip(r, 0, 1.3) ** 2
    gains = 1.0 + rng.uniform(-p["cast"], p["cast"], 3)
    mix = np.eye(3) + rng.uniform(0, 0.06, (3, 3)) * (1 - np.eye(3))
    mix /= mix.sum(1, keepdims=True)
    lin = np.einsum("ij,jhw->ihw", mix * gains[:, None], blurred) * vig
    exposure = rng.uniform(0.75, 1.0)
    lin = np.clip(lin * exposure, 0, None)
    photons = float(np.exp(rng.uniform(np.log(p["photons"][0]), np.log(p["photons"][1]))))
    raw = optics.poisson_gaussian(rng, bayer_mosaic(lin), photons, rng.uniform(*p["read_noise"]))
    rgb = demosaic_bilinear(np.clip(raw, 0, 1))
    lossless = optics.quantise8(encode(rgb))[:, pad:-pad, pad:-pad]
    # JPEG of the displayed crop (8×8 grid aligned to the crop like a camera frame)
    if quality is None:
        quality = int(rng.integers(p["jpeg_quality"][0], p["jpeg_quality"][1] + 1))
    inp = jpeg(lossless, quality) if quality > 0 else lossless
    tgt = encode(target)[:, pad:-pad, pad:-pad]
    out = (inp.astype(np.float32), tgt.astype(np.float32))
    if return_lossless:
        out = out + (lossless.astype(np.float32),)
    return out
