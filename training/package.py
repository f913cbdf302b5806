"""Writers for a model package: manifest.json, rdf.yaml (bioimage.io 0.5) and MODEL_CARD.md."""
from __future__ import annotations

import json
from pathlib import Path

from . import common

TASK_TEXT = {
    "brightfield-sr": {
        "name": "Lucida bright-field super-resolution ×2",
        "summary": ("Predicts a 100×/1.4 NA oil-immersion-like image (2× finer sampling) from a "
                    "40×/0.95 NA dry bright-field image of a stained section."),
        "in_channels": ["R", "G", "B"],
        "out_channels": [("R", "red transmission, 0–1 (×255 for 8-bit display)"),
                         ("G", "green transmission, 0–1 (×255 for 8-bit display)"),
                         ("B", "blue transmission, 0–1 (×255 for 8-bit display)")],
        "normalisation": {"kind": "scale", "divisor": 255},
        "tags": ["super-resolution", "bright-field", "histology", "he-stain", "trichrome", "onnx"],
    },
    "smartphone-enhance": {
        "name": "Lucida smartphone-microscope enhancement",
        "summary": ("Maps an 8-bit (possibly JPEG-compressed) smartphone-microscope image to a "
                    "benchtop 20×/0.5 NA-like image on the same pixel grid: deblurring, "
                    "colour-cast and vignetting correction, demosaicking and JPEG artefact removal."),
        "in_channels": ["R", "G", "B"],
        "out_channels": [("R", "red, display (gamma 1/2.2) value 0–1"),
                         ("G", "green, display (gamma 1/2.2) value 0–1"),
                         ("B", "blue, display (gamma 1/2.2) value 0–1")],
        "normalisation": {"kind": "scale", "divisor": 255},
        "tags": ["image-restoration", "smartphone-microscopy", "jpeg-artifact-removal", "histology", "onnx"],
    },
    "holo-phase-recovery": {
        "name": "Lucida in-line holography phase recovery",
        "summary": ("Removes the twin-image and out-of-focus artefacts from a lens-free in-line "
                    "hologram that has been back-propagated to the object plane, returning the "
                    "complex object transmission (real, imaginary)."),
        "in_channels": ["re", "im"],
        "out_channels": [("re", "real part of the object transmission (background ≈ 1)"),
                         ("im", "imaginary part of the object transmission (background ≈ 0)")],
        "normalisation": {"kind": "none"},
        "tags": ["holography", "phase-retrieval", "lens-free", "twin-image", "onnx"],
    },
}

CITES = {
    "brightfield-sr": [
        ("Shi et al. 2016, real-time single image and video super-resolution using an efficient "
         "sub-pixel convolutional neural network (PixelShuffle)", "10.1109/CVPR.2016.207"),
    ],
    "smartphone-enhance": [
        ("Rivenson et al. 2018, deep learning enhanced mobile-phone microscopy", "10.1021/acsphotonics.8b00146"),
    ],
    "holo-phase-recovery": [
        ("Rivenson et al. 2018, phase recovery and holographic image reconstruction using deep "
         "learning in neural networks", "10.1038/lsa.2017.141"),
        ("Matsushima and Shimobaba 2009, band-limited angular spectrum method", "10.1364/OE.17.019662"),
        ("Greenbaum and Ozcan 2012, multi-height lensfree on-chip microscopy", "10.1364/OE.20.003129"),
    ],
}

PREPROCESS_HOLO = (
    "Input preparation (done by the caller, once per whole image): amplitude A = sqrt(I) of the raw "
    "hologram intensity I, divided by the background amplitude sqrt(median(I)); back-propagate A "
    "(phase 0) by -z with the angular-spectrum method (carrier phase 2*pi*z/lambda removed, i.e. "
    "transfer function exp(i*2*pi*z*(sqrt(1/lambda^2 - f^2) - 1/lambda))); feed (re, im).")


