#!/usr/bin/python3
"""Why a Cappy scorer learns or not: the measurements behind docs/default-model.md, reproducible.

    labels    the training pairs per task and candidate kind (gold, same-task random, related,
              truncated gold, shuffled gold): count and mean Cappy label, and the labels'
              variance, which is the MSE of a constant predictor (the plateau to beat)
    collapse  a checkpoint's scores on the held-out pools (PyTorch): accuracy per task and the
              spread of scores within a pool; near 0 means a constant predictor
    surface   a least-squares model of the Cappy label on surface features of (instruction,
              candidate), fitted per task on training pools: its accuracy of picking the held-out
              gold shows what signal a scorer can find without knowing what words mean
    overfit   a fresh small scorer trained for many epochs on a few pairs: if the training loss
              does not fall far below the labels' variance, the training loop itself is broken

    /usr/bin/python3 tools/train/diagnose.py labels --tasks build/cappy-mini/tasks
"""

import argparse
import collections
import json
import math
import os
import random
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from train import baselines, cappy_data  # noqa: E402
from train.rouge import rouge_l_max, tokenize  # noqa: E402


def candidate_kind(candidate, gold):
    """How wordnet_tasks.py made a candidate: 'shuffled' / 'truncated' gold, else 'related'."""
    if candidate != gold and sorted(candidate.split()) == sorted(gold.split()):
        return "shuffled"
    if candidate != gold and gold.startswith(candidate):
        return "truncated"
    return "related"


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def label_stats(rows, seed=0):
    """({task: {kind: (count, mean label)}}, mean label, variance) of the Cappy pairs of task rows."""
    kinds = collections.defaultdict(lambda: collections.defaultdict(list))
    for r in rows:
        kinds[r["task"]]["gold"] += [1.0] * len(r["references"])
        for c in r["candidates"]:
            kinds[r["task"]][candidate_kind(c, r["gold"])].append(rouge_l_max(c, r["references"]))
    examples = [cappy_data.parse_example(json.dumps(r), "row %d" % n) for n, r in enumerate(rows)]
    pairs = cappy_data.build_pairs(examples, seed)
    # The same-task random responses: pairs labelled 0 that are not candidates.
    cands = {(r["instruction"], c) for r in rows for c in r["candidates"]}
    task_of = {r["instruction"]: r["task"] for r in rows}
    for ins, resp, label in pairs:
        if label == 0.0 and (ins, resp) not in cands:
            kinds[task_of[ins]]["random"].append(0.0)
    labels = [p[2] for p in pairs]
    stats = {t: {k: (len(v), statistics.mean(v)) for k, v in d.items()} for t, d in kinds.items()}
    return stats, statistics.mean(labels), statistics.pvariance(labels)


def pools(rows, seed=0):
    """[(row, candidates with the gold, index of the gold)], the pool order seeded as evaluate.py does."""
    out = []
    for n, r in enumerate(rows):
        pool = [r["gold"]] + r["candidates"]
        random.Random("%d/%d" % (seed, n)).shuffle(pool)
        out.append((r, pool, pool.index(r["gold"])))
    return out


def pick_accuracy(items, scores):
    """{task: accuracy of the top score being the gold}, ties counted as a uniform pick among them."""
    acc = collections.defaultdict(list)
    for (r, pool, gold), s in zip(items, scores):
        best = max(s)
        ties = [i for i, v in enumerate(s) if v == best]
        acc[r["task"]].append(1.0 / len(ties) if gold in ties else 0.0)
    return {t: sum(v) / len(v) for t, v in acc.items()}


def within_pool_spread(scores):
    """Mean over pools of the standard deviation of the scores within a pool."""
    return statistics.mean(statistics.pstdev(s) for s in scores)


def surface_features(instruction, candidate, bm25):
    query, doc = set(tokenize(instruction)), tokenize(candidate)
    shared = len(query & set(doc))
    return [1.0, shared, shared / max(1, len(set(doc))), bm25(instruction, [candidate])[0],
            math.log1p(len(candidate)), len(doc), float(candidate.lower() in instruction.lower()),
            float(candidate[:1].isupper()), float(candidate.endswith(".")), float(len(doc) == 1)]


