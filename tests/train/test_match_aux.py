"""The auxiliary matching objective: its targets by hand, the forward it shares with the scorer, and
that training with it lowers both losses and exports the plain scorer."""
import random
import unittest

import torch

from tests.train import paths  # noqa: F401
from train import match_aux, scorer_model, trainer
from train.spm_tokenizer import BOS, EOS, PAD

N = match_aux.NO_TARGET


class TargetsTest(unittest.TestCase):
    def test_targets_by_hand(self):
        # <s> 7 8 9 </s></s> 9 5 7 7 </s> <pad> <pad>
        ids = torch.tensor([[BOS, 7, 8, 9, EOS, EOS, 9, 5, 7, 7, EOS, PAD, PAD],
                            [BOS, 4, EOS, EOS, 4, EOS, PAD, PAD, PAD, PAD, PAD, PAD, PAD]])
        want = torch.tensor([[N, 1, 0, 1, N, N, 1, 0, 1, 1, N, N, N],
                             [N, 1, N, N, 1, N, N, N, N, N, N, N, N]])
        self.assertTrue(torch.equal(match_aux.match_targets(ids, PAD), want))

    def test_a_row_that_is_not_a_pair_is_refused(self):
        with self.assertRaisesRegex(ValueError, "row 0 is not a pair"):
            match_aux.match_targets(torch.tensor([[BOS, 7, 8, EOS]]), PAD)


class TrainingTest(unittest.TestCase):
    def test_forward_with_states_is_the_scorers_forward(self):
        model, c = scorer_model.new_scorer(vocab_size=40, hidden=32, layers=2, heads=2, intermediate=64,
                                           max_position=40, seed=0)
        model.eval()
        ids = torch.tensor([[BOS, 7, 8, EOS, EOS, 9, EOS, PAD], [BOS, 7, EOS, EOS, 7, 9, 10, EOS]])
        mask = (ids != PAD).to(torch.int64)
        logits, states = match_aux.forward_with_states(model, ids, mask, torch.zeros_like(ids))
        self.assertEqual(len(states), 2)
        self.assertTrue(torch.allclose(logits, model(ids, mask, torch.zeros_like(ids)), atol=1e-6))

    def test_training_with_it_learns_matching_and_keeps_a_plain_scorer(self):
        # Label 1 when the one-token response occurs in the instruction: the matching itself.
        rng = random.Random(0)
        pairs = []
        for _ in range(512):
            a = rng.sample(range(5, 30), 4)
            b = rng.choice(a) if rng.random() < 0.5 else rng.choice([t for t in range(5, 30) if t not in a])
            pairs.append((a, [b], float(b in a)))
        encode = lambda a, b, n: [BOS] + a + [EOS, EOS] + b + [EOS]  # noqa: E731
        model, c = scorer_model.new_scorer(vocab_size=40, hidden=32, layers=2, heads=2, intermediate=64,
                                           max_position=40, seed=0)
        logged = []
        trainer.train(model, c, pairs, encode, 3e-3, epochs=20, batch_size=32, seed=0, log_every=32,
                      log=logged.append, match_weight=1.0)
        match = [float(line.split(" match ")[1].split()[0]) for line in logged]
        loss = [float(line.split(" loss ")[1].split()[0]) for line in logged]
        self.assertLess(match[-1], 0.6 * match[0])
        self.assertLess(loss[-1], 0.16)  # the labels' variance, a constant's loss, is 0.25
        self.assertEqual(set(model.state_dict()), set(scorer_model.new_scorer(40, 32, 2, 2, 64, 40)[0].state_dict()))


if __name__ == "__main__":
    unittest.main()
