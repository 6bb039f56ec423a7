"""The MLM warm start: RoBERTa masking (specials untouched, targets only where chosen), the damage
objective's damaged glosses, and that both objectives are learned."""
import random
import unittest

import torch

from tests.train import paths  # noqa: F401
from train import pretrain_mlm, scorer_model
from train.spm_tokenizer import BOS, EOS, PAD


class MaskTest(unittest.TestCase):
    def test_masking(self):
        ids = torch.randint(4, 500, (64, 100))
        ids[:, 0], ids[:, 50], ids[:, 51], ids[:, 99] = BOS, EOS, EOS, EOS
        ids[:8, 90:99] = PAD
        inputs, targets = pretrain_mlm.mask_tokens(ids, 501, 500, torch.Generator().manual_seed(0))
        chosen = targets != -100
        special = (ids == BOS) | (ids == EOS) | (ids == PAD)
        self.assertFalse(bool((chosen & special).any()))
        self.assertTrue(torch.equal(targets[chosen], ids[chosen]))
        self.assertTrue(torch.equal(inputs[~chosen], ids[~chosen]))  # only chosen tokens change
        rate = float(chosen.sum()) / float((~special).sum())
        self.assertAlmostEqual(rate, 0.15, delta=0.02)
        masked = float((inputs[chosen] == 500).sum()) / float(chosen.sum())
        self.assertAlmostEqual(masked, 0.8, delta=0.05)

    def test_pretraining_lowers_the_mlm_loss_and_keeps_a_scorer(self):
        model, c = scorer_model.new_scorer(vocab_size=40, hidden=32, layers=1, heads=2, intermediate=64,
                                           max_position=40, seed=0)
        texts = [("a b c", "a b c")] * 64
        encode = lambda a, b, n: [BOS] + [5, 6, 7] + [EOS, EOS] + [5, 6, 7] + [EOS]  # noqa: E731
        losses = []
        pretrain_mlm.pretrain(model, c, texts, encode, mask_id=39, steps=100, lr=3e-3, batch_size=16,
                              log=lambda s: losses.append(float(s.split("loss ")[1].split()[0])))
        self.assertLess(losses[-1], 1.0)  # from ln(40) = 3.7: the repeated tokens are learned
        ids = torch.tensor([encode("", "", 0)])
        self.assertEqual(model(ids, torch.ones_like(ids), torch.zeros_like(ids)).shape, (1, 1))


WORDS = "a b c d e f g h".split()


def toy_encode(a, b, n):
    """<s> A </s></s> B </s> with one id per word (5 + its index in WORDS)."""
    ids = lambda t: [5 + WORDS.index(w) for w in t.replace(";", "").split()]  # noqa: E731
    return [BOS] + ids(a) + [EOS, EOS] + ids(b) + [EOS]


class DamageTest(unittest.TestCase):
    def test_shuffling_damages_one_part_and_keeps_its_words(self):
        rng = random.Random(0)
        text = "a b c d e f; g h"
        for _ in range(50):
            d = pretrain_mlm.damage(text, 1, rng)
            parts = d.split("; ")
            self.assertEqual(parts[1], "g h")  # a 2-word part is too short to shuffle
            self.assertNotEqual(parts[0], "a b c d e f")
            self.assertEqual(sorted(parts[0].split()), list("abcdef"))

    def test_cutting_off_keeps_a_prefix_of_one_part(self):
        rng = random.Random(0)
        for _ in range(50):
            d = pretrain_mlm.damage("g h; a b c d e f g h", 2, rng)
            head, cut = d.split("; ")
            self.assertEqual(head, "g h")
            self.assertTrue("a b c d e f g h".startswith(cut + " "))
            self.assertGreaterEqual(len(cut.split()), 2)

    def test_a_gloss_too_short_to_damage_stays_intact(self):
        rng = random.Random(0)
        self.assertIsNone(pretrain_mlm.damage("a b", 1, rng))
        self.assertIsNone(pretrain_mlm.damage("a b c; d e", 2, rng))
        texts = [("a", "a b")] * 8
        rows, kinds = pretrain_mlm.damaged_batch(texts, range(8), toy_encode, 16, 1.0, rng)
        self.assertEqual(kinds.tolist(), [0] * 8)
        self.assertEqual(rows[0][0], toy_encode("a", "a b", 16))

    def test_damaged_batch_labels_what_it_did(self):
        rng = random.Random(1)
        texts = [("h", "a b c d e f g")] * 400
        rows, kinds = pretrain_mlm.damaged_batch(texts, range(400), toy_encode, 16, 0.5, rng)
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

    def test_pretraining_learns_to_tell_damaged_glosses_apart(self):
        model, c = scorer_model.new_scorer(vocab_size=40, hidden=32, layers=2, heads=2, intermediate=64,
                                           max_position=40, seed=0)
        texts = [("h", "a b c d e f g")] * 64
        lines = []
        pretrain_mlm.pretrain(model, c, texts, toy_encode, mask_id=39, steps=300, lr=3e-3, batch_size=16,
                              log=lines.append, damage_weight=1.0, damage_rate=0.5)
        last = lines[-1]
        damage_loss = float(last.split("damage loss ")[1].split()[0])
        accuracy = float(last.split("accuracy ")[1].split()[0])
        # from ln 3 = 1.1 and the majority's 0.5: the order and the length are learned
        self.assertLess(damage_loss, 0.4)
        self.assertGreater(accuracy, 0.85)


if __name__ == "__main__":
    unittest.main()
