"""An auxiliary objective for a scorer trained from scratch: does this token occur on the other side?

Cappy fine-tunes RoBERTa, which already relates a response to its instruction; a small
scorer trained from scratch has to find that on its own, and with Cappy's regression
alone it stays a constant predictor for thousands of steps (docs/default-model.md: the
logit barely depends on the response). This objective gives it the first step directly,
densely, on every token: after the first encoder layer, a linear head predicts whether
the token's id also occurs on the other side of the pair <s> A </s></s> B </s> (the
matching that word overlap and BM25 do). The second layer's <s> can then gather those
features, and the regression to the Cappy label starts from a model that can see how the
response relates to the instruction. The head is dropped when the checkpoint is written:
the exported scorer is the plain RoBERTa classifier the runtime reads.
"""

import torch
from torch import nn
import torch.nn.functional as F

NO_TARGET = -1.0


def match_targets(ids, pad_id):
    """[batch, seq] float targets: 1.0 where a token of one side occurs (same id) on the other
    side, 0.0 where it does not, NO_TARGET at <s>, the separators, </s> and padding.

    Rows are RoBERTa pairs <s> A </s></s> B </s> (padded with pad_id after): the separator is
    the row's last token, its first occurrence ends A and B starts two tokens later."""
    targets = torch.full(ids.shape, NO_TARGET)
    for r, row in enumerate(ids.tolist()):
        n = len(row)
        while n and row[n - 1] == pad_id:
            n -= 1
        sep = row[n - 1]
        end_a = row.index(sep, 1)
        if end_a + 2 >= n or row[end_a + 1] != sep:
            raise ValueError("row %d is not a pair <s> A </s></s> B </s>" % r)
        a, b = row[1:end_a], row[end_a + 2:n - 1]
        in_a, in_b = set(a), set(b)
        for i, t in enumerate(a):
            targets[r, 1 + i] = float(t in in_b)
        for i, t in enumerate(b):
            targets[r, end_a + 2 + i] = float(t in in_a)
    return targets


class MatchHead(nn.Module):
    """One logit per token: does it occur on the other side of the pair."""

    def __init__(self, hidden):
        super().__init__()
        self.linear = nn.Linear(hidden, 1)

    def loss(self, states, targets):
        """Binary cross-entropy over the tokens that have a target."""
        chosen = targets != NO_TARGET
        return F.binary_cross_entropy_with_logits(self.linear(states)[..., 0][chosen], targets[chosen])


def forward_with_states(model, ids, mask, types):
    """(logits [batch, labels], [hidden states after each encoder layer]) of a RoBERTa CrossEncoder,
    computed as its forward() does."""
    backbone = model.roberta
    x = backbone.embeddings(ids, types)
    additive = (1.0 - mask.to(x.dtype)[:, None, None, :]) * torch.finfo(x.dtype).min
    states = []
    for layer in backbone.encoder.layer:
        x = layer(x, additive)
        states.append(x)
    return model.classifier(x), states
