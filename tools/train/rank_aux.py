"""An auxiliary ranking objective: within one instruction's pool, the better response scores higher.

Cappy regresses each pair's logit to its label on its own (MSE). A small scorer trained
from scratch fits that regression mostly through what a whole pool shares (how well the
instruction's topic is matched), and its errors within a pool are what decide a pick:
cappy-mini (docs/default-model.md) found the gold gloss but preferred its truncated copy
(label about 0.62) to the gold itself (1.0). This objective looks only at the differences
inside a pool: for every two responses of the same instruction whose labels differ by more
than MIN_GAP, a logistic (RankNet) loss on their score difference, weighted by the label
difference, so that a pair whose labels are far apart counts more than a near tie. The
regression stays the main objective; the exported scorer is unchanged in form.

Batches must then hold whole pools: make_pool_batches packs them.
"""

import torch
import torch.nn.functional as F

MIN_GAP = 0.05   # label differences below this are ties (ROUGE-L of near-identical texts)
TEMPERATURE = 0.1  # score units: a difference of 0.1 in the right order costs log(1 + e^-1)


def pool_ids(pairs):
    """A pool number per (instruction, response, label) pair: consecutive pairs that share their
    instruction form one pool (cappy_data.build_pairs writes an example's pairs together)."""
    ids, last, n = [], None, -1
    for instruction, _, _ in pairs:
        if instruction != last:
            n, last = n + 1, instruction
        ids.append(n)
    return ids


def rank_loss(scores, labels, pools):
    """Weighted RankNet loss over the ordered pairs (i, j) of one pool with labels[i] > labels[j] + MIN_GAP;
    zero (with a gradient path) when the batch has no such pair."""
    gap = labels[:, None] - labels[None, :]
    chosen = (pools[:, None] == pools[None, :]) & (gap > MIN_GAP)
    if not bool(chosen.any()):
        return scores.sum() * 0.0
    weight = gap[chosen]
    margin = (scores[:, None] - scores[None, :])[chosen] / TEMPERATURE
    return (weight * F.softplus(-margin)).sum() / weight.sum()


def make_pool_batches(lengths, pools, batch_size, rng):
    """Batches of whole pools, about batch_size pairs each (a pool larger than that is a batch of its
    own): pools are shuffled, sorted by their longest pair within windows of 50 batches (less
    padding), packed in order, and the batches shuffled."""
    members = {}
    for i, p in enumerate(pools):
        members.setdefault(p, []).append(i)
    order = list(members.values())
    rng.shuffle(order)
    per_window = max(1, batch_size * 50 // max(1, round(len(pools) / max(1, len(order)))))
    batches = []
    for w in range(0, len(order), per_window):
        chunk = sorted(order[w:w + per_window], key=lambda m: max(lengths[i] for i in m))
        current = []
        for m in chunk:
            if current and len(current) + len(m) > batch_size:
                batches.append(current)
                current = []
            current = current + m
        if current:
            batches.append(current)
    rng.shuffle(batches)
    return batches


def pool_tensor(pools, batch):
    return torch.tensor([pools[i] for i in batch], dtype=torch.int64)
