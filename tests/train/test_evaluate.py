"""The evaluation's picks, ties and verdicts (tools/train/evaluate.py), on hand-made pools."""
import math
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

    def test_paired_difference_by_hand(self):
        # differences 1, 0, 0, -1, 1: mean 0.2, sample variance (0.64 + 0.04 * 2 + 1.44 + 0.64) / 4 = 0.7
        diff, se = evaluate.paired_difference([1, 0, 1, 0, 1], [0, 0, 1, 1, 0])
        self.assertAlmostEqual(diff, 0.2)
        self.assertAlmostEqual(se, math.sqrt(0.7 / 5))

    def test_a_clear_win_needs_two_paired_standard_errors_against_every_baseline(self):
        def results(mine, best, other=None):
            n = len(mine)
            other = other or [0.0] * n
            per = lambda accs: (sum(accs) / n, 0.0, n, accs)  # noqa: E731
            return {"random": {"synonym": per([0.1] * n)}, "longest": {"synonym": per(other)},
                    "overlap": {"synonym": per([0.0] * n)}, "bm25": {"synonym": per(best)},
                    "cappy-mini": {"synonym": per(mine)}}
        # 100 examples; cappy-mini right on the 40 where bm25 is, and on k more.
        bm25 = [1.0] * 40 + [0.0] * 60
        # k differences of 1 among 100: se = sqrt((k (1 - k/100)^2 + (100 - k) (k/100)^2) / 99 / 100),
        # 0.0239 for k = 6 (2 se = 0.048 < 0.06: clear), 0.0171 for k = 3 (2 se = 0.034 > 0.03: not).
        for k, se_want, clear in ((6, 0.02387, True), (3, 0.01715, False)):
            mine = [1.0] * (40 + k) + [0.0] * (60 - k)
            diff, se = evaluate.paired_difference(mine, bm25)
            self.assertAlmostEqual(diff, k / 100)
            self.assertAlmostEqual(se, se_want, places=4)
            self.assertEqual(evaluate.clear_wins(results(mine, bm25)), ["synonym"] if clear else [])
        # Unpaired, 0.52 vs 0.40 on 100 examples would be within two standard errors (0.14); paired
        # (cappy-mini right wherever bm25 is) it is clear.
        self.assertEqual(evaluate.clear_wins(results([1.0] * 52 + [0.0] * 48, bm25)), ["synonym"])
        # Every baseline counts, not only the most accurate one: longest is less accurate than bm25
        # but right on other examples: against it the difference is 0.12 with se 0.082, not clear.
        mine = [1.0] * 52 + [0.0] * 48
        longest = [0.0] * 40 + [1.0] * 40 + [0.0] * 20
        self.assertEqual(evaluate.clear_wins(results(mine, bm25, longest)), [])
        self.assertIn("on 0 of the 1 tasks", evaluate.summary(results(mine, bm25, longest))[0])
        self.assertIn("clearly beats every baseline on every task", evaluate.summary(results(mine, bm25))[0])
        self.assertIn("not clearly: against longest", evaluate.verdict(results(mine, bm25, longest))[0])


if __name__ == "__main__":
    unittest.main()