def surface_model(train_rows, heldout_rows):
    """{task: held-out accuracy} of per-task least squares of the Cappy label on surface_features."""
    import numpy as np
    bm25 = baselines.BM25([t for r in train_rows + heldout_rows for t in [r["gold"]] + r["candidates"]])

    def design(rows):
        x, y, where = [], [], []
        for n, (r, pool, gold) in enumerate(pools(rows)):
            for i, c in enumerate(pool):
                x.append(surface_features(r["instruction"], c, bm25))
                y.append(1.0 if i == gold else rouge_l_max(c, r["references"]))
                where.append((r["task"], n))
        return np.array(x), np.array(y), where

    xt, yt, wt = design(train_rows)
    xh, _, wh = design(heldout_rows)
    items, out = pools(heldout_rows), {}
    for task in sorted({t for t, _ in wh}):
        mt = np.array([t == task for t, _ in wt])
        mh = np.array([t == task for t, _ in wh])
        mu, sd = xt[mt].mean(0), xt[mt].std(0) + 1e-9
        mu[0], sd[0] = 0.0, 1.0  # the constant column
        w = np.linalg.lstsq((xt[mt] - mu) / sd, yt[mt], rcond=None)[0]
        predicted = ((xh[mh] - mu) / sd) @ w
        per_pool = collections.defaultdict(list)
        for (_, n), v in zip([x for x, m in zip(wh, mh) if m], predicted):
            per_pool[n].append(float(v))
        chosen = [items[n] for n in sorted(per_pool)]
        out[task] = pick_accuracy(chosen, [per_pool[n] for n in sorted(per_pool)])[task]
    return out


def torch_pool_scores(model, encode, items, pad_id):
    import torch
    out = []
    with torch.no_grad():
        for r, pool, _ in items:
            enc = [encode(r["instruction"], c, 512) for c in pool]
            ids = torch.full((len(enc), max(map(len, enc))), pad_id, dtype=torch.int64)
            mask = torch.zeros_like(ids)
            for i, e in enumerate(enc):
                ids[i, :len(e)] = torch.tensor(e)
                mask[i, :len(e)] = 1
            out.append(model(ids, mask, torch.zeros_like(ids))[:, 0].tolist())
    return out


def overfit(pairs, encode, vocab_size, epochs, lr=1e-3, hidden=128, layers=2, seed=0, log=print):
    """(model, config, first logged loss, last logged loss) of a fresh scorer trained `epochs` times over `pairs`."""
    from train import scorer_model, trainer
    model, c = scorer_model.new_scorer(vocab_size, hidden, layers, max(1, hidden // 32), hidden * 4, seed=seed)
    losses = []

    def record(line):
        losses.append(float(line.split(" loss ")[1].split()[0]))
        log(line)

    trainer.train(model, c, pairs, encode, lr, epochs=epochs, batch_size=32, max_length=128, seed=seed,
                  log_every=10, log=record)
    return model, c, losses[0], losses[-1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=("labels", "collapse", "surface", "overfit"))
    ap.add_argument("--tasks", required=True, help="directory with train.jsonl and heldout.jsonl (wordnet_tasks.py)")
    ap.add_argument("--model", help="collapse: checkpoint directory; overfit: a directory with its tokenizer")
    ap.add_argument("--train-examples", type=int, default=8000, help="surface: training examples fitted")
    ap.add_argument("--pairs", type=int, default=1000, help="overfit: pairs")
    ap.add_argument("--epochs", type=int, default=10, help="overfit: epochs")
    args = ap.parse_args(argv)
    train_rows = read_jsonl(os.path.join(args.tasks, "train.jsonl"))
    heldout_rows = read_jsonl(os.path.join(args.tasks, "heldout.jsonl"))
    if args.what == "labels":
        stats, mean, var = label_stats(train_rows)
        print("label mean %.3f, variance %.4f (the MSE of a constant predictor)" % (mean, var))
        for task, kinds in stats.items():
            print("%-10s %s" % (task, "  ".join("%s %d x %.3f" % (k, n, m) for k, (n, m) in sorted(kinds.items()))))
    elif args.what == "surface":
        rows = list(train_rows)
        random.Random(0).shuffle(rows)
        for task, acc in surface_model(rows[:args.train_examples], heldout_rows).items():
            print("%-10s held-out accuracy %.3f" % (task, acc))
    else:
        if not args.model:
            sys.exit("error: %s needs --model" % args.what)
        import torch
        from train import scorer_model
        from train.tokenizers import PairEncoder
        torch.set_num_threads(1)
        encode = PairEncoder(args.model, "roberta")
        items = pools(heldout_rows)
        if args.what == "collapse":
            model, c, _ = scorer_model.load_scorer(args.model)
            model.eval()
        else:
            examples = [cappy_data.parse_example(json.dumps(r), "row") for r in train_rows]
            pairs = random.Random(0).sample(cappy_data.build_pairs(examples), args.pairs)
            mean = statistics.mean(p[2] for p in pairs)
            print("%d pairs, label variance %.4f" % (len(pairs), statistics.pvariance([p[2] for p in pairs], mean)))
            model, c, first, last = overfit(pairs, encode, encode.tok.vocab_size, args.epochs)
            print("training loss %.4f -> %.4f; on held-out pools:" % (first, last))
        scores = torch_pool_scores(model, encode, items, c.pad_token_id)
        print("within-pool spread of scores %.4f" % within_pool_spread(scores))
        for task, acc in pick_accuracy(items, scores).items():
            print("%-10s held-out accuracy %.3f" % (task, acc))


if __name__ == "__main__":
    main()
