"""Checks of the committed model packages in resources/models/ (skipped when none exist)."""
import json
import unittest

import numpy as np

from training import common

REQUIRED = ["id", "version", "task", "file", "sha256", "input", "output", "scale", "tile", "optics",
            "training", "metrics", "testTensors", "parityTolerance"]


def packages():
    return sorted(p.parent for p in common.MODELS.glob("*/manifest.json"))


class PackageTest(unittest.TestCase):
    def test_manifests(self):
        for d in packages():
            with self.subTest(pkg=d.name):
                m = json.loads((d / "manifest.json").read_text())
                for k in REQUIRED:
                    self.assertIn(k, m)
                self.assertEqual(m["id"], d.name)
                self.assertIn(m["task"], common.TASKS)
                self.assertEqual(m["file"], "model.onnx")
                self.assertEqual(common.sha256(d / m["file"]), m["sha256"])
                self.assertLessEqual((d / m["file"]).stat().st_size, 10 * 2 ** 20)
                self.assertEqual(m["input"]["dtype"], "float32")
                self.assertEqual(m["input"]["layout"], "NCHW")
                self.assertIn("simulated", m["training"]["data"])
                for f in ("rdf.yaml", "MODEL_CARD.md"):
                    self.assertTrue((d / f).exists())
                card = (d / "MODEL_CARD.md").read_text()
                self.assertIn("no patient images", card)
                self.assertIn("invent plausible detail", card)
                x = np.load(d / m["testTensors"]["input"])
                y = np.load(d / m["testTensors"]["output"])
                self.assertEqual(x.dtype, np.float32)
                self.assertEqual(y.dtype, np.float32)
                self.assertEqual(x.shape[1], len(m["input"]["channels"]))
                self.assertEqual(y.shape[1], len(m["output"]["channels"]))
                self.assertEqual(x.shape[2] % m["tile"]["multiple"], 0)
                self.assertEqual(y.shape[2:], tuple(s * m["scale"] for s in x.shape[2:]))

    @unittest.skipUnless(common.ort_available(), "onnxruntime-node not installed")
    def test_test_tensors_reproduce_in_onnxruntime(self):
        for d in packages():
            with self.subTest(pkg=d.name):
                m = json.loads((d / "manifest.json").read_text())
                x = np.load(d / m["testTensors"]["input"])
                y = np.load(d / m["testTensors"]["output"])
                out, _, _ = common.run_onnx(d / "model.onnx", [x])
                self.assertLessEqual(float(np.abs(out[0] - y).max()), m["parityTolerance"])


if __name__ == "__main__":
    unittest.main()
