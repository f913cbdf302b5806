"""Train one task:  python3 -m training.train --task brightfield-sr [--steps N] [--threads 1]

Reads training/configs/<task>.json, simulates data on the fly, writes checkpoints and a
training log to training/runs/<task>/.  Runs unchanged on CUDA (device auto-detected).
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import time
from pathlib import Path

import numpy as np
import torch

from . import common, datasets, models


def lr_at(progress, step, base, warmup):
    """Linear warm-up over `warmup` steps, then cosine decay to 2% over progress 0→1."""
    if step < warmup:
        return base * (step + 1) / warmup
    return base * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def hardware_string(dev):
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    return f"CPU ({platform.processor() or platform.machine()}), {torch.get_num_threads()} thread(s)"


def _merge(base, over):
    for k, v in (over or {}).items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v
    return base


def parse_set(items):
    """["train.lr=3e-4", "data.params.blood_fraction=0.7"] → nested override dict (values as JSON,
    or as plain strings where they are not valid JSON)."""
    out = {}
    for it in items or []:
        key, sep, raw = it.partition("=")
        if not sep or not key:
            raise ValueError(f"--set expects KEY=VALUE, got {it!r}")
        try:
            val = json.loads(raw)
        except json.JSONDecodeError:
            val = raw
        node = out
        parts = key.split(".")
        for k in parts[:-1]:
            node = node.setdefault(k, {})
        node[parts[-1]] = val
    return out


def train(task, steps=None, threads=None, dev="auto", out_dir=None, time_limit=None, quiet=False,
          log_every=50, overrides=None, resume=None):
    cfg = _merge(common.load_config(task), overrides)
    tc = cfg["train"]
    steps = int(steps if steps is not None else tc["steps"])
    common.set_threads(threads)
    common.seed_all(cfg["seed"])
    device = common.device(dev)
    model = models.build(cfg["model"]).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=tc["lr"])
    prev_steps, prev_seconds, warmup = 0, 0.0, tc.get("warmup", 100)
    if resume:
        ck = torch.load(resume, map_location=device)
        model.load_state_dict(ck["model"])
        if ck.get("optimizer"):
            opt.load_state_dict(ck["optimizer"])
        prev_steps, prev_seconds = ck["steps"], ck["seconds"]
        warmup = 20 if not ck.get("optimizer") else 0
        if "warmup" in ((overrides or {}).get("train") or {}):   # explicit warm-up for a fine-tune
            warmup = int(tc["warmup"])
        steps = max(steps - prev_steps, 1)
    stream = datasets.PairStream(task, cfg["data"], seed=cfg["seed"] + prev_steps)
    out_dir = common.RUNS / task if out_dir is None else Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    log = []
    t0 = time.time()
    run_avg = None
    done = 0
    for step in range(steps):
        # progress follows whichever budget runs out first (steps or wall time), so a time-limited
        # run still anneals its learning rate
        progress = step / steps
        if time_limit:
            progress = max(progress, (time.time() - t0) / time_limit)
        for g in opt.param_groups:
            g["lr"] = lr_at(progress, step, tc["lr"], warmup)
        x, y = stream.batch(tc["batch"], tc["patch"])
        x = torch.from_numpy(x).to(device)
        y = torch.from_numpy(y).to(device)
        pred = model(x)
        loss = torch.nn.functional.l1_loss(pred, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), tc.get("clip", 1.0))
        opt.step()
        done = prev_steps + step + 1
        lv = float(loss.detach())
        run_avg = lv if run_avg is None else 0.98 * run_avg + 0.02 * lv
        if done % log_every == 0 or done == steps:
            el = prev_seconds + time.time() - t0
            log.append({"step": done, "loss": run_avg, "seconds": round(el, 1)})
            if not quiet:
                print(f"[{task}] step {done}/{prev_steps + steps} lr {opt.param_groups[0]['lr']:.2e} loss {run_avg:.5f} {el:.0f}s", flush=True)
        if done % tc.get("ckpt_every", 1000) == 0:
            _save(out_dir, model, cfg, done, prev_seconds + time.time() - t0, device, log, opt)
        if time_limit and time.time() - t0 > time_limit:
            if not quiet:
                print(f"[{task}] time limit reached at step {done}", flush=True)
            break
    return _save(out_dir, model, cfg, done, prev_seconds + time.time() - t0, device, log, opt)


def _save(out_dir, model, cfg, steps, seconds, device, log, opt=None):
    ck = {"model": model.state_dict(), "config": cfg, "steps": steps, "seconds": round(seconds, 1),
          "optimizer": opt.state_dict() if opt is not None else None,
          "hardware": hardware_string(device), "torch": torch.__version__}
    path = out_dir / "checkpoint.pt"
    torch.save(ck, path)
    (out_dir / "train_log.json").write_text(json.dumps(
        {"steps": steps, "seconds": round(seconds, 1), "hardware": ck["hardware"], "log": log}, indent=1))
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--task", required=True, choices=common.TASKS)
    ap.add_argument("--steps", type=int, default=None, help="override config train.steps")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default 1)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="stop after this many seconds (the LR schedule then anneals by wall time)")
    ap.add_argument("--resume", default=None, help="continue from a checkpoint (weights, optimizer)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a config entry, e.g. --set train.lr=3e-4 --set data.params.blood_fraction=0.7 "
                         "(with --resume, an explicit train.warmup replaces the default resume warm-up)")
    ap.add_argument("--out-dir", default=None,
                    help="checkpoint folder (default training/runs/<task>; use another one for a fine-tune so the "
                         "checkpoint it starts from is kept)")
    a = ap.parse_args()
    path = train(a.task, a.steps, a.threads, a.device, out_dir=a.out_dir, time_limit=a.time_limit,
                 resume=a.resume, overrides=parse_set(a.set))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
