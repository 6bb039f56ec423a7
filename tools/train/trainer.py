#!/usr/bin/python3
"""Train a Cappy scorer: MSE regression of its single logit to the Cappy labels.

Cappy's recipe: AdamW, weight decay 0, a linear schedule with 10% warm-up, max
length 512, 1 epoch, lr 2e-5 to fine-tune a pretrained scorer (--init DIR); a
small scorer trained from scratch (--scratch) takes a higher lr. Input: a task
file (--task-file, labelled by cappy_data.py) or prebuilt pairs (--pairs, JSON
Lines {instruction, response, label}). Output: an HF checkpoint directory that
`cappy` reads (config.json, model.safetensors, the tokenizer files).

    /usr/bin/python3 tools/train/trainer.py --task-file tasks.jsonl --init path/to/cappy \\
        --out path/to/finetuned
"""

import argparse
import json
import math
import os
import random
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from train import cappy_data, damage_aux, match_aux, scorer_model  # noqa: E402
from train.spm_tokenizer import XLMR_CONFIG, MODEL_FILE  # noqa: E402
from train.tokenizers import PairEncoder  # noqa: E402


def read_pairs(path):
    pairs = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            d = json.loads(line)
            if not (isinstance(d.get("instruction"), str) and isinstance(d.get("response"), str)
                    and isinstance(d.get("label"), (int, float))):
                raise ValueError("%s:%d: needs string instruction/response and a numeric label" % (path, n))
            pairs.append((d["instruction"], d["response"], float(d["label"])))
    return pairs


def make_batches(encoded, batch_size, rng):
    """Batches of similar length (less padding): shuffle, sort within windows of 50 batches, shuffle batches."""
    order = list(range(len(encoded)))
    rng.shuffle(order)
    window = batch_size * 50
    batches = []
    for w in range(0, len(order), window):
        chunk = sorted(order[w:w + window], key=lambda i: len(encoded[i][0]))
        batches += [chunk[b:b + batch_size] for b in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(encoded, batch, pad_id):
    longest = max(len(encoded[i][0]) for i in batch)
    ids = torch.full((len(batch), longest), pad_id, dtype=torch.int64)
    mask = torch.zeros((len(batch), longest), dtype=torch.int64)
    for row, i in enumerate(batch):
        x = encoded[i][0]
        ids[row, :len(x)] = torch.tensor(x)
        mask[row, :len(x)] = 1
    labels = torch.tensor([encoded[i][1] for i in batch], dtype=torch.float32)
    return ids, mask, torch.zeros_like(ids), labels


def linear_warmup(step, total, warmup):
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (total - step) / max(1, total - warmup))


