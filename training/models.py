"""Small fully convolutional networks built only from ONNX/WebGPU-friendly ops:
Conv, Relu, Add, Concat-free additive skips, DepthToSpace (PixelShuffle)."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn


class ResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.c1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.c2 = nn.Conv2d(ch, ch, 3, padding=1)
        self.act = nn.ReLU(inplace=False)
        nn.init.zeros_(self.c2.weight)   # blocks start as identity: stable, fast training
        nn.init.zeros_(self.c2.bias)

    def forward(self, x):
        return x + self.c2(self.act(self.c1(x)))


def _bilinear_subpixel_init(conv: nn.Conv2d, channels: int, scale: int):
    """Initialise a 3×3 conv (C → C·s²) so that conv + PixelShuffle(s) is bilinear ×s upsampling."""
    w = torch.zeros_like(conv.weight)
    for c in range(channels):
        for dy in range(scale):
            for dx in range(scale):
                oy = (dy + 0.5) / scale - 0.5           # sub-pixel offset in input pixels
                ox = (dx + 0.5) / scale - 0.5
                ky = np.array([max(0, 1 - abs(oy - k)) for k in (-1, 0, 1)])
                kx = np.array([max(0, 1 - abs(ox - k)) for k in (-1, 0, 1)])
                w[c * scale * scale + dy * scale + dx, c] = torch.tensor(np.outer(ky, kx), dtype=w.dtype)
    with torch.no_grad():
        conv.weight.copy_(w)
        conv.bias.zero_()


class SRResNet(nn.Module):
    """Residual CNN.  scale > 1: features → conv → PixelShuffle, plus a learned sub-pixel skip
    initialised to bilinear upsampling.  scale == 1: global residual on the input."""

    def __init__(self, in_ch=3, out_ch=3, ch=32, blocks=6, scale=2):
        super().__init__()
        self.scale = scale
        self.head = nn.Conv2d(in_ch, ch, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(ch) for _ in range(blocks)])
        self.tail = nn.Conv2d(ch, out_ch * scale * scale, 3, padding=1)
        nn.init.normal_(self.tail.weight, std=1e-3)
        nn.init.zeros_(self.tail.bias)
        if scale > 1:
            self.skip = nn.Conv2d(in_ch, out_ch * scale * scale, 3, padding=1)
            _bilinear_subpixel_init(self.skip, in_ch, scale)
            self.shuffle = nn.PixelShuffle(scale)
        self.act = nn.ReLU()

    def forward(self, x):
        f = self.act(self.head(x))
        f = self.body(f)
        y = self.tail(self.act(f))
        if self.scale > 1:
            return self.shuffle(y + self.skip(x))
        return x + y


class UNet(nn.Module):
    """U-Net with strided-conv down-sampling, conv + PixelShuffle up-sampling and additive
    skips.  Input H, W must be multiples of 2**len(down).  Output = input + correction."""

    def __init__(self, in_ch=2, out_ch=2, chs=(16, 24, 32, 48, 64, 96), convs=1, blocks=None, stem_stride=1):
        super().__init__()
        self.stem_stride = stem_stride
        self.depth = len(chs) - 1
        # residual blocks per level (level 0 = full resolution, decoder side only)
        blocks = list(blocks) if blocks is not None else [convs] * len(chs)
        # stem_stride 2: level 0 already runs at half resolution (space-to-depth style stem);
        # the output is produced by conv + PixelShuffle(2).  Keeps full-resolution work tiny.
        self.inc = nn.Conv2d(in_ch, chs[0], 3, stride=stem_stride, padding=1)
        self.enc = nn.ModuleList()
        self.down = nn.ModuleList()
        for i in range(self.depth):
            self.down.append(nn.Conv2d(chs[i], chs[i + 1], 3, stride=2, padding=1))
            self.enc.append(nn.Sequential(*[ResBlock(chs[i + 1]) for _ in range(blocks[i + 1])]))
        self.mid = nn.Sequential(*[ResBlock(chs[-1]) for _ in range(2)])
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for i in reversed(range(self.depth)):
            self.up.append(nn.Sequential(nn.Conv2d(chs[i + 1], chs[i] * 4, 3, padding=1), nn.PixelShuffle(2)))
            self.dec.append(nn.Sequential(*[ResBlock(chs[i]) for _ in range(blocks[i])]))
        self.outc = nn.Conv2d(chs[0], out_ch * stem_stride ** 2, 3, padding=1)
        self.outshuffle = nn.PixelShuffle(stem_stride) if stem_stride > 1 else nn.Identity()
        nn.init.normal_(self.outc.weight, std=1e-3)
        nn.init.zeros_(self.outc.bias)
        self.act = nn.ReLU()
        self.in_ch, self.out_ch = in_ch, out_ch

    @property
    def multiple(self):
        return 2 ** self.depth * self.stem_stride

    def forward(self, x):
        f = self.act(self.inc(x))
        skips = [f]
        for down, enc in zip(self.down, self.enc):
            f = enc(self.act(down(f)))
            skips.append(f)
        f = self.mid(skips.pop())
        for up, dec in zip(self.up, self.dec):
            f = dec(self.act(up(f)) + skips.pop())
        y = self.outshuffle(self.outc(self.act(f)))
        if self.in_ch == self.out_ch:
            return x + y
        return y


def build(cfg_model: dict) -> nn.Module:
    kind = cfg_model["arch"]
    args = {k: v for k, v in cfg_model.items() if k != "arch"}
    if kind == "srresnet":
        return SRResNet(**args)
    if kind == "unet":
        for key in ("chs", "blocks"):
            if key in args:
                args[key] = tuple(args[key])
        return UNet(**args)
    raise ValueError(kind)


def n_params(m):
    return sum(p.numel() for p in m.parameters())
