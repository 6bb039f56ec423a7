"""diagnose.py: candidate kinds, label statistics, pick accuracy, the surface model, the overfit check."""
import random
import statistics
import unittest

from tests.train import paths  # noqa: F401
from train import diagnose
from train.spm_tokenizer import BOS, EOS


class DiagnoseTest(unittest.TestCase):
    def test_candidate_kinds(self):
        gold = "a small bird with a red breast"
        self.assertEqual(diagnose.candidate_kind("bird a small with red a breast", gold), "shuffled")
        self.assertEqual(diagnose.candidate_kind("a small bird", gold), "truncated")
        self.assertEqual(diagnose.candidate_kind("a large fish", gold), "related")

    def test_label_stats_counts_every_pair_kind(self):
        rows = [{"task": "t", "instruction": "q%d" % i, "gold": "g%d one two three" % i,
                 "references": ["g%d one two three" % i], "candidates": ["g%d one" % i, "other answer"]}
                for i in range(3)]
        stats, mean, var = diagnose.label_stats(rows)
        self.assertEqual(stats["t"]["gold"], (3, 1.0))
        self.assertEqual(stats["t"]["random"][0], 3)  # one same-task random response each
        self.assertEqual(stats["t"]["related"], (3, 0.0))
        n, m = stats["t"]["truncated"]
        self.assertEqual(n, 3)
        self.assertAlmostEqual(m, 2 * 0.5 * 1.0 / (0.5 + 1.0))  # ROUGE-L F: P 1, R 1/2
        labels = [1.0] * 3 + [0.0] * 3 + [0.0] * 3 + [m] * 3
        self.assertAlmostEqual(mean, statistics.mean(labels))
        self.assertAlmostEqual(var, statistics.pvariance(labels))

    def test_pick_accuracy_and_spread(self):
        items = [({"task": "t"}, ["a", "b", "c"], 0), ({"task": "t"}, ["a", "b"], 1)]
        self.assertEqual(diagnose.pick_accuracy(items, [[1, 1, 0], [0, 1]]), {"t": 0.75})  # a tie is half a pick
        self.assertAlmostEqual(diagnose.within_pool_spread([[1, 1, 1], [0, 2]]), 0.5)

    def test_surface_model_finds_a_lexical_signal(self):
        rng = random.Random(0)
        words = ["w%d" % i for i in range(400)]

        def row(i):
            w, others = words[i], rng.sample(words, 4)
            gold = "%s %s" % (w, others[0])
            return {"task": "t", "instruction": "tell me about %s" % w, "gold": gold, "references": [gold],
                    "candidates": ["%s %s" % (o, others[0]) for o in others[1:]]}
        acc = diagnose.surface_model([row(i) for i in range(200)], [row(i) for i in range(200, 260)])
        self.assertEqual(acc, {"t": 1.0})

    def test_overfit_fits_a_few_pairs(self):
        # The training loop can drive the loss far below the labels' variance on data it repeats.
        rng = random.Random(0)
        pairs = [("q%d" % i, "r%d" % (i % 7), rng.random()) for i in range(64)]
        encode = lambda a, b, n: [BOS, 4 + int(a[1:]), EOS, EOS, 70 + int(b[1:]), EOS]  # noqa: E731
        var = statistics.pvariance([p[2] for p in pairs])
        _, _, first, last = diagnose.overfit(pairs, encode, vocab_size=80, epochs=60, lr=3e-3, hidden=32, layers=1,
                                             log=lambda s: None)
        self.assertLess(last, 0.3 * var, (first, last, var))


if __name__ == "__main__":
    unittest.main()
