#!/usr/bin/python3
"""Evaluate a scorer on held-out WordNet tasks beside the baselines; write docs/default-model.md.

For every held-out example the pool is the gold response and its candidates.
Each method picks the candidate it scores highest (a tie counts as a uniform
pick among the tied candidates, in expectation); per task we report the accuracy of picking the gold and the
ROUGE-L (stemmed, max over references) of the pick. The model is scored by the
native `cappy score` (--cappy BIN --model DIR); --torch-check also scores it with
the training module in PyTorch and reports the largest difference between the two.
"""

import argparse
import json
import math
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


def tied_best(scores):
    """The indices of the highest score: a tie is a uniform pick among them."""
    best = max(scores)
    return [i for i, s in enumerate(scores) if s == best]


def evaluate(items, method_scores, seed):
    """{method: {task: (accuracy, mean ROUGE-L of the pick, n, [accuracy of each example])}};
    method_scores: name -> per-item scores. The per-example accuracies (in item order, the same
    for every method) give the paired standard error of a difference (paired_difference)."""
    results = {}
    for name, all_scores in method_scores.items():
        per_task = {}
        for (ex, pool, gold), scores in zip(items, all_scores):
            if name == "random":  # exact expectation of a uniform pick
                acc = 1.0 / len(pool)
                rouge = sum(rouge_l_max(c, ex["references"]) for c in pool) / len(pool)
            else:
                # The expectation over the tied picks, not one seeded draw: overlap and BM25 tie
                # often (a shuffled gold has the gold's words), and a draw adds noise to them.
                ties = tied_best(scores)
                acc = float(gold in ties) / len(ties)
                rouge = sum(rouge_l_max(pool[i], ex["references"]) for i in ties) / len(ties)
            per_task.setdefault(ex["task"], []).append((acc, rouge))
        results[name] = {t: (sum(a for a, _ in v) / len(v), sum(r for _, r in v) / len(v), len(v),
                             [a for a, _ in v])
                         for t, v in per_task.items()}
    return results


def paired_difference(mine, other):
    """(mean difference, its standard error) of two methods' accuracies on the same examples:
    the standard deviation of the per-example differences over sqrt(n). Pairing removes what the
    examples share (an easy pool is easy for both), so it is tighter than an unpaired error."""
    d = [a - b for a, b in zip(mine, other)]
    n = len(d)
    mean = sum(d) / n
    var = sum((x - mean) ** 2 for x in d) / max(1, n - 1)
    return mean, math.sqrt(var / n)


def run(heldout, cappy, model, seed=0, torch_check=False, torch_model=None):
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
        # The native runtime on the f32 checkpoint against the PyTorch module it was trained as,
        # and the shipped (q8) model against the f32 one.
        f32_dir = torch_model or model
        ref = torch_scores(f32_dir, items)
        f32 = cappy_scores(cappy, f32_dir, items)
        diff = lambda p, q: max(abs(a - b) for x, y in zip(p, q) for a, b in zip(x, y))
        same_pick = sum(max(range(len(a)), key=a.__getitem__) == max(range(len(b)), key=b.__getitem__)
                        for a, b in zip(f32, methods["cappy-mini"])) / len(items)
        check = {"cappy_f32_vs_torch": diff(f32, ref), "q8_vs_f32": diff(methods["cappy-mini"], f32),
                 "q8_same_pick_as_f32": same_pick}
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


BASELINES = tuple(m for m in METHODS if m != "cappy-mini")


def margins(results, task):
    """[(baseline, its accuracy, cappy-mini's minus it, paired standard error)], best baseline first."""
    mine = results["cappy-mini"][task]
    out = []
    for m in BASELINES:
        diff, se = paired_difference(mine[3], results[m][task][3])
        out.append((m, results[m][task][0], diff, se))
    return sorted(out, key=lambda x: -x[1])


def is_clear(diff, se):
    """A clear win: a difference above two paired standard errors (about 97.7% one-sided)."""
    return diff > 2 * se


