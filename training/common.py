"""Shared helpers: configs, seeding, device, ONNX export and the onnxruntime-node bridge."""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent          # repository root
TRAINING = ROOT / "training"
CONFIGS = TRAINING / "configs"
RUNS = TRAINING / "runs"
MODELS = ROOT / "resources" / "models"
TASKS = ("brightfield-sr", "smartphone-enhance", "holo-phase-recovery")


def load_config(task: str) -> dict:
    with open(CONFIGS / f"{task}.json") as f:
        cfg = json.load(f)
    cfg["task"] = task
    return cfg


def seed_all(seed: int):
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def set_threads(n: int | None = None):
    n = int(n or os.environ.get("LUCIDA_THREADS", 1))
    torch.set_num_threads(n)
    return n


def device(pref: str = "auto") -> torch.device:
    if pref == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(pref)


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export_onnx(model: torch.nn.Module, path, in_ch: int, example_hw=(64, 64), opset=17,
                input_name="input", output_name="output"):
    """Export with dynamic batch, height and width."""
    model = model.eval().cpu()
    x = torch.rand(1, in_ch, *example_hw)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, x, str(path), opset_version=opset, input_names=[input_name],
                      output_names=[output_name], do_constant_folding=True,
                      dynamic_axes={input_name: {0: "N", 2: "H", 3: "W"},
                                    output_name: {0: "N", 2: "H_out", 3: "W_out"}})
    return path


def node_binary() -> str:
    for cand in (ROOT / "node_modules" / ".bin" / "node", shutil.which("node")):
        if cand and Path(cand).exists():
            return str(cand)
    raise RuntimeError("node not found")


def ort_available() -> bool:
    return (ROOT / "node_modules" / "onnxruntime-node").exists()


def run_onnx(model_path, inputs, ep="cpu", threads=1, warmup=1, repeat=1, timeout=1800):
    """Run `inputs` (list of float32 NCHW arrays) through onnxruntime-node.

    Returns (outputs list, per-item median milliseconds, info dict)."""
    with tempfile.TemporaryDirectory(prefix="lucida-ort-") as td:
        td = Path(td)
        items = []
        for i, x in enumerate(inputs):
            ip, op = td / f"in{i}.npy", td / f"out{i}.npy"
            np.save(ip, np.ascontiguousarray(x, dtype=np.float32))
            items.append({"input": str(ip), "output": str(op)})
        job = {"model": str(Path(model_path).resolve()), "ep": ep, "threads": threads,
               "warmup": warmup, "repeat": repeat, "items": items}
        jp = td / "job.json"
        jp.write_text(json.dumps(job))
        res = subprocess.run([node_binary(), str(TRAINING / "evaluate_onnx.mjs"), str(jp)],
                             capture_output=True, text=True, timeout=timeout, cwd=str(ROOT))
        line = (res.stdout.strip().splitlines() or [""])[-1]
        try:
            info = json.loads(line)
        except json.JSONDecodeError:
            raise RuntimeError(f"onnxruntime-node failed: {res.stdout}\n{res.stderr}")
        if not info.get("ok"):
            raise RuntimeError(f"onnxruntime-node failed: {info.get('error')}\n{res.stderr}")
        outs = [np.load(it["output"]) for it in items]
        return outs, [it["ms"] for it in info["items"]], info
