"""Makes the tiny ONNX models the inference tests run (seeded, so re-running gives the same weights).

    /usr/bin/python3 test-fixtures/models/make_models.py

Each model gets a folder with model.onnx, manifest.json (the same format as resources/models/<id>/) and
test tensors (input.npy, output.npy) computed by PyTorch, so the tests compare onnxruntime against an
independent implementation. The nets are built from the same op families as the real models (Conv, Relu,
Add, strided Conv, PixelShuffle/DepthToSpace) but with a handful of channels so WebGPU on a software
rasteriser stays quick. The receptive radius of each net is measured here (not guessed) and written to the
manifest as `receptiveRadiusPx`; the halo is set above it so tiled inference must equal untiled inference.
"""
from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


class TinyUNet(nn.Module):
    """Two strided-conv levels (input dims must be multiples of 4), PixelShuffle up-sampling, additive skips
    and a global residual: the shape of the bundled U-Nets, with 4–16 channels."""

    def __init__(self, ch=3):
        super().__init__()
        self.inc = nn.Conv2d(ch, 4, 3, padding=1)
        self.down1 = nn.Conv2d(4, 8, 3, stride=2, padding=1)
        self.down2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.mid = nn.Conv2d(16, 16, 3, padding=1)
        self.up2 = nn.Conv2d(16, 8 * 4, 3, padding=1)
        self.up1 = nn.Conv2d(8, 4 * 4, 3, padding=1)
        self.outc = nn.Conv2d(4, ch, 3, padding=1)
        self.shuffle = nn.PixelShuffle(2)
        self.act = nn.ReLU()

    def forward(self, x):
        f0 = self.act(self.inc(x))
        f1 = self.act(self.down1(f0))
        f2 = self.act(self.down2(f1))
        f2 = self.act(self.mid(f2))
        u1 = self.act(self.shuffle(self.up2(f2))) + f1
        u0 = self.act(self.shuffle(self.up1(u1))) + f0
        return x + 0.5 * self.outc(u0)


class TinySR(nn.Module):
    """×2 super-resolution: conv features → conv → PixelShuffle, plus a sub-pixel skip from the input."""

    def __init__(self, ch=3, scale=2):
        super().__init__()
        self.head = nn.Conv2d(ch, 8, 3, padding=1)
        self.body = nn.Conv2d(8, 8, 3, padding=1)
        self.tail = nn.Conv2d(8, ch * scale * scale, 3, padding=1)
        self.skip = nn.Conv2d(ch, ch * scale * scale, 3, padding=1)
        self.shuffle = nn.PixelShuffle(scale)
        self.act = nn.ReLU()

    def forward(self, x):
        f = self.act(self.head(x))
        f = self.act(self.body(f))
        return self.shuffle(self.tail(f) + self.skip(x))


def receptive_radius(model: nn.Module, ch: int, scale: int, multiple: int) -> int:
    """Largest distance (input px, Chebyshev) at which changing one input pixel changes an output pixel."""
    size = 96
    x = torch.rand(1, ch, size, size, generator=torch.Generator().manual_seed(7))
    radius = 0
    with torch.no_grad():
        base = model(x)
        for c0 in (size // 2, size // 2 + 1, size // 2 + 2, size // 2 + 3):  # every phase of the stride grid
            x2 = x.clone()
            x2[0, :, c0, c0] += 1.0
            diff = (model(x2) - base).abs().amax(dim=1)[0]
            ys, xs = torch.nonzero(diff > 1e-7, as_tuple=True)
            # output pixel (oy, ox) covers input position ((oy + 0.5) / scale - 0.5)
            iy = (ys.double() + 0.5) / scale - 0.5
            ix = (xs.double() + 0.5) / scale - 0.5
            r = torch.maximum((iy - c0).abs(), (ix - c0).abs()).max().item()
            radius = max(radius, int(np.ceil(r)))
    return radius


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def make(model_id: str, model: nn.Module, *, task: str, scale: int, multiple: int, tile: int, halo: int,
         channels: list[str], test_size: int, divisor: float):
    torch.manual_seed(0)
    model.eval()
    out_dir = os.path.join(HERE, model_id)
    os.makedirs(out_dir, exist_ok=True)
    ch = len(channels)
    radius = receptive_radius(model, ch, scale, multiple)
    assert radius <= halo, f"{model_id}: receptive radius {radius} exceeds halo {halo}"

    dummy = torch.rand(1, ch, test_size, test_size)
    onnx_path = os.path.join(out_dir, "model.onnx")
    torch.onnx.export(
        model, dummy, onnx_path, opset_version=17, input_names=["input"], output_names=["output"],
        dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"}, "output": {0: "batch", 2: "out_height", 3: "out_width"}},
    )
    # Test tensor in the model's own units (already divided by the divisor), as bioimage.io test tensors are.
    g = torch.Generator().manual_seed(1)
    test_in = torch.rand(1, ch, test_size, test_size, generator=g)
    with torch.no_grad():
        test_out = model(test_in)
    np.save(os.path.join(out_dir, "input.npy"), test_in.numpy().astype("<f4"))
    np.save(os.path.join(out_dir, "output.npy"), test_out.numpy().astype("<f4"))

    manifest = {
        "id": model_id,
        "version": "0.0.1",
        "task": task,
        "file": "model.onnx",
        "sha256": sha256(onnx_path),
        "input": {
            "name": "input",
            "channels": channels,
            "dtype": "float32",
            "layout": "NCHW",
            "normalisation": {"kind": "scale", "divisor": divisor},
        },
        "output": {"name": "output", "channels": [{"name": c, "meaning": f"enhanced {c}"} for c in channels]},
        "scale": scale,
        "tile": {"size": tile, "halo": halo, "multiple": multiple},
        "receptiveRadiusPx": radius,
        "optics": {"note": "test fixture, random weights"},
        "training": {"note": "not trained: seeded random weights made by test-fixtures/models/make_models.py"},
        "metrics": {},
        "testTensors": {"input": "input.npy", "output": "output.npy"},
        "parityTolerance": 1e-4,
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"{model_id}: receptive radius {radius} px, halo {halo} px, {os.path.getsize(onnx_path)} bytes")


def make_images():
    """A 16-bit greyscale PNG with known values, to check that 16-bit captures reach the model as 16-bit."""
    from PIL import Image  # Pillow ships with the system Python that has PyTorch

    out_dir = os.path.join(HERE, "images")
    os.makedirs(out_dir, exist_ok=True)
    y, x = np.mgrid[0:23, 0:37]
    grey16 = ((y * 37 + x) * 47 + 3).astype(np.uint16)  # 3 … 39 998, beyond 8 bits
    Image.fromarray(grey16, mode="I;16").save(os.path.join(out_dir, "grey16-37x23.png"))


if __name__ == "__main__":
    make_images()
    torch.manual_seed(0)
    unet = TinyUNet(3)
    torch.manual_seed(1)
    sr = TinySR(3, 2)
    make("tiny-unet-x1", unet, task="smartphone-enhance", scale=1, multiple=4, tile=96, halo=24,
         channels=["R", "G", "B"], test_size=32, divisor=255)
    make("tiny-sr-x2", sr, task="brightfield-sr", scale=2, multiple=1, tile=48, halo=8,
         channels=["R", "G", "B"], test_size=24, divisor=255)
