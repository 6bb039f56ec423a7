"""The damage objective: a head on the <s> state tells intact, shuffled and cut-off answers apart.

MLM on a small corpus and Cappy's regression did not teach a small scorer what a complete,
well-ordered answer is: it picked a shuffled or cut-off copy of a definition about as often as the
definition (docs/default-model.md), even among its training examples, although ROUGE-L labels the
copies far lower. This self-supervised objective asks for exactly that (the word-order objectives of
StructBERT and ALBERT's sentence-order prediction are the same idea): some pairs get one part of
their second side (a definition or an example, split at "; ") damaged, its words shuffled or cut to
a prefix, drawn anew every time a pair is used. pretrain_mlm.py adds it to masked-LM pretraining;
trainer.py can keep it on beside the regression. Its head is not exported.
"""

import argparse

import torch
from torch import nn
import torch.nn.functional as F

from train import wordnet_tasks

DAMAGE_KINDS = ("intact", "shuffled", "cut off")


class DamageHead(nn.Module):
    """RoBERTa's classification head shape (dense, tanh, projection) on <s>, for DAMAGE_KINDS."""

    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden, c.hidden)
        self.out_proj = nn.Linear(c.hidden, len(DAMAGE_KINDS))

    def forward(self, x):
        return self.out_proj(torch.tanh(self.dense(x[:, 0])))


def damage(text, kind, rng):
    """`text` with one of its "; "-separated parts shuffled (kind 1) or cut to a prefix (kind 2),
    the part drawn among those long enough to damage; None when none is."""
    parts = text.split("; ")
    fn = wordnet_tasks.shuffled if kind == 1 else wordnet_tasks.truncated
    order = list(range(len(parts)))
    rng.shuffle(order)
    for i in order:
        d = fn(parts[i], rng)
        if d is not None:
            return "; ".join(parts[:i] + [d] + parts[i + 1:])
    return None


def damaged_batch(texts, batch, encode, max_length, rate, rng):
    """The batch's pairs encoded, each with probability `rate` damaged (shuffled or cut off alike),
    and their DAMAGE_KINDS indices; a pair too short to damage stays intact."""
    encoded, kinds = [], []
    for i in batch:
        a, b = texts[i]
        kind = 0
        if rng.random() < rate:
            want = 1 if rng.random() < 0.5 else 2
            d = damage(b, want, rng)
            if d is not None:
                b, kind = d, want
        encoded.append((encode(a, b, max_length), 0.0))
        kinds.append(kind)
    return encoded, torch.tensor(kinds)


def damage_loss(head, states, kinds):
    """Cross-entropy of the head's DAMAGE_KINDS prediction from encoder states of damaged_batch's
    rows, and how many it got right."""
    logits = head(states)
    return F.cross_entropy(logits, kinds), int((logits.argmax(-1) == kinds).sum())


def damageable_pairs(pairs):
    """(instruction, response) of the gold pairs (label 1) whose response has a part of 4 words or more."""
    return [(a, b) for a, b, y in pairs if y == 1.0 and any(len(p.split()) >= 4 for p in b.split("; "))]


def weight_arg(text):
    """argparse type for --damage-aux: a weight >= 0 (0: off)."""
    w = float(text)
    if not w >= 0:
        raise argparse.ArgumentTypeError("must be 0 or more, not %s" % text)
    return w


def rate_arg(text):
    """argparse type for --damage-rate: a share between 0 and 1."""
    r = float(text)
    if not 0 <= r <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1, not %s" % text)
    return r
