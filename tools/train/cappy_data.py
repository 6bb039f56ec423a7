#!/usr/bin/python3
"""Cappy's regression data from a task file.

Input: JSON Lines, one example per line:
    {"instruction": str, "references": [str, ...], "candidates": [str, ...] (optional),
     "task": str (optional; examples without one form a single task)}
Output: (instruction, response, label) pairs, Cappy's recipe:
    every reference (gold response)                     label 1.0
    a random reference of another example, same task    label 0.0
    every candidate                                     ROUGE-L F (stemmed), max over references
Deterministic for a given seed. As a script it writes JSON Lines
{"instruction", "response", "label"}.
"""

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from train.rouge import rouge_l_max  # noqa: E402


class TaskFileError(ValueError):
    """A malformed task file line; the message names the file and line."""


def _string_list(value, field, where, required):
    if value is None and not required:
        return []
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise TaskFileError('%s: "%s" must be a list of strings' % (where, field))
    return value


def parse_example(line, where):
    try:
        ex = json.loads(line)
    except json.JSONDecodeError as e:
        raise TaskFileError("%s: malformed JSON (%s)" % (where, e.msg)) from None
    if not isinstance(ex, dict):
        raise TaskFileError("%s: a line must be a JSON object" % where)
    if not isinstance(ex.get("instruction"), str) or not ex["instruction"].strip():
        raise TaskFileError('%s: "instruction" must be a non-empty string' % where)
    refs = _string_list(ex.get("references"), "references", where, True)
    if not [r for r in refs if r.strip()]:
        raise TaskFileError('%s: "references" needs at least one non-empty string' % where)
    cands = _string_list(ex.get("candidates"), "candidates", where, False)
    task = ex.get("task", "")
    if not isinstance(task, str):
        raise TaskFileError('%s: "task" must be a string' % where)
    return {"instruction": ex["instruction"], "references": [r for r in refs if r.strip()],
            "candidates": [c for c in cands if c.strip()], "task": task}


def read_task_file(path):
    examples = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                examples.append(parse_example(line, "%s:%d" % (path, n)))
    return examples


def build_pairs(examples, seed=0):
    """Cappy (instruction, response, label) triples for a list of parsed examples."""
    rng = random.Random(seed)
    by_task = {}
    for i, ex in enumerate(examples):
        by_task.setdefault(ex["task"], []).append(i)
    pairs = []
    for i, ex in enumerate(examples):
        refs = ex["references"]
        for r in refs:
            pairs.append((ex["instruction"], r, 1.0))
        # A response to another instruction of the same task is wrong here (label 0),
        # unless it happens to be one of this example's own references.
        same_task = by_task[ex["task"]]
        own = {r.strip().lower() for r in refs}
        for _ in range(10 if len(same_task) > 1 else 0):
            j = same_task[rng.randrange(len(same_task))]
            if j == i:
                continue
            other = rng.choice(examples[j]["references"])
            if other.strip().lower() not in own:
                pairs.append((ex["instruction"], other, 0.0))
                break
        for c in ex["candidates"]:
            pairs.append((ex["instruction"], c, rouge_l_max(c, refs)))
    return pairs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("task_file")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    try:
        pairs = build_pairs(read_task_file(args.task_file), args.seed)
    except (TaskFileError, OSError) as e:
        sys.exit("error: %s" % e)
    with open(args.out, "w", encoding="utf-8") as f:
        for ins, resp, label in pairs:
            f.write(json.dumps({"instruction": ins, "response": resp, "label": label}, ensure_ascii=False) + "\n")
    print("wrote %d pairs to %s" % (len(pairs), args.out))


if __name__ == "__main__":
    main()
