"""CI smoke test (no network, < 2 min on a laptop CPU):

    python3 -m training.smoke

For every task: two training steps on tiny simulated batches, ONNX export (opset 17, dynamic
H/W), reload of the exported file (onnx.checker when the `onnx` module exists, and always a run in
onnxruntime-node via training/evaluate_onnx.mjs when node_modules/onnxruntime-node is present),
and checks of output shapes, dtypes and agreement with PyTorch.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from . import common, datasets, models, train

TINY = {
    "brightfield-sr": {"data": {"sim_size": 48, "buffer": 2, "warm_buffer": 1}, "train": {"batch": 2, "patch": 32, "warmup": 1}},
    "smartphone-enhance": {"data": {"sim_size": 48, "buffer": 2, "warm_buffer": 1}, "train": {"batch": 2, "patch": 32, "warmup": 1}},
    "holo-phase-recovery": {"data": {"sim_size": 128, "buffer": 2, "warm_buffer": 1}, "train": {"batch": 1, "patch": 64, "warmup": 1}},
}


def smoke_task(task, tmp: Path):
    t0 = time.time()
    ck_path = train.train(task, steps=2, threads=common.set_threads(None), out_dir=tmp / task, quiet=True,
                          overrides=TINY[task])
    ck = torch.load(ck_path, map_location="cpu")
    assert ck["steps"] == 2, ck["steps"]
    model = models.build(ck["config"]["model"])
    model.load_state_dict(ck["model"])
    model.eval()
    meta = datasets.TASK_META[task]
    mult = int(getattr(model, "multiple", 1))
    onnx_path = common.export_onnx(model, tmp / task / "model.onnx", meta["in_ch"], example_hw=(2 * mult if mult > 1 else 16,) * 2)
    size_mb = onnx_path.stat().st_size / 2 ** 20
    assert size_mb <= 10, f"{task}: ONNX {size_mb:.1f} MB > 10 MB"
    assert models.n_params(model) <= 2_000_000, f"{task}: too many parameters"
    checked = []
    try:
        import onnx  # optional
        onnx.checker.check_model(onnx.load(str(onnx_path)))
        checked.append("onnx.checker")
    except ImportError:
        pass
    h, w = 2 * mult if mult > 1 else 24, 3 * mult if mult > 1 else 20   # non-square, not the export size
    x = np.random.default_rng(0).random((1, meta["in_ch"], h, w), dtype=np.float32)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    expect = (1, meta["out_ch"], h * meta["scale"], w * meta["scale"])
    assert ref.shape == expect and ref.dtype == np.float32, (ref.shape, ref.dtype)
    if common.ort_available():
        outs, _, info = common.run_onnx(onnx_path, [x])
        y = outs[0]
        assert y.shape == expect, (y.shape, expect)
        assert y.dtype == np.float32, y.dtype
        diff = float(np.abs(y - ref).max())
        assert diff < 1e-4, f"{task}: onnxruntime vs torch differ by {diff}"
        checked.append(f"onnxruntime-node ({info['inputName']}→{info['outputName']}, max diff {diff:.1e})")
    else:
        checked.append("onnxruntime-node not installed: ORT reload skipped")
    print(f"[smoke] {task}: 2 steps, export {size_mb:.2f} MB, output {expect} float32; "
          f"{'; '.join(checked)}; {time.time() - t0:.1f}s", flush=True)


def main():
    common.set_threads(None)
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="lucida-smoke-") as td:
        for task in common.TASKS:
            smoke_task(task, Path(td))
    print(f"[smoke] all tasks passed in {time.time() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