def verdict(results):
    tasks = [t for t in TASKS if t in results["random"]]
    lines = []
    for t in tasks:
        mine = results["cappy-mini"][t][0]
        ms = margins(results, t)
        best_name, best, diff, se = ms[0]
        weakest = min(ms, key=lambda x: x[2] - 2 * x[3])
        if all(is_clear(d, e) for _, _, d, e in ms):
            lines.append("- %s: cappy-mini %.3f clearly beats every baseline; the best (%s, %.3f) by %+.3f "
                         "(paired standard error %.3f, %.1f SE)." % (t, mine, best_name, best, diff, se, diff / se))
        elif diff > 0:
            lines.append("- %s: cappy-mini %.3f is above the best baseline (%s, %.3f) by %+.3f, but not clearly: "
                         "against %s the difference is %+.3f with a paired standard error of %.3f (%.1f SE, "
                         "a clear win needs 2)." % (t, mine, best_name, best, diff, weakest[0], weakest[2],
                                                    weakest[3], weakest[2] / weakest[3] if weakest[3] else 0.0))
        else:
            lines.append("- %s: cappy-mini %.3f does **not** beat %s (%.3f): %+.3f, paired standard error %.3f."
                         % (t, mine, best_name, best, diff, se))
    return lines


def clear_wins(results):
    """The tasks on which cappy-mini beats every baseline by more than two paired standard errors."""
    tasks = [t for t in TASKS if t in results["random"]]
    return [t for t in tasks if all(is_clear(d, e) for _, _, d, e in margins(results, t))]


def summary(results):
    tasks = [t for t in TASKS if t in results["random"]]
    mean = {m: sum(results[m][t][0] for t in tasks) / len(tasks) for m in METHODS}
    best_name = max((m for m in METHODS if m != "cappy-mini"), key=mean.get)
    wins = clear_wins(results)
    rest = [t for t in tasks if t not in wins]
    line = ("Mean accuracy over the tasks: cappy-mini %.3f, random %.3f, best baseline %s %.3f. "
            % (mean["cappy-mini"], mean["random"], best_name, mean[best_name]))
    if not rest:
        line += "cappy-mini clearly beats every baseline on every task."
    else:
        line += ("cappy-mini clearly beats every baseline on %d of the %d tasks (%s); not on %s: "
                 "the goal (every task) is not reached yet."
                 % (len(wins), len(tasks), ", ".join(wins) or "none", ", ".join(rest)))
    return [line]


