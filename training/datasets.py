"""On-the-fly paired data for each task, with a small replay buffer of simulated fields.

Simulation is the expensive part on CPU, so each simulated field is kept in a ring buffer
and several random crops (with dihedral augmentation) are drawn from it.
"""
from __future__ import annotations

import numpy as np

from .sim import brightfield, holography, smartphone

TASK_META = {
    "brightfield-sr": {"in_ch": 3, "out_ch": 3, "scale": 2},
    "smartphone-enhance": {"in_ch": 3, "out_ch": 3, "scale": 1},
    "holo-phase-recovery": {"in_ch": 2, "out_ch": 2, "scale": 1},
}


def simulate_pair(task, rng, data_cfg, size=None, **kw):
    """One simulated (input, target) pair of float32 CHW arrays at the configured sim size."""
    size = size or data_cfg["sim_size"]
    params = data_cfg.get("params", {})
    if task == "brightfield-sr":
        return brightfield.simulate(rng, size, params)
    if task == "smartphone-enhance":
        q = kw.get("quality")
        if q is None and rng.random() < data_cfg.get("low_quality_fraction", 0.0):
            q = int(rng.integers(10, 31))
        return smartphone.simulate(rng, size, params, quality=q)
    if task == "holo-phase-recovery":
        defocus = kw.get("defocus")
        if defocus is None:
            defocus = rng.random() < data_cfg.get("defocus_fraction", 0.0)
        d = holography.simulate(rng, size, params, defocus=defocus)
        return d["input"], d["target"]
    raise ValueError(task)


def _dihedral(a, k, flip):
    a = np.rot90(a, k, axes=(-2, -1))
    return a[..., ::-1] if flip else a


class PairStream:
    def __init__(self, task, data_cfg, seed):
        self.task = task
        self.cfg = data_cfg
        self.rng = np.random.default_rng(seed)
        self.scale = TASK_META[task]["scale"]
        self.buffer = []
        self.cap = int(data_cfg.get("buffer", 16))
        self.sims_per_batch = float(data_cfg.get("sims_per_batch", 1))
        self._credit = 0.0
        while len(self.buffer) < min(self.cap, int(data_cfg.get("warm_buffer", 4))):
            self._add()

    def _add(self):
        pair = simulate_pair(self.task, self.rng, self.cfg)
        if len(self.buffer) >= self.cap:
            self.buffer.pop(int(self.rng.integers(len(self.buffer))))
        self.buffer.append(pair)

    def batch(self, n, patch):
        self._credit += self.sims_per_batch
        while self._credit >= 1:
            self._add()
            self._credit -= 1
        s = self.scale
        xs, ys = [], []
        for _ in range(n):
            x, y = self.buffer[int(self.rng.integers(len(self.buffer)))]
            h, w = x.shape[-2:]
            oy = int(self.rng.integers(0, h - patch + 1))
            ox = int(self.rng.integers(0, w - patch + 1))
            xc = x[:, oy:oy + patch, ox:ox + patch]
            yc = y[:, oy * s:(oy + patch) * s, ox * s:(ox + patch) * s]
            k, fl = int(self.rng.integers(4)), bool(self.rng.integers(2))
            xs.append(_dihedral(xc, k, fl))
            ys.append(_dihedral(yc, k, fl))
        return np.ascontiguousarray(np.stack(xs)), np.ascontiguousarray(np.stack(ys))