def manifest_dict(cfg, task, sha, info, metrics=None, training=None, optics=None):
    t = TASK_TEXT[task]
    ex = cfg["export"]
    m = {
        "id": cfg["id"],
        "version": cfg["version"],
        "task": task,
        "name": t["name"],
        "description": t["summary"],
        "file": "model.onnx",
        "sha256": sha,
        "opset": info["opset"],
        "parameters": info["params"],
        "input": {
            "name": "input",
            "channels": t["in_channels"],
            "dtype": "float32",
            "layout": "NCHW",
            "normalisation": t["normalisation"],
        },
        "output": {
            "name": "output",
            "channels": [{"name": n, "meaning": mm} for n, mm in t["out_channels"]],
            "dtype": "float32",
            "layout": "NCHW",
            "clip": [0, 1] if task != "holo-phase-recovery" else None,
        },
        "scale": cfg["model"].get("scale", 1),
        "tile": {
            "size": ex["tile"]["size"],
            "halo": info["halo"],
            "multiple": info["multiple"],
            "blend": 0,
            "receptiveRadius": info["receptive_radius"],
            "tiledVsUntiledMaxAbsDiff": info.get("tile_check"),
            "note": info.get("tile_note", ""),
        },
        "optics": optics,
        "training": training,
        "metrics": metrics,
        "testTensors": {"input": "test_input.npy", "output": "test_output.npy",
                        "inputShape": info["test_in_shape"], "outputShape": info["test_out_shape"],
                        "producedBy": "onnxruntime-node CPU execution provider"},
        "parityTolerance": ex["parity_tolerance"],
        "parityNote": ("max |difference| allowed between the CPU and WebGPU execution providers (and "
                       "against test_output.npy) on test_input.npy, absolute, in output units"),
        "trainedOn": "simulated data only - no patient images",
    }
    if task == "holo-phase-recovery":
        m["input"]["preprocessing"] = PREPROCESS_HOLO
    if m["output"]["clip"] is None:
        del m["output"]["clip"]
    return m


def _axes_yaml(channels, step, min_size, ref=None, scale_um=None, unit_scale=None):
    lines = ["      - type: batch", "      - type: channel", f"        channel_names: [{', '.join(channels)}]"]
    for ax in ("y", "x"):
        lines.append("      - type: space")
        lines.append(f"        id: {ax}")
        if ref is None:
            lines.append(f"        size: {{min: {min_size}, step: {step}}}")
        else:
            lines.append(f"        size: {{tensor_id: input, axis_id: {ax}}}")
        if scale_um is not None:
            lines.append("        unit: micrometer")
            lines.append(f"        scale: {scale_um}")
    return "\n".join(lines)


def write_rdf(dirp: Path, manifest: dict, px_in_um: float, px_out_um: float, test_sha: tuple):
    t = TASK_TEXT[manifest["task"]]
    mult = manifest["tile"]["multiple"]
    ins = _axes_yaml(manifest["input"]["channels"], mult, max(mult, 16), scale_um=px_in_um)
    outs = _axes_yaml([c["name"] for c in manifest["output"]["channels"]], mult, mult, ref="input",
                      scale_um=px_out_um)
    norm = manifest["input"]["normalisation"]
    norm_txt = ("8-bit pixel values divided by 255 (the test tensor is already scaled)"
                if norm["kind"] == "scale" else "no scaling (see MODEL_CARD.md for preparation)")
    cites = "\n".join(f'  - text: "{c}"\n    doi: {d}' for c, d in CITES[manifest["task"]])
    text = f"""# bioimage.io resource description (format 0.5).  Generated by training/package.py.
type: model
format_version: 0.5.3
name: {t['name']}
id: {manifest['id']}
version: {manifest['version']}
description: >-
  {t['summary']} Trained only on simulated images (no patient data).
authors:
  - name: Lucida contributors
maintainers:
  - name: Lucida contributors
cite:
{cites}
license: MIT
documentation: MODEL_CARD.md
tags: [{', '.join(t['tags'])}]
inputs:
  - id: input
    description: "{', '.join(manifest['input']['channels'])} float32, NCHW; {norm_txt}; height and width multiples of {mult}"
    axes:
{ins}
    test_tensor:
      source: test_input.npy
      sha256: {test_sha[0]}
    data:
      type: float32
outputs:
  - id: output
    description: "{', '.join(c['name'] for c in manifest['output']['channels'])} float32, NCHW, {manifest['scale']}x the input size"
    axes:
{outs}
    test_tensor:
      source: test_output.npy
      sha256: {test_sha[1]}
    data:
      type: float32
weights:
  onnx:
    source: model.onnx
    sha256: {manifest['sha256']}
    opset_version: {manifest['opset']}
"""
    (dirp / "rdf.yaml").write_text(text)


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.4f}" if abs(v) < 1 else f"{v:.2f}"
    return str(v)


