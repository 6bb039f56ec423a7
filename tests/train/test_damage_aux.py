"""damage_aux: damaged answers (one part shuffled or cut off), their labels, and the trainer's use of it."""
import random
import unittest

from tests.train import paths  # noqa: F401
from train import damage_aux, scorer_model, trainer
from train.spm_tokenizer import BOS, EOS

WORDS = "a b c d e f g h".split()


def toy_encode(a, b, n):
    """<s> A </s></s> B </s> with one id per word (5 + its index in WORDS)."""
    ids = lambda t: [5 + WORDS.index(w) for w in t.replace(";", "").split()]  # noqa: E731
    return [BOS] + ids(a) + [EOS, EOS] + ids(b) + [EOS]


class DamagedAnswersTest(unittest.TestCase):
    def test_shuffling_damages_one_part_and_keeps_its_words(self):
        rng = random.Random(0)
        text = "a b c d e f; g h"
        for _ in range(50):
            d = damage_aux.damage(text, 1, rng)
            parts = d.split("; ")
            self.assertEqual(parts[1], "g h")  # a 2-word part is too short to shuffle
            self.assertNotEqual(parts[0], "a b c d e f")
            self.assertEqual(sorted(parts[0].split()), list("abcdef"))

    def test_cutting_off_keeps_a_prefix_of_one_part(self):
        rng = random.Random(0)
        for _ in range(50):
            d = damage_aux.damage("g h; a b c d e f g h", 2, rng)
            head, cut = d.split("; ")
            self.assertEqual(head, "g h")
            self.assertTrue("a b c d e f g h".startswith(cut + " "))
            self.assertGreaterEqual(len(cut.split()), 2)

    def test_a_gloss_too_short_to_damage_stays_intact(self):
        rng = random.Random(0)
        self.assertIsNone(damage_aux.damage("a b", 1, rng))
        self.assertIsNone(damage_aux.damage("a b c; d e", 2, rng))
        texts = [("a", "a b")] * 8
        rows, kinds = damage_aux.damaged_batch(texts, range(8), toy_encode, 16, 1.0, rng)
        self.assertEqual(kinds.tolist(), [0] * 8)
        self.assertEqual(rows[0][0], toy_encode("a", "a b", 16))

    def test_damaged_batch_labels_what_it_did(self):
        rng = random.Random(1)
        texts = [("h", "a b c d e f g")] * 400
        rows, kinds = damage_aux.damaged_batch(texts, range(400), toy_encode, 16, 0.5, rng)
        intact = toy_encode("h", "a b c d e f g", 16)
        for (ids, _), kind in zip(rows, kinds.tolist()):
            if kind == 0:
                self.assertEqual(ids, intact)
            elif kind == 1:
                self.assertEqual(sorted(ids), sorted(intact))
                self.assertNotEqual(ids, intact)
            else:
                self.assertLess(len(ids), len(intact))
                self.assertEqual(ids, intact[:len(ids) - 1] + [EOS])
        counts = [kinds.tolist().count(k) for k in range(3)]
        self.assertAlmostEqual(counts[0] / 400, 0.5, delta=0.08)
        self.assertAlmostEqual(counts[1] / counts[2], 1.0, delta=0.35)

    def test_damageable_pairs_are_gold_answers_with_a_part_long_enough(self):
        pairs = [("i", "a b c d", 1.0), ("i", "a b c d", 0.5), ("i", "a b", 1.0), ("i", "a b; c d e f", 1.0)]
        self.assertEqual(damage_aux.damageable_pairs(pairs), [("i", "a b c d"), ("i", "a b; c d e f")])


class DamageArgumentsTest(unittest.TestCase):
    def test_bad_weights_and_rates_are_refused_by_both_tools(self):
        import contextlib
        import io
        from train import pretrain_mlm
        for main, base in ((pretrain_mlm.main, ["--task-file", "x", "--tokenizer-dir", "x", "--out", "x"]),
                           (trainer.main, ["--task-file", "x", "--init", "x", "--out", "x"])):
            for flags, said in ((["--damage-aux", "-1"], "must be 0 or more"),
                                (["--damage-rate", "1.5"], "must be between 0 and 1"),
                                (["--damage-rate", "nan"], "must be between 0 and 1")) + (
                                ((["--damage-rows", "0"], "must be 1 or more"),) if main is trainer.main else ()):
                err = io.StringIO()
                with self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
                    main(base + flags)
                self.assertIn(said, err.getvalue())


class TrainerDamageTest(unittest.TestCase):
    def test_the_trainer_keeps_the_damage_objective_beside_the_regression(self):
        lines = []
        for weight in (1.0, 0.0):
            model, c = scorer_model.new_scorer(vocab_size=40, hidden=32, layers=2, heads=2, intermediate=64,
                                               max_position=40, seed=0)
            pairs = [("h", "a b c d e f g", 1.0), ("h", "b", 0.0)] * 32
            log = []
            trainer.train(model, c, pairs, toy_encode, lr=3e-3, epochs=60, batch_size=16, max_length=32,
                          log_every=20, log=log.append, damage_weight=weight,
                          damage_texts=damage_aux.damageable_pairs(pairs))
            lines.append(log[-1])
        learned, off = lines
        self.assertLess(float(learned.split("damage ")[1].split()[0]), 0.4)  # from ln 3 = 1.1
        self.assertGreater(float(learned.split("accuracy ")[1].split()[0]), 0.85)
        self.assertNotIn("damage", off)

    def test_the_trainer_draws_damage_rows_per_step_a_quarter_batch_by_default(self):
        pairs = [("h", "a b c d e f g", 1.0), ("h", "b", 0.0)] * 8
        for rows, want in ((None, 4), (3, 3)):
            calls = []

            def counting_encode(a, b, n):
                calls.append(b)
                return toy_encode(a, b, n)

            model, c = scorer_model.new_scorer(vocab_size=40, hidden=16, layers=1, heads=2, intermediate=32,
                                               max_position=40, seed=0)
            trainer.train(model, c, pairs, counting_encode, lr=1e-3, epochs=2, batch_size=16, max_length=32,
                          log=lambda line: None, damage_weight=0.5, damage_rows=rows,
                          damage_texts=damage_aux.damageable_pairs(pairs))
            self.assertEqual(len(calls), len(pairs) + 2 * want)  # the pairs once, then 2 steps of damage rows


if __name__ == "__main__":
    unittest.main()