def train(model, c, pairs, encode, lr, epochs=1, batch_size=32, max_length=512, warmup_ratio=0.1,
          seed=0, log_every=50, log=print, match_weight=0.0, damage_weight=0.0, damage_texts=(), damage_rate=0.6,
          damage_rows=None):
    """Cappy's regression; with match_weight > 0, plus that weight times match_aux's objective
    (which tokens occur on the other side of the pair) on the first layer's states; with
    damage_weight > 0, plus that weight times damage_aux's objective on `damage_rows` rows of
    `damage_texts` per step (default a quarter of the batch), a `damage_rate` share of them
    damaged (its own generator)."""
    damage_rows = damage_rows_per_step(batch_size, damage_rows)
    rng = random.Random(seed)
    torch.manual_seed(seed)
    encoded = [(encode(a, b, max_length), y) for a, b, y in pairs]
    steps_per_epoch = math.ceil(len(encoded) / batch_size)
    total = steps_per_epoch * epochs
    warmup = max(1, int(total * warmup_ratio))
    params = list(model.parameters())
    head = None
    if match_weight > 0:
        head = match_aux.MatchHead(c.hidden)
        params += list(head.parameters())
    damage_head, damage_rng = None, None
    if damage_weight > 0:
        damage_head, damage_rng = damage_aux.DamageHead(c), random.Random(seed + 7919)
        params += list(damage_head.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: linear_warmup(s, total, warmup))
    model.train()
    step, start, running, running_match, running_damage, right = 0, time.time(), 0.0, 0.0, 0.0, 0
    for epoch in range(epochs):
        for batch in make_batches(encoded, batch_size, rng):
            ids, mask, types, labels = collate(encoded, batch, c.pad_token_id)
            if head is None:
                logits = model(ids, mask, types)[:, 0]
                loss = torch.nn.functional.mse_loss(logits, labels)
                match_loss = None
            else:
                logits, states = match_aux.forward_with_states(model, ids, mask, types)
                loss = torch.nn.functional.mse_loss(logits[:, 0], labels)
                match_loss = head.loss(states[0], match_aux.match_targets(ids, c.pad_token_id))
            running += loss.item()
            if match_loss is not None:
                running_match += match_loss.item()
                loss = loss + match_weight * match_loss
            if damage_head is not None:
                pick = [damage_rng.randrange(len(damage_texts)) for _ in range(damage_rows)]
                rows, kinds = damage_aux.damaged_batch(damage_texts, pick, encode, max_length, damage_rate, damage_rng)
                d_ids, d_mask, _, _ = collate(rows, range(len(rows)), c.pad_token_id)
                d_loss, d_right = damage_aux.damage_loss(damage_head, scorer_model.encoder_states(model, d_ids, d_mask),
                                                         kinds)
                running_damage += d_loss.item()
                right += d_right / len(rows)
                loss = loss + damage_weight * d_loss
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % log_every == 0 or step == total:
                n = log_every if step % log_every == 0 else step % log_every
                log("step %d/%d epoch %d loss %.4f%s%s lr %.2e %.0fs"
                    % (step, total, epoch, running / n,
                       " match %.4f" % (running_match / n) if head is not None else "",
                       " damage %.4f accuracy %.3f" % (running_damage / n, right / n) if damage_head else "",
                       sched.get_last_lr()[0], time.time() - start))
                running, running_match, running_damage, right = 0.0, 0.0, 0.0, 0
    model.eval()
    return model


