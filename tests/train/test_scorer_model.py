"""The training module's checkpoints: written with make_model's writer, read back identically."""
import json
import os
import tempfile
import unittest

import torch

from tests.train import paths  # noqa: F401
from train import scorer_model, trainer


class CheckpointTest(unittest.TestCase):
    def test_save_then_load_gives_the_same_scores(self):
        model, c = scorer_model.new_scorer(vocab_size=50, hidden=16, layers=2, heads=2, intermediate=32,
                                           max_position=20, seed=3)
        ids = torch.tensor([[0, 7, 9, 2, 2, 11, 2, 1]])
        mask = (ids != 1).long()
        with tempfile.TemporaryDirectory() as d:
            scorer_model.save_checkpoint(model, c, d, config_overrides={"model_type": "xlm-roberta"})
            with open(os.path.join(d, "config.json")) as f:
                cfg = json.load(f)
            self.assertEqual((cfg["model_type"], cfg["vocab_size"], cfg["id2label"]), ("xlm-roberta", 50, {"0": "LABEL_0"}))
            loaded, c2, _ = scorer_model.load_scorer(d)
        with torch.no_grad():
            a = model.eval()(ids, mask, torch.zeros_like(ids))
            b = loaded(ids, mask, torch.zeros_like(ids))
        self.assertEqual(a.shape, (1, 1))
        self.assertTrue(torch.equal(a, b))

    def test_hf_init(self):
        model, c = scorer_model.new_scorer(vocab_size=50, hidden=16, layers=1, heads=2, intermediate=32,
                                           max_position=20)
        emb = model.roberta.embeddings
        self.assertTrue(torch.all(emb.word_embeddings.weight[c.pad_token_id] == 0))
        self.assertTrue(torch.all(emb.LayerNorm.weight == 1) and torch.all(model.classifier.dense.bias == 0))
        self.assertLess(abs(float(emb.word_embeddings.weight[2:].std()) - 0.02), 0.005)

    def test_rejects_several_labels(self):
        model, c = scorer_model.new_scorer(vocab_size=50, hidden=16, layers=1, heads=2, intermediate=32,
                                           max_position=20)
        with tempfile.TemporaryDirectory() as d:
            scorer_model.save_checkpoint(model, c, d, config_overrides={
                "id2label": {"0": "A", "1": "B"}})
            with self.assertRaisesRegex(ValueError, "config.json: 2 labels"):
                scorer_model.load_scorer(d)


class ScheduleTest(unittest.TestCase):
    def test_linear_with_warmup(self):
        # 100 steps, 10 of warm-up: rises to 1 at step 9, then falls linearly to 0 at step 100.
        f = [trainer.linear_warmup(s, 100, 10) for s in range(101)]
        self.assertAlmostEqual(f[0], 0.1)
        self.assertAlmostEqual(f[9], 1.0)
        self.assertAlmostEqual(f[10], 1.0)
        self.assertAlmostEqual(f[55], 0.5)
        self.assertEqual(f[100], 0.0)


class TrainingTest(unittest.TestCase):
    def test_a_few_steps_fit_a_tiny_set(self):
        # Two pairs, labels 1 and 0: many steps at a high lr must separate their scores.
        model, c = scorer_model.new_scorer(vocab_size=30, hidden=16, layers=1, heads=2, intermediate=32,
                                           max_position=20, seed=0)
        pairs = [("q", "good", 1.0), ("q", "bad", 0.0)] * 16
        encode = {"good": [0, 5, 2, 2, 6, 2], "bad": [0, 5, 2, 2, 7, 2]}
        torch.manual_seed(0)
        trainer.train(model, c, pairs, lambda a, b, n: encode[b], lr=3e-3, epochs=60, batch_size=8,
                      log=lambda s: None)
        with torch.no_grad():
            ids = torch.tensor([encode["good"], encode["bad"]])
            out = model(ids, torch.ones_like(ids), torch.zeros_like(ids))[:, 0]
        self.assertGreater(float(out[0]), 0.8)
        self.assertLess(float(out[1]), 0.2)


if __name__ == "__main__":
    unittest.main()