def write_doc(path, results, check, info, heldout, model, notes=None):
    """docs/default-model.md: what cappy-mini is, how it was made, and how it compares."""
    tasks = [t for t in TASKS if t in results["random"]]
    lines = ["# cappy-mini, the default model", "",
             "<!-- Written by tools/train/evaluate.py (scripts/train-mini); edit the script, not this file. -->", "",
             "cappy-mini is a small RoBERTa-style Cappy scorer trained on this repository's machine with",
             "Cappy's recipe on instruction tasks made from WordNet 3.0 (Debian `wordnet-base`). It is",
             "what `cappy` (every command, and the server) and `scripts/quickstart` use when no model is",
             "given (`cappy score --help`). `scripts/train-mini` reproduces it",
             "end to end (tasks, tokenizer, masked-LM pretraining, training, q8 bundle, this page).", "",
             "## The model", ""]
    for key, value in info.get("model", {}).items():
        lines.append("- %s: %s" % (key, value))
    lines += ["", "## How it was trained", ""]
    for key, value in info.get("training", {}).items():
        lines.append("- %s: %s" % (key, value))
    lines += ["", "## Evaluation on held-out words", "",
              "Held-out examples (`%s`) are about words that never occur in training, neither as the" % os.path.basename(heldout),
              "word asked about nor as a one-word answer (split by a hash of the word). For each",
              "example the pool is the gold response and its candidates of graded quality (other senses",
              "of the same word, related words and their glosses or examples, truncated and shuffled",
              "gold answers); each method picks the candidate it scores highest, a tie counting as a",
              "uniform pick among the tied (its expectation, not a draw). Accuracy is how often the pick is the gold; ROUGE-L is the stemmed ROUGE-L F of",
              "the pick against the references (what Cappy's labels measure). `random` is the exact",
              "expectation of a uniform pick. `longest` picks the longest text, `overlap` the one sharing",
              "most (stemmed) words with the instruction, `bm25` the best Okapi BM25 match of the",
              "instruction (k1 1.2, b 0.75, statistics over all pools). cappy-mini is scored by the native",
              "`cappy score` on `%s` as `cappy` runs it by default (a q8 bundle with the activation" % model,
              "width it records, else the CPU's fastest: `docs/accuracy.md`).", "",
              "A clear win on a task means cappy-mini's accuracy exceeds every baseline's by more than two",
              "standard errors of the difference, paired over the same examples (the standard deviation of",
              "the per-example differences over the square root of n). On 1,000 examples that error is",
              "about 0.015 to 0.02 against a baseline that is right on different examples."]
    lines += markdown_tables(results)
    lines += ["", "## Where it wins and where it does not", ""] + verdict(results)
    lines += ["", "## Summary", ""] + summary(results)
    if notes:
        lines += ["", notes.strip()]
    if check is not None:
        lines += ["", "Checks: on every scored pair, `cappy score` on the f32 checkpoint agrees with the PyTorch",
                  "module it was trained as within %.1e (largest difference); the q8 bundle's scores differ"
                  % check["cappy_f32_vs_torch"],
                  "from the f32 ones by at most %.3f and pick the same candidate in %.1f%% of the examples."
                  % (check["q8_vs_f32"], 100 * check["q8_same_pick_as_f32"])]
    lines += [""] + info.get("notes", [])
    lines += ["", "## Training a scorer on your own task", "",
              "A task file is JSON Lines `{\"instruction\", \"references\": [...], \"candidates\": [...] (optional),",
              "\"task\" (optional)}`. The trainer turns it into Cappy's pairs (`tools/train/cappy_data.py`: every",
              "reference 1.0, a reference of another example of the same task 0.0, every candidate its",
              "ROUGE-L against the references) and writes a checkpoint directory that `cappy` reads:", "",
              "```sh",
              "# fine-tune an existing scorer (RoBERTa/XLM-R family, one logit): Cappy's lr 2e-5, 1 epoch",
              "/usr/bin/python3 tools/train/trainer.py --task-file my-task.jsonl --init path/to/scorer --out my-scorer",
              "build/bin/cappy convert my-scorer -o my-scorer.cappy --dtype q8",
              "```", "",
              "`--threads N` uses more cores (default 1); with Debian's torch, set",
              "`LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-serial` (package `libopenblas0-serial`):",
              "torch otherwise multiplies matrices with the reference BLAS, about 20 times slower here."]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines).rstrip() + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--heldout", required=True)
    ap.add_argument("--cappy", help="the cappy binary (build/bin/cappy); without it, PyTorch scores (development)")
    ap.add_argument("--model", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--torch-check", action="store_true")
    ap.add_argument("--json", help="write the raw results here")
    ap.add_argument("--doc", help="write the evaluation page (docs/default-model.md) here")
    ap.add_argument("--info", nargs="+", help="JSON files {model: {...}, training: {...}, notes: [...]} for --doc")
    ap.add_argument("--notes", help="a hand-written Markdown file (what was tried, what limits the model) "
                                    "that --doc includes after the summary")
    ap.add_argument("--torch-model", help="the f32 checkpoint directory for --torch-check (default --model)")
    args = ap.parse_args(argv)
    results, check = run(args.heldout, args.cappy, args.model, args.seed, args.torch_check, args.torch_model)
    for line in markdown_tables(results) + [""] + verdict(results) + [""] + summary(results):
        print(line)
    if check is not None:
        print("\nchecks: %s" % json.dumps(check))
    if args.doc:
        info = {"model": {}, "training": {}, "notes": []}
        for path in args.info or []:  # merged in order: pretraining first, then training
            with open(path) as f:
                part = json.load(f)
            info["model"].update(part.get("model", {}))
            info["training"].update(part.get("training", {}))
            info["notes"] += part.get("notes", [])
        notes = None
        if args.notes:
            with open(args.notes, encoding="utf-8") as f:
                notes = f.read()
        write_doc(args.doc, results, check, info, args.heldout, args.model, notes)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": {m: {t: r[:3] for t, r in per.items()} for m, per in results.items()},
                   "torch_check": check}, f, indent=1)


if __name__ == "__main__":
    main()