def metrics_table(metrics: dict) -> str:
    if not metrics or not metrics.get("table"):
        return "_Not measured yet — run `python3 -m training.evaluate`._\n"
    rows = metrics["table"]
    cols = list(rows[0].keys())
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for r in rows:
        out.append("| " + " | ".join(_fmt(r.get(c, "")) for c in cols) + " |")
    return "\n".join(out) + "\n"


LIMITS_COMMON = """- **A network can invent plausible detail.** Its output is a prediction from a learned prior,
  not a measurement. Never base a diagnosis on the enhanced image alone: keep the raw view beside
  it (Lucida's comparison viewer does this) and confirm findings on the raw data or with the
  appropriate higher-grade instrument.
- Trained **only on simulated data** (procedural objects, physics-based image formation). Real
  samples contain structures, stains, aberrations and artefacts the simulator lacks; expect lower
  quality on real data and validate on your own instrument before relying on it.
- Not a medical device; for research and education.
"""


def write_card(dirp: Path, manifest: dict, extra: str = ""):
    t = TASK_TEXT[manifest["task"]]
    tr = manifest.get("training") or {}
    met = manifest.get("metrics") or {}
    acc = met.get("acceptance", {})
    acc_lines = "\n".join(f"- {k}: **{'met' if v.get('met') else 'NOT met'}** — {v.get('detail', '')}"
                          for k, v in acc.items()) or "_pending evaluation_"
    optics = json.dumps(manifest.get("optics"), indent=2, ensure_ascii=False)
    text = f"""# {t['name']} (`{manifest['id']}` {manifest['version']})

{t['summary']}

**Training data: simulated — no patient images.** Every training and test image was generated by
the physics-based simulators in `training/sim/` (see `training/README.md`).

## Intended use
{INTENDED[manifest['task']]}

## Interface
- Input `{manifest['input']['name']}`: float32 NCHW, channels {manifest['input']['channels']},
  normalisation `{json.dumps(manifest['input']['normalisation'])}`.
  {manifest['input'].get('preprocessing', '')}
- Output `{manifest['output']['name']}`: channels {[c['name'] for c in manifest['output']['channels']]}
  ({'; '.join(c['meaning'] for c in manifest['output']['channels'])}); scale ×{manifest['scale']}.
- Height and width must be multiples of **{manifest['tile']['multiple']}** (`tile.multiple`).
- Tiling: tile {manifest['tile']['size']} px, halo **{manifest['tile']['halo']} px** (input pixels),
  window origins on multiples of {manifest['tile']['multiple']}; receptive radius
  {manifest['tile']['receptiveRadius']} px; measured max |tiled − untiled| =
  {manifest['tile'].get('tiledVsUntiledMaxAbsDiff')}. {manifest['tile'].get('note', '')}
- Parity tolerance CPU vs WebGPU / vs `test_output.npy`: {manifest['parityTolerance']} (absolute);
  measured on `test_input.npy` at export: {json.dumps(manifest.get('parityMeasured'))}.
- ONNX opset {manifest['opset']}, {manifest['parameters']:,} parameters, operators
  {json.dumps(manifest.get('onnxOps') or 'Conv, Relu, Add, DepthToSpace')} (DepthToSpace = PixelShuffle, mode CRD).

## Optics simulated
```json
{optics}
```

## Training
- Data: {tr.get('data', 'simulated — no patient images')}
- Steps: {tr.get('steps')}, batch {tr.get('batch')}, patch {tr.get('patch')} px, wall time {tr.get('timeSeconds')} s
  on {tr.get('hardware')}; PyTorch {tr.get('torch')}; seed {tr.get('seed')}.
- {tr.get('note', '')}
- Loss: L1; Adam with warm-up and cosine decay. Config: `training/configs/{manifest['task']}.json`.

## Evaluation (held-out simulated set, exported ONNX run by onnxruntime-node)
{met.get('description', '')}

{metrics_table(met)}
{family_section(met)}
{met.get('notes', '')}

{('Timing: ' + met['timingNote'] + ' Load: ' + str(met.get('loadAverage1min'))) if met.get('timingNote') else ''}

### Acceptance targets
{acc_lines}

## Limitations
{LIMITS_COMMON}{LIMITS[manifest['task']]}
{extra}
"""
    kept = kept_section(dirp / "MODEL_CARD.md", manifest)
    if kept:
        text = text.rstrip("\n") + "\n\n" + kept
    (dirp / "MODEL_CARD.md").write_text(text)


