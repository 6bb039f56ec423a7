#!/usr/bin/python3
"""Evaluate a scorer on held-out WordNet tasks beside the baselines; write docs/default-model.md.

For every held-out example the pool is the gold response and its candidates.
Each method picks the candidate it scores highest (ties broken by a seeded
random choice); per task we report the accuracy of picking the gold and the
ROUGE-L (stemmed, max over references) of the pick. The model is scored by the
native `cappy score` (--cappy BIN --model DIR); --torch-check also scores it with
the training module in PyTorch and reports the largest difference between the two.
"""

import argparse
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from train import baselines  # noqa: E402
from train.rouge import rouge_l_max  # noqa: E402
from train.wordnet_tasks import TASKS  # noqa: E402


def pools(examples, seed):
    """[(example, candidates in a seeded order, index of the gold)]."""
    out = []
    for n, ex in enumerate(examples):
        pool = [ex["gold"]] + ex["candidates"]
        random.Random("%d/%d" % (seed, n)).shuffle(pool)
        out.append((ex, pool, pool.index(ex["gold"])))
    return out


def cappy_scores(cappy, model, items):
    lines = "".join(json.dumps({"instruction": ex["instruction"], "responses": pool}, ensure_ascii=False) + "\n"
                    for ex, pool, _ in items)
    r = subprocess.run([cappy, "score", "--model", model], input=lines.encode("utf-8"),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if r.returncode != 0:
        raise RuntimeError("cappy score failed (%d): %s" % (r.returncode, r.stderr.decode()[-2000:]))
    out = [json.loads(l)["scores"] for l in r.stdout.decode("utf-8").splitlines() if l.strip()]
    if len(out) != len(items):
        raise RuntimeError("cappy score returned %d lines for %d inputs" % (len(out), len(items)))
    return out


def torch_scores(model_dir, items):
    import torch
    from train import scorer_model
    from train.tokenizers import PairEncoder
    model, c, _ = scorer_model.load_scorer(model_dir)
    model.eval()
    encode = PairEncoder(model_dir, "roberta")
    out = []
    with torch.no_grad():
        for ex, pool, _ in items:
            scores = []
            for cand in pool:
                ids = torch.tensor([encode(ex["instruction"], cand, 512)])
                scores.append(float(model(ids, torch.ones_like(ids), torch.zeros_like(ids))[0, 0]))
            out.append(scores)
    return out


def pick(scores, rng):
    best = max(scores)
    return rng.choice([i for i, s in enumerate(scores) if s == best])


def evaluate(items, method_scores, seed):
    """{method: {task: (accuracy, mean ROUGE-L of the pick, n)}}; method_scores: name -> per-item scores."""
    results = {}
    for name, all_scores in method_scores.items():
        rng = random.Random(seed)
        per_task = {}
        for (ex, pool, gold), scores in zip(items, all_scores):
            if name == "random":  # exact expectation of a uniform pick
                acc = 1.0 / len(pool)
                rouge = sum(rouge_l_max(c, ex["references"]) for c in pool) / len(pool)
            else:
                i = pick(scores, rng)
                acc = float(i == gold)
                rouge = rouge_l_max(pool[i], ex["references"])
            per_task.setdefault(ex["task"], []).append((acc, rouge))
        results[name] = {t: (sum(a for a, _ in v) / len(v), sum(r for _, r in v) / len(v), len(v))
                         for t, v in per_task.items()}
    return results


def run(heldout, cappy, model, seed=0, torch_check=False):
    with open(heldout, encoding="utf-8") as f:
        examples = [json.loads(l) for l in f if l.strip()]
    items = pools(examples, seed)
    corpus = [c for _, pool, _ in items for c in pool]
    bm25 = baselines.BM25(corpus)
    methods = {"random": [None] * len(items)}
    for name, fn in (("longest", baselines.longest), ("overlap", baselines.overlap), ("bm25", bm25)):
        methods[name] = [fn(ex["instruction"], pool) for ex, pool, _ in items]
    # Without a cappy binary (development only) the model is scored in PyTorch.
    methods["cappy-mini"] = cappy_scores(cappy, model, items) if cappy else torch_scores(model, items)
    check = None
    if torch_check and cappy:
        ref = torch_scores(model, items)
        check = max(abs(a - b) for x, y in zip(ref, methods["cappy-mini"]) for a, b in zip(x, y))
    return evaluate(items, methods, seed), check


METHODS = ("random", "longest", "overlap", "bm25", "cappy-mini")


def markdown_tables(results):
    tasks = [t for t in TASKS if t in results["random"]]
    lines = []
    for metric, k in (("Accuracy of picking the gold", 0), ("ROUGE-L of the pick", 1)):
        lines += ["", "**%s**" % metric, "",
                  "| task | n | " + " | ".join(METHODS) + " |",
                  "|---|---:|" + "---:|" * len(METHODS)]
        for t in tasks + ["mean"]:
            if t == "mean":
                vals = [sum(results[m][x][k] for x in tasks) / len(tasks) for m in METHODS]
                n = sum(results["random"][x][2] for x in tasks)
            else:
                vals = [results[m][t][k] for m in METHODS]
                n = results["random"][t][2]
            best = max(vals)
            cells = [("**%.3f**" if v == best else "%.3f") % v for v in vals]
            lines.append("| %s | %d | %s |" % (t, n, " | ".join(cells)))
    return lines


def verdict(results):
    tasks = [t for t in TASKS if t in results["random"]]
    lines = []
    for t in tasks:
        mine = results["cappy-mini"][t][0]
        best_name = max((m for m in METHODS if m != "cappy-mini"), key=lambda m: results[m][t][0])
        best = results[best_name][t][0]
        if mine > best:
            lines.append("- %s: cappy-mini %.3f beats the best baseline (%s, %.3f) by %.3f."
                         % (t, mine, best_name, best, mine - best))
        else:
            lines.append("- %s: cappy-mini %.3f does **not** beat %s (%.3f)." % (t, mine, best_name, best))
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--heldout", required=True)
    ap.add_argument("--cappy", help="the cappy binary (build/bin/cappy); without it, PyTorch scores (development)")
    ap.add_argument("--model", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--torch-check", action="store_true")
    ap.add_argument("--json", help="write the raw results here")
    args = ap.parse_args(argv)
    results, check = run(args.heldout, args.cappy, args.model, args.seed, args.torch_check)
    for line in markdown_tables(results) + [""] + verdict(results):
        print(line)
    if check is not None:
        print("\nlargest |cappy - torch| score difference: %.2e" % check)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "torch_check": check}, f, indent=1)


if __name__ == "__main__":
    main()
