#!/usr/bin/python3
"""Masked-language-model pretraining of a small RoBERTa scorer's encoder, before Cappy training.

Cappy starts from a pretrained RoBERTa; a scorer trained from scratch has no such
start, and with a few minutes of CPU its regression stays on the constant
plateau (it must first learn to relate the response to the instruction). This
gives it RoBERTa's own start, cheaply: MLM on (instruction, gold response) pairs
of the training tasks, in the scorer's pair format <s> A </s></s> B </s>, so that
predicting a masked word of one side teaches attention across the two sides.
RoBERTa's masking: 15% of the text tokens, of which 80% become <mask>, 10% a
random token, 10% stay. The LM head is RoBERTa's (dense, GELU, LayerNorm, a
decoder tied to the word embeddings); it is dropped afterwards, and the
checkpoint written keeps a freshly initialised classification head.

With --damage-aux, a second objective teaches what a complete, well-ordered answer is, which
MLM on a small corpus does not (a scorer pretrained with MLM alone picked a shuffled or cut-off
copy of a definition about as often as the definition: docs/default-model.md). Some pairs get
one part of their second side (a definition or an example, split at "; ") damaged: its words
shuffled, or cut to a prefix; a head on the <s> state tells intact, shuffled and cut-off apart
(the self-supervised word-order objectives of StructBERT and ALBERT's sentence-order prediction
are the same idea). The damage is drawn anew every time a pair is used; MLM covers every pair.
"""

import argparse
import json
import os
import random
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from train import cappy_data, damage_aux, scorer_model, trainer, wordnet_tasks  # noqa: E402
from train.damage_aux import DamageHead, damage_loss, damaged_batch  # noqa: E402
from train.wordnet import WordNet  # noqa: E402
from train.spm_tokenizer import BOS, EOS, PAD, XLMR_CONFIG  # noqa: E402
from train.tokenizers import PairEncoder  # noqa: E402


class LmHead(nn.Module):
    def __init__(self, c, word_embeddings):
        super().__init__()
        self.dense = nn.Linear(c.hidden, c.hidden)
        self.layer_norm = nn.LayerNorm(c.hidden, eps=c.layer_norm_eps)
        self.decoder_weight = word_embeddings.weight  # tied, as in RoBERTa
        self.bias = nn.Parameter(torch.zeros(c.vocab_size))

    def forward(self, x):
        return F.linear(self.layer_norm(F.gelu(self.dense(x))), self.decoder_weight, self.bias)


def mask_tokens(ids, vocab_size, mask_id, rng_t, ratio=0.15):
    """RoBERTa's dynamic masking of the non-special tokens; returns (inputs, targets with -100 elsewhere)."""
    special = (ids == BOS) | (ids == EOS) | (ids == PAD)
    chosen = (torch.rand(ids.shape, generator=rng_t) < ratio) & ~special
    targets = torch.where(chosen, ids, torch.full_like(ids, -100))
    inputs = ids.clone()
    r = torch.rand(ids.shape, generator=rng_t)
    inputs[chosen & (r < 0.8)] = mask_id
    rand_tok = torch.randint(4, vocab_size - 1, ids.shape, generator=rng_t)
    swap = chosen & (r >= 0.8) & (r < 0.9)
    inputs[swap] = rand_tok[swap]
    return inputs, targets


