"""The RoBERTa-style scorer that training updates, read from and written to HF checkpoints.

The module is tools/make_model.py's CrossEncoder (HF's module tree and tensor
names, so state_dict() is the checkpoint), and the checkpoint is written by the
same hand-written safetensors writer; this file adds what training needs:
HF's initialisation for a model trained from scratch, loading a checkpoint for
fine-tuning (HF RoBERTa/XLM-R classifiers with one label), and saving.
"""

import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import make_model  # noqa: E402
from make_model import Config, CrossEncoder, read_safetensors, save_checkpoint  # noqa: E402,F401


def init_hf(model, c, std=0.02):
    """HF's _init_weights: Linear/Embedding ~ N(0, std), biases 0, LayerNorm 1/0, pad rows 0."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.weight.normal_(0.0, std)
                m.bias.zero_()
            elif isinstance(m, nn.Embedding):
                m.weight.normal_(0.0, std)
            elif isinstance(m, nn.LayerNorm):
                m.weight.fill_(1.0)
                m.bias.zero_()
        model.roberta.embeddings.word_embeddings.weight[c.pad_token_id].zero_()


def new_scorer(vocab_size, hidden, layers, heads, intermediate, max_position=514, pad_token_id=1, seed=0):
    """A randomly initialised RoBERTa scorer with one output logit."""
    c = Config("roberta", vocab_size, hidden, layers, heads, intermediate, max_position, num_labels=1,
               pad_token_id=pad_token_id)
    torch.manual_seed(seed)
    model = CrossEncoder(c)
    init_hf(model, c)
    return model, c


def load_scorer(model_dir):
    """A scorer to fine-tune from an HF checkpoint directory (RoBERTa family, one label)."""
    path = os.path.join(model_dir, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    c = Config.from_hf_json(cfg)
    if c.arch != "roberta":
        raise ValueError("%s: model_type %r: training supports the RoBERTa family" % (path, cfg.get("model_type")))
    if c.num_labels != 1:
        raise ValueError("%s: %d labels; a Cappy scorer has one output logit" % (path, c.num_labels))
    model = CrossEncoder(c)
    st = os.path.join(model_dir, "model.safetensors")
    state = read_safetensors(st)
    missing, unexpected = model.load_state_dict(state, strict=False)
    # HF checkpoints may carry buffers this module does not have (position_ids).
    unexpected = [k for k in unexpected if not k.endswith("position_ids")]
    if missing or unexpected:
        raise ValueError("%s: tensors do not match the RoBERTa scorer: missing %s, unexpected %s"
                         % (st, missing[:5], unexpected[:5]))
    return model, c, cfg


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def encoder_states(model, ids, mask):
    """The last layer's states of every token (no classification head), for auxiliary objectives."""
    b = model.roberta
    x = b.embeddings(ids, torch.zeros_like(ids))
    additive = (1.0 - mask.to(x.dtype)[:, None, None, :]) * torch.finfo(x.dtype).min
    return b.encoder(x, additive)
