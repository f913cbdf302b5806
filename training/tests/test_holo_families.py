"""Scene-family mixture of the holography simulator (`blood_fraction`) and its plumbing from the
config's data.params, the per-family evaluation table, and the training CLI overrides."""
import unittest
from unittest import mock

import numpy as np

from training import datasets, evaluate
from training.sim import holography
from training.train import parse_set


def _families(frac, n_draws, seed=0):
    rng = np.random.default_rng(seed)
    params = None if frac is None else {"blood_fraction": frac}
    return [holography.make_object(rng, 32, params, return_family=True)[1] for _ in range(n_draws)]


class BloodFractionTest(unittest.TestCase):
    def test_default_is_half_and_unchanged_stream(self):
        self.assertEqual(holography.DEFAULTS["blood_fraction"], 0.5)
        for seed in (0, 1, 7):
            a = holography.make_object(np.random.default_rng(seed), 64)
            b = holography.make_object(np.random.default_rng(seed), 64, {"blood_fraction": 0.5})
            np.testing.assert_array_equal(a, b)

    def test_family_follows_the_single_uniform_draw(self):
        # the family decision is the first draw of the stream: u < fraction → blood
        for seed in range(6):
            u = np.random.default_rng(seed).random()
            for frac in (0.3, 0.5, 0.7):
                _, fam = holography.make_object(np.random.default_rng(seed), 32, {"blood_fraction": frac},
                                                return_family=True)
                self.assertEqual(fam, "blood" if u < frac else "pap", (seed, frac))

    def test_extremes_and_rate(self):
        self.assertEqual(set(_families(1.0, 20)), {"blood"})
        self.assertEqual(set(_families(0.0, 20)), {"pap"})
        fams = _families(0.7, 300, seed=3)
        rate = fams.count("blood") / len(fams)
        self.assertGreater(rate, 0.6)     # binomial sd ≈ 0.026 at n = 300
        self.assertLess(rate, 0.8)
        fams = _families(None, 300, seed=3)
        self.assertLess(abs(fams.count("blood") / len(fams) - 0.5), 0.1)

    def test_the_chosen_family_is_drawn(self):
        with mock.patch.object(holography, "pap_smear", side_effect=AssertionError("pap drawn")):
            holography.make_object(np.random.default_rng(0), 32, {"blood_fraction": 1.0})
        with mock.patch.object(holography, "blood_smear", side_effect=AssertionError("blood drawn")):
            holography.make_object(np.random.default_rng(0), 32, {"blood_fraction": 0.0})

    def test_invalid_fraction(self):
        for bad in (-0.1, 1.5):
            with self.assertRaises(ValueError):
                holography.make_object(np.random.default_rng(0), 32, {"blood_fraction": bad})

    def test_simulate_reports_family(self):
        d = holography.simulate(np.random.default_rng(5), 64, {"blood_fraction": 1.0})
        self.assertEqual(d["family"], "blood")
        d = holography.simulate(np.random.default_rng(5), 64, {"blood_fraction": 0.0})
        self.assertEqual(d["family"], "pap")

    def test_config_data_params_reach_the_simulator(self):
        cfg = {"sim_size": 64, "buffer": 3, "warm_buffer": 3, "defocus_fraction": 0.0,
               "params": {"blood_fraction": 1.0}}
        with mock.patch.object(holography, "pap_smear", side_effect=AssertionError("pap drawn")):
            s = datasets.PairStream("holo-phase-recovery", cfg, seed=11)
            x, y = s.batch(2, 32)
        self.assertEqual(x.shape, (2, 2, 32, 32))
        cfg["params"] = {"blood_fraction": 0.0}
        with mock.patch.object(holography, "blood_smear", side_effect=AssertionError("blood drawn")):
            datasets.PairStream("holo-phase-recovery", cfg, seed=11).batch(1, 32)


class FamilyTableTest(unittest.TestCase):
    def test_means_per_family(self):
        def m(v):
            return {"phase_rmse_rad": v, "amp_ssim": 1 - v, "complex_psnr_db": 10 * v}
        rows = {"net": [m(0.1), m(0.3), m(0.2)], "gs20": [m(0.4), m(0.5), m(0.6)]}
        fams = ["blood", "pap", "blood"]
        out = evaluate.family_table(rows, fams, {"net": "network", "gs20": "GS"})
        t = {(r["family"], r["method"]): r for r in out["table"]}
        self.assertAlmostEqual(t[("blood", "network")]["phase RMSE rad"], 0.15)
        self.assertAlmostEqual(t[("blood", "GS")]["phase RMSE rad"], 0.5)
        self.assertAlmostEqual(t[("pap", "network")]["phase RMSE rad"], 0.3)
        self.assertAlmostEqual(t[("pap", "GS")]["amplitude SSIM"], 0.5)
        self.assertEqual(t[("blood", "network")]["fields"], 2)
        self.assertIn("2 blood-smear, 1 Pap", out["description"])


class ParseSetTest(unittest.TestCase):
    def test_nested_json_values(self):
        self.assertEqual(parse_set(["train.lr=3e-4", "data.params.blood_fraction=0.7", "train.warmup=50",
                                    "note=fine-tune"]),
                         {"train": {"lr": 3e-4, "warmup": 50}, "data": {"params": {"blood_fraction": 0.7}},
                          "note": "fine-tune"})

    def test_rejects_missing_value(self):
        with self.assertRaises(ValueError):
            parse_set(["train.lr"])


if __name__ == "__main__":
    unittest.main()


class CardSectionsTest(unittest.TestCase):
    def _manifest(self, sha):
        import json
        from training import package
        man = json.loads((package.common.MODELS / "lucida-holo-phase" / "manifest.json").read_text())
        man["sha256"] = sha
        return man

    def test_bench_section_survives_regeneration_and_is_flagged_when_stale(self):
        import tempfile
        from pathlib import Path
        from training import package
        with tempfile.TemporaryDirectory() as td:
            d = Path(td)
            man = self._manifest("abcdef0123456789" * 4)
            package.write_card(d, man)
            self.assertNotIn("## In the app's pipeline", (d / "MODEL_CARD.md").read_text())
            bench = "## In the app's pipeline (bench)\nmodel sha256 abcdef012345…: 0.050 rad\n"
            (d / "MODEL_CARD.md").write_text((d / "MODEL_CARD.md").read_text() + "\n" + bench)
            package.write_card(d, man)
            text = (d / "MODEL_CARD.md").read_text()
            self.assertEqual(text.count("## In the app's pipeline"), 1)
            self.assertIn("0.050 rad", text)
            self.assertNotIn("earlier model", text)
            man["sha256"] = "1234" * 16
            package.write_card(d, man)
            package.write_card(d, man)
            text = (d / "MODEL_CARD.md").read_text()
            self.assertEqual(text.count("Measured with an earlier model"), 1)
            self.assertIn("0.050 rad", text)

    def test_family_table_in_card(self):
        import tempfile
        from pathlib import Path
        from training import package
        man = self._manifest("ab" * 32)
        man["metrics"] = dict(man.get("metrics") or {}, byFamily={
            "description": "split", "table": [{"family": "blood", "fields": 3, "method": "network",
                                               "phase RMSE rad": 0.0421}]})
        with tempfile.TemporaryDirectory() as td:
            package.write_card(Path(td), man)
            text = (Path(td) / "MODEL_CARD.md").read_text()
        self.assertIn("| blood | 3 | network | 0.0421 |", text)