def pretrain(model, c, texts, encode, mask_id, steps, lr, batch_size=32, max_length=128, seed=0, log=print,
             damage_weight=0.0, damage_rate=0.0):
    """MLM; with damage_weight > 0, plus that weight times the damage objective on a `damage_rate`
    share of the pairs (its draws come from their own generator: without it, training is what it was)."""
    rng = random.Random(seed)
    rng_t = torch.Generator().manual_seed(seed)
    head = LmHead(c, model.roberta.embeddings.word_embeddings)
    params = list(model.roberta.parameters()) + [p for n, p in head.named_parameters() if n != "decoder_weight"]
    damage_head, damage_rng = None, None
    if damage_weight > 0:
        damage_head, damage_rng = DamageHead(c), random.Random(seed + 7919)
        params += list(damage_head.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    warmup = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: trainer.linear_warmup(s, steps, warmup))
    encoded = [(encode(a, b, max_length), 0.0) for a, b in texts]
    model.train()
    start, running, running_damage, right, step = time.time(), 0.0, 0.0, 0, 0
    while step < steps:
        for batch in trainer.make_batches(encoded, batch_size, rng):
            if step >= steps:
                break
            if damage_head is None:
                ids, mask, _, _ = trainer.collate(encoded, batch, c.pad_token_id)
            else:
                rows, kinds = damaged_batch(texts, batch, encode, max_length, damage_rate, damage_rng)
                ids, mask, _, _ = trainer.collate(rows, range(len(rows)), c.pad_token_id)
            inputs, targets = mask_tokens(ids, c.vocab_size, mask_id, rng_t)
            h = scorer_model.encoder_states(model, inputs, mask)
            sel = targets != -100
            loss = F.cross_entropy(head(h[sel]), targets[sel])
            mlm_loss = loss.item()
            if damage_head is not None:
                d_loss, d_right = damage_loss(damage_head, h, kinds)
                loss = loss + damage_weight * d_loss
                running_damage += d_loss.item()
                right += d_right
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            running += mlm_loss
            if step % 100 == 0 or step == steps:
                n = 100 if step % 100 == 0 else step % 100
                extra = ""
                if damage_head is not None:
                    extra = " damage loss %.3f accuracy %.3f" % (running_damage / n, right / (n * batch_size))
                log("mlm step %d/%d loss %.3f%s lr %.2e %.0fs" % (step, steps, running / n, extra,
                                                                 sched.get_last_lr()[0], time.time() - start))
                running, running_damage, right = 0.0, 0.0, 0
    model.eval()
    return model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--task-file", help="training tasks: MLM on (instruction, reference) pairs")
    src.add_argument("--wordnet-dir", help="WordNet 3.0 (/usr/share/wordnet): MLM on (lemmas, gloss) pairs of the "
                                           "training-split synsets (wordnet_tasks.training_glosses)")
    ap.add_argument("--heldout-percent", type=int, default=10, help="with --wordnet-dir: wordnet_tasks.py's split")
    ap.add_argument("--tokenizer-dir", required=True)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--intermediate", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--damage-aux", type=damage_aux.weight_arg, default=0.0, metavar="WEIGHT",
                    help="add the damage objective (intact / shuffled / cut-off second side) with this weight")
    ap.add_argument("--damage-rate", type=damage_aux.rate_arg, default=0.4,
                    help="with --damage-aux: the share of pairs damaged, shuffled and cut off alike")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.task_file:
        examples = cappy_data.read_task_file(args.task_file)
        texts = [(ex["instruction"], r) for ex in examples for r in ex["references"][:2]]
        what = "(instruction, reference) pairs of the training tasks"
    else:
        texts = wordnet_tasks.training_glosses(WordNet(args.wordnet_dir), args.heldout_percent)
        what = ("(lemmas, gloss and examples) pairs of the WordNet synsets that have no held-out word "
                "(--heldout-percent %d; held-out words' glosses are not in it)" % args.heldout_percent)
    encode = PairEncoder(args.tokenizer_dir, "roberta")
    model, c = scorer_model.new_scorer(encode.tok.vocab_size, args.hidden, args.layers, args.heads,
                                       args.intermediate, seed=args.seed)
    print("MLM on %d pairs, %d parameters, %d steps, lr %g" % (len(texts), scorer_model.count_parameters(model),
                                                               args.steps, args.lr), flush=True)
    log_lines = []

    def log(line):
        log_lines.append(line)
        print(line, flush=True)

    start = time.time()
    pretrain(model, c, texts, encode, encode.tok.mask_id, args.steps, args.lr, args.batch_size,
             seed=args.seed, log=log, damage_weight=args.damage_aux, damage_rate=args.damage_rate)
    seconds = time.time() - start
    scorer_model.save_checkpoint(model, c, args.out, tokenizer_dir=args.tokenizer_dir, config_overrides=XLMR_CONFIG)
    objective = "masked LM (RoBERTa masking)"
    if args.damage_aux > 0:
        objective += (" and, weight %g, telling intact, shuffled and cut-off glosses apart (%g of the pairs damaged)"
                      % (args.damage_aux, args.damage_rate))
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump({"training": {
            "pretraining": "%s on %d %s, "
                           "%d steps of batch %d, AdamW lr %g, linear schedule with 10%% warm-up, %.1f min; last: %s"
                           % (objective, len(texts), what, args.steps, args.batch_size, args.lr, seconds / 60,
                              log_lines[-1] if log_lines else "")}}, f, indent=1)
    print("wrote %s" % args.out)


if __name__ == "__main__":
    main()