def family_section(met: dict) -> str:
    fam = met.get("byFamily")
    if not fam or not fam.get("table"):
        return ""
    return f"Per scene family. {fam.get('description', '')}\n\n{metrics_table(fam)}"


# Hand-maintained sections of MODEL_CARD.md (measured outside training/, e.g. by `npm run bench:holography`)
# start with one of these headings; write_card carries them over when it regenerates the card.
KEPT_HEADINGS = ("## In the app's pipeline",)


def kept_section(card: Path, manifest: dict) -> str:
    """The hand-maintained tail of an existing card (from the first KEPT_HEADINGS heading to the end).
    If it names a model sha256 prefix other than this manifest's, a line saying the figures belong to
    an earlier model is put under its heading (once)."""
    if not card.exists():
        return ""
    text = card.read_text()
    starts = [text.find("\n" + h) for h in KEPT_HEADINGS if text.find("\n" + h) >= 0]
    if not starts:
        return ""
    sec = text[min(starts) + 1:].rstrip("\n") + "\n"
    import re
    shas = set(re.findall(r"sha256 ([0-9a-f]{8,64})", sec))
    stale = [h for h in shas if not manifest.get("sha256", "").startswith(h)]
    marker = "> **Measured with an earlier model"
    if stale and marker not in sec:
        head, _, rest = sec.partition("\n")
        sec = (f"{head}\n{marker}** (sha256 {', '.join(sorted(stale))}…), not with this package "
               f"(sha256 {manifest.get('sha256', '')[:12]}…); re-run the benchmark before quoting these figures.\n{rest}")
    return sec


INTENDED = {
    "brightfield-sr": (
        "Interactive preview of finer detail in bright-field images of H&E- or trichrome-stained "
        "sections taken with a 40×/0.95 objective, shown next to the raw image in Lucida's comparison "
        "viewer. Input pixel ≈0.16 µm at the sample (6.5 µm camera pixel behind 40×)."),
    "smartphone-enhance": (
        "Making smartphone-microscope captures of stained slides easier to read (sharper, neutral "
        "colour, fewer JPEG blocks) for teaching, remote review and triage, always with the original "
        "capture shown beside it. Input pixel ≈0.5 µm at the sample after registration."),
    "holo-phase-recovery": (
        "Fast twin-image-free reconstruction of lens-free in-line holograms of thin smears (blood, "
        "cervical cytology-like cells) from a single hologram, λ = 530 nm, 1.12 µm sensor pixels, "
        "sample-to-sensor distance 300–1000 µm, for live preview and counting; a multi-height "
        "iterative reconstruction remains the reference."),
}

LIMITS = {
    "brightfield-sr": (
        "- Only the 40×/0.95 → 100×/1.4 pair at λ≈550 nm and ≈0.16 µm input pixels was simulated; "
        "other objectives, pixel sizes, defocus, dust and aberrations are out of distribution.\n"
        "- Stains: H&E and Masson's trichrome (with colour jitter). IHC/DAB, fluorescence and "
        "special stains were not simulated.\n"),
    "smartphone-enhance": (
        "- Colour and vignetting correction is inferred from the local content (a tile sees only its "
        "halo); very large uniform regions may be corrected inconsistently.\n"
        "- Detail beyond the phone optics' cutoff cannot be recovered; what appears there is a guess.\n"),
    "holo-phase-recovery": (
        "- Assumes thin, weakly absorbing objects, a plane-wave source (partial coherence modelled as "
        "a blur), the stated λ and pixel size, and an accurate z estimate (trained with ±100 µm "
        "defocus on 25% of samples).\n"
        "- Phase is returned as a complex field (wrapped); phase delays above ≈2π and dense, "
        "overlapping clumps were not simulated.\n"),
}


def write_manifest(dirp: Path, manifest: dict):
    (dirp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def read_manifest(dirp: Path) -> dict | None:
    p = dirp / "manifest.json"
    return json.loads(p.read_text()) if p.exists() else None


def package_dir(cfg) -> Path:
    return common.MODELS / cfg["id"]
