"""The evaluation's picks, ties and verdicts (tools/train/evaluate.py), on hand-made pools."""
import unittest

from tests.train import paths  # noqa: F401
from train import evaluate


def item(task, pool, gold, refs=None):
    return ({"task": task, "references": refs or [pool[gold]]}, pool, gold)


class EvaluateTest(unittest.TestCase):
    def test_a_tie_is_the_expectation_of_a_uniform_pick(self):
        items = [item("define", ["a b c", "c b a", "x y"], 0), item("define", ["p q", "r s"], 1)]
        scores = {"random": [None, None],
                  "cappy-mini": [[1.0, 1.0, 0.0], [0.5, 0.9]],  # tie between gold and its shuffle; a clean win
                  "longest": [[0.0, 0.0, 0.0], [0.0, 0.0]]}      # everything tied
        r = evaluate.evaluate(items, scores, seed=0)
        self.assertAlmostEqual(r["cappy-mini"]["define"][0], (0.5 + 1.0) / 2)
        self.assertAlmostEqual(r["longest"]["define"][0], (1 / 3 + 1 / 2) / 2)
        self.assertAlmostEqual(r["random"]["define"][0], (1 / 3 + 1 / 2) / 2)  # exact, as for ties
        # ROUGE-L of a tie: the mean over the tied picks ("c b a" against "a b c": LCS 1 of 3).
        self.assertAlmostEqual(r["cappy-mini"]["define"][1], ((1.0 + 1 / 3) / 2 + 1.0) / 2)

    def test_a_clear_win_needs_two_standard_errors(self):
        def results(mine, best, n):
            return {"random": {"synonym": (0.2, 0.0, n)}, "longest": {"synonym": (0.1, 0.0, n)},
                    "overlap": {"synonym": (0.1, 0.0, n)}, "bm25": {"synonym": (best, 0.0, n)},
                    "cappy-mini": {"synonym": (mine, 0.0, n)}}
        # two standard errors of 0.40 vs 0.30 on 300 examples: 2 * sqrt((.24 + .21) / 300) = 0.077
        self.assertEqual(evaluate.clear_wins(results(0.40, 0.30, 300)), ["synonym"])
        self.assertEqual(evaluate.clear_wins(results(0.37, 0.30, 300)), [])
        self.assertIn("on 0 of the 1 tasks", evaluate.summary(results(0.37, 0.30, 300))[0])
        self.assertIn("clearly beats every baseline on every task", evaluate.summary(results(0.40, 0.30, 300))[0])


if __name__ == "__main__":
    unittest.main()