def damage_rows_per_step(batch_size, rows=None):
    """--damage-rows, or its default: a quarter of the batch."""
    return rows or max(1, batch_size // 4)


def positive_int(text):
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more, not %s" % text)
    return n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--task-file", help="JSON Lines {instruction, references, candidates?, task?}")
    src.add_argument("--pairs", help="JSON Lines {instruction, response, label}")
    init = ap.add_mutually_exclusive_group(required=True)
    init.add_argument("--init", help="checkpoint directory to fine-tune (RoBERTa/XLM-R family, 1 label)")
    init.add_argument("--scratch", action="store_true", help="train a new scorer (needs --tokenizer-dir)")
    ap.add_argument("--tokenizer-dir", help="with --scratch: a directory with %s (spm_tokenizer.py)" % MODEL_FILE)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--intermediate", type=int, default=1024)
    ap.add_argument("--lr", type=float, help="default 2e-5 with --init, 5e-4 with --scratch")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=512)
    ap.add_argument("--max-pairs", type=int, help="train on a seeded sample of this many pairs")
    ap.add_argument("--match-aux", type=float, default=0.0, metavar="WEIGHT",
                    help="add WEIGHT x match_aux.py's objective (which tokens occur on the other side of the "
                         "pair, after the first layer; for a small scorer trained from scratch); default 0")
    ap.add_argument("--damage-aux", type=damage_aux.weight_arg, default=0.0, metavar="WEIGHT",
                    help="add WEIGHT x damage_aux.py's objective (tell intact, shuffled and cut-off gold answers "
                         "apart, on --damage-rows of them per step); default 0")
    ap.add_argument("--damage-rows", type=positive_int, help="with --damage-aux: rows per step (default a quarter "
                    "of --batch-size)")
    ap.add_argument("--damage-rate", type=damage_aux.rate_arg, default=0.6, help="with --damage-aux: the share damaged")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1: the machine is shared)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    try:
        if args.task_file:
            pairs = cappy_data.build_pairs(cappy_data.read_task_file(args.task_file), args.seed)
        else:
            pairs = read_pairs(args.pairs)
    except (ValueError, OSError) as e:
        sys.exit("error: %s" % e)
    if args.max_pairs and len(pairs) > args.max_pairs:
        pairs = random.Random(args.seed).sample(pairs, args.max_pairs)

    if args.init:
        model, c, cfg = scorer_model.load_scorer(args.init)
        tok_dir, overrides = args.init, {k: cfg[k] for k in ("model_type", "architectures") if k in cfg}
        lr = args.lr or 2e-5
    else:
        if not args.tokenizer_dir:
            sys.exit("error: --scratch needs --tokenizer-dir")
        tok_dir, overrides = args.tokenizer_dir, XLMR_CONFIG
        lr = args.lr or 5e-4
    encode = PairEncoder(tok_dir, "roberta")
    if args.scratch:
        vocab = encode.tok.vocab_size
        model, c = scorer_model.new_scorer(vocab, args.hidden, args.layers, args.heads, args.intermediate,
                                           seed=args.seed)
    print("%d pairs, %d parameters, lr %g, %d epoch(s), batch %d"
          % (len(pairs), scorer_model.count_parameters(model), lr, args.epochs, args.batch_size), flush=True)
    log_lines = []

    def log(line):
        log_lines.append(line)
        print(line, flush=True)

    start = time.time()
    train(model, c, pairs, encode, lr, args.epochs, args.batch_size, args.max_length, seed=args.seed, log=log,
          match_weight=args.match_aux, damage_weight=args.damage_aux,
          damage_texts=damage_aux.damageable_pairs(pairs) if args.damage_aux > 0 else (),
          damage_rate=args.damage_rate, damage_rows=args.damage_rows)
    seconds = time.time() - start
    scorer_model.save_checkpoint(model, c, args.out, tokenizer_dir=tok_dir, config_overrides=overrides)
    auxiliary = []
    if args.match_aux > 0:
        auxiliary.append("%g x which tokens occur on the other side of the pair, after the first layer "
                         "(tools/train/match_aux.py; its head is not exported)" % args.match_aux)
    if args.damage_aux > 0:
        auxiliary.append("%g x telling intact, shuffled and cut-off gold answers apart (%d per step, %g of them "
                         "damaged; tools/train/damage_aux.py; its head is not exported)"
                         % (args.damage_aux, damage_rows_per_step(args.batch_size, args.damage_rows), args.damage_rate))
    info = {
        "model": {
            "architecture": "%s (model_type %s)" % (overrides.get("architectures", ["?"])[0],
                                                   overrides.get("model_type", c.arch)),
            "parameters": scorer_model.count_parameters(model),
            "shape": "%d layers, hidden %d, %d heads, intermediate %d, vocabulary %d, max positions %d"
                     % (c.layers, c.hidden, c.heads, c.intermediate, c.vocab_size, c.max_position),
            "start": "fine-tuned from %s" % args.init if args.init else "trained from scratch (HF initialisation)",
        },
        "training": {
            "data": args.task_file or args.pairs,
            "pairs": len(pairs),
            "objective": "MSE of the single logit to the Cappy label (gold 1, same-task random 0, candidates ROUGE-L)",
            "optimizer": "AdamW, lr %g, weight decay 0, linear schedule with 10%% warm-up, grad-norm clip 1.0" % lr,
            "auxiliary objective": "; ".join(auxiliary) or "none",
            "epochs": args.epochs, "batch size": args.batch_size, "max length": args.max_length,
            "seed": args.seed, "torch threads": args.threads,
            "wall time": "%.1f min (torch %s)" % (seconds / 60, torch.__version__),
            "loss": log_lines[-1] if log_lines else "",
        },
    }
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump(info, f, indent=1)
    print("wrote %s" % args.out)


if __name__ == "__main__":
    main()
