"""The ranking objective: pools from the pair list, the loss by hand, batches of whole pools, and that
training with it orders a pool."""
import math
import random
import unittest

import torch

from tests.train import paths  # noqa: F401
from train import rank_aux, scorer_model, trainer
from train.spm_tokenizer import BOS, EOS


class PoolsTest(unittest.TestCase):
    def test_consecutive_pairs_of_one_instruction_are_one_pool(self):
        pairs = [("a", "x", 1.0), ("a", "y", 0.0), ("b", "x", 1.0), ("a", "z", 0.5)]
        self.assertEqual(rank_aux.pool_ids(pairs), [0, 0, 1, 2])

    def test_batches_hold_whole_pools_and_every_pair_once(self):
        rng = random.Random(3)
        pools = [p for p in range(200) for _ in range(rng.randint(1, 9))]
        lengths = [rng.randint(5, 60) for _ in pools]
        batches = rank_aux.make_pool_batches(lengths, pools, 32, random.Random(0))
        flat = [i for b in batches for i in b]
        self.assertEqual(sorted(flat), list(range(len(pools))))
        where = {}
        for n, b in enumerate(batches):
            self.assertLessEqual(len(b), 32)
            for i in b:
                self.assertEqual(where.setdefault(pools[i], n), n, "pool %d split over batches" % pools[i])

    def test_a_pool_larger_than_a_batch_is_a_batch_of_its_own(self):
        pools = [0] * 40 + [1] * 3
        batches = rank_aux.make_pool_batches([10] * 43, pools, 32, random.Random(0))
        self.assertEqual(sorted(len(b) for b in batches), [3, 40])


class LossTest(unittest.TestCase):
    def test_loss_by_hand(self):
        scores = torch.tensor([0.5, 0.3, 0.9, 0.2, 0.21], requires_grad=True)
        labels = torch.tensor([1.0, 0.5, 0.0, 0.6, 0.58])
        pools = torch.tensor([0, 0, 1, 2, 2])
        # Only (0, 1) counts: pool 1 has one pair, pool 2's labels are within MIN_GAP of each other.
        want = math.log1p(math.exp(-(0.5 - 0.3) / rank_aux.TEMPERATURE))
        loss = rank_aux.rank_loss(scores, labels, pools)
        self.assertAlmostEqual(loss.item(), want, places=5)
        loss.backward()
        self.assertLess(scores.grad[0].item(), 0)  # descent raises the better response
        self.assertGreater(scores.grad[1].item(), 0)
        self.assertEqual(scores.grad[2].item(), 0)

    def test_weights_follow_the_label_gap(self):
        scores = torch.tensor([0.0, 0.0, 0.0])
        labels = torch.tensor([1.0, 0.8, 0.0])
        # Pairs (0,1) gap .2, (0,2) gap 1, (1,2) gap .8; equal scores cost log 2 each whatever the weights.
        self.assertAlmostEqual(rank_aux.rank_loss(scores, labels, torch.tensor([0, 0, 0])).item(), math.log(2), 5)
        wrong = torch.tensor([0.0, 0.0, 1.0])  # the worst response on top costs more than a tie
        self.assertGreater(rank_aux.rank_loss(wrong, labels, torch.tensor([0, 0, 0])).item(), math.log(2))

    def test_a_batch_without_ordered_pairs_costs_nothing(self):
        scores = torch.tensor([0.5, 0.1], requires_grad=True)
        loss = rank_aux.rank_loss(scores, torch.tensor([1.0, 0.0]), torch.tensor([0, 1]))
        self.assertEqual(loss.item(), 0.0)
        loss.backward()  # still part of the graph
        self.assertEqual(scores.grad.tolist(), [0.0, 0.0])


def encode(a, b, n):
    return [BOS] + a + [EOS, EOS] + b + [EOS]


def train_tiny(pairs, lr, epochs, batch_size, log_every, **objectives):
    """A small scorer trained on token-id pairs; returns it and its log lines."""
    model, c = scorer_model.new_scorer(vocab_size=40, hidden=32, layers=2, heads=2, intermediate=64,
                                       max_position=40, seed=0)
    logged = []
    trainer.train(model, c, pairs, encode, lr, epochs=epochs, batch_size=batch_size, seed=0,
                  log_every=log_every, log=logged.append, **objectives)
    return model, logged


class TrainingTest(unittest.TestCase):
    def test_training_with_it_orders_the_pools(self):
        # Each pool: an instruction of 4 tokens, one response that occurs in it (label 1), three that don't.
        rng = random.Random(0)
        pairs = []
        for _ in range(150):
            a = rng.sample(range(5, 30), 4)
            others = rng.sample([t for t in range(5, 30) if t not in a], 3)
            pairs.append((a, [rng.choice(a)], 1.0))
            pairs += [(a, [t], 0.0) for t in others]
        model, logged = train_tiny(pairs, 3e-3, 15, 32, 40, match_weight=1.0, rank_weight=1.0)
        rank = [float(line.split(" rank ")[1].split()[0]) for line in logged]
        self.assertLess(rank[-1], 0.6 * rank[0])
        # Most pools' matching response now scores above the others (checked on the pools it trained on).
        model.eval()
        right = 0
        with torch.no_grad():
            for p in range(0, len(pairs), 4):
                ids = torch.tensor([encode(a, b, 0) for a, b, _ in pairs[p:p + 4]])
                s = model(ids, torch.ones_like(ids), torch.zeros_like(ids))[:, 0]
                right += int(bool(s[0] > s[1:].max()))  # strictly: a constant model gets none
        self.assertGreater(right, 0.6 * 150)  # a uniform pick would be right on a quarter

    def test_it_can_start_at_a_later_epoch(self):
        pairs = [([5 + i % 7, 9], [5 + i % 7], 1.0) if i % 2 == 0 else ([5 + (i - 1) % 7, 9], [20], 0.0)
                 for i in range(64)]
        _, logged = train_tiny(pairs, 1e-3, 2, 8, 4, rank_weight=1.0, rank_from_epoch=1)
        epochs = [(" epoch 1 " in line, " rank " in line) for line in logged]
        self.assertIn((False, False), epochs)  # the first epoch: Cappy's regression alone
        self.assertIn((True, True), epochs)
        self.assertNotIn((False, True), epochs)
        self.assertNotIn((True, False), epochs)


if __name__ == "__main__":
    unittest.main()
