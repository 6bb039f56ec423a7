"""The MLM warm start: RoBERTa masking (specials untouched, targets only where chosen), and that
MLM and the damage objective are learned."""
import unittest

import torch

from tests.train import paths  # noqa: F401
from tests.train.test_damage_aux import toy_encode
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


class DamagePretrainingTest(unittest.TestCase):
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
