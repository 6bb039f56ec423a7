#!/usr/bin/python3
"""WordNet 3.0 -> instruction tasks in the PromptSource style, for Cappy training and evaluation.

Six tasks, several templates each (the template is drawn per example):
  define     define a word, the sense fixed by one of WordNet's example sentences or a hint
  synonym    give a synonym of a word in a given sense
  category   name the category (hypernym) of a word in a given sense
  pick_word  name the word that matches a definition
  sentence   use the word in a sentence (WordNet's examples)
  antonym    give an antonym of a word in a given sense

Each example has the gold response, all acceptable references, and candidates of
graded quality: other senses of the same word, sibling (co-hyponym) and related
words or their glosses/examples, and truncated or shuffled versions of the gold.
The data builder (cappy_data.py) labels candidates with ROUGE-L against the references.

Splits are by word: a word is held out when crc32(word) % 100 < --heldout-percent.
A held-out example is one whose headword is held out; a training example has
neither its headword nor (for one-word answers) any reference held out, so no
held-out word is ever seen as a question or an answer in training.

Output: JSON Lines {task, template, word, pos, instruction, gold, references, candidates}
in OUT/train.jsonl and OUT/heldout.jsonl, and OUT/text.txt (every text of the
training split, for spm_train). Deterministic for a given --seed.
"""

import argparse
import json
import os
import random
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from train.wordnet import POS_NAMES, WordNet  # noqa: E402

TASKS = ("define", "synonym", "category", "pick_word", "sentence", "antonym")

# No quote or bracket is glued to the front of a word the response may repeat (the headword,
# a hint, the gloss): the sentencepiece tokenizer splits `"happy` into `"` `ha` `p` `py` but
# `happy` into `happy`, and a scorer can only match a word across instruction and response
# when both sides spell it with the same tokens.
TEMPLATES = {
    "define": [
        'What does the word {w} mean in this sentence: {ex}',
        'Define the {pos} {w} as it is used here: {ex}',
        'Give a dictionary definition of the {pos} {w}, {hint}.',
        'Explain the meaning of {w}, {hint}.',
    ],
    "synonym": [
        'Give a synonym of the word {w} in the sense: {gloss}.',
        'What is another word for {w}, meaning {gloss}?',
        '{w}, {pos}: {gloss}. A word with the same meaning:',
    ],
    "category": [
        'What category does the {pos} {w} belong to, {hint}?',
        '{w}, {hint}, is a kind of what?',
        'Name the broader category of the word {w} in the sense: {gloss}.',
    ],
    "pick_word": [
        'Which word matches this definition: {gloss}?',
        'Name the {pos} that means: {gloss}',
        'Definition: {gloss}\nWord:',
    ],
    "sentence": [
        'Use the word {w} in a sentence, meaning {gloss}.',
        'Write an example sentence with the word {w} in the sense: {gloss}.',
        '{w}, {pos}: {gloss}. Example:',
    ],
    "antonym": [
        'Give an antonym of the word {w}, meaning {gloss}.',
        'What is the opposite of {w} in the sense: {gloss}?',
        '{w} means {gloss}. Its opposite is:',
    ],
}

HYPERNYM = ("@", "@i")
HYPONYM = ("~", "~i")


def is_heldout(word, percent):
    return zlib.crc32(word.lower().encode("utf-8")) % 100 < percent


def truncated(text, rng):
    words = text.split()
    if len(words) < 4:
        return None
    keep = max(2, int(len(words) * rng.uniform(0.3, 0.7)))
    return " ".join(words[:keep])


def shuffled(text, rng):
    words = text.split()
    if len(words) < 3:
        return None
    for _ in range(5):
        rng.shuffle(words)
        s = " ".join(words)
        if s != text:
            return s
    return None


def graded_corruptions(text, rng, count, full_shuffles=0):
    """Up to `count` damaged copies of a multi-word answer, from nearly intact to badly damaged:
    prefixes of several lengths, two neighbouring words swapped, a short run of words shuffled.
    Their ROUGE-L labels then grade how much of the answer survives, which teaches a scorer what
    a complete, well-ordered answer is (the held-out pools hold one truncated and one shuffled
    copy of the gold, and a small scorer preferred them to the gold: docs/default-model.md)."""
    words = text.split()
    n = len(words)
    if n < 4:
        return []
    out = []
    for fraction in (0.9, 0.75, 0.5, 0.3):
        keep = max(2, min(n - 1, round(n * fraction)))
        out.append(" ".join(words[:keep]))
    i = rng.randrange(n - 1)
    swapped = words[:i] + [words[i + 1], words[i]] + words[i + 2:]
    out.append(" ".join(swapped))
    start = rng.randrange(max(1, n - 3))
    run = words[start:start + 4]
    for _ in range(5):
        rng.shuffle(run)
        if run != words[start:start + 4]:
            break
    out.append(" ".join(words[:start] + run + words[start + 4:]))
    rng.shuffle(out)
    unique = []
    for c in out:
        if c != text and c not in unique:
            unique.append(c)
    unique = unique[:count]
    for _ in range(full_shuffles):  # drawn after the rest: the others stay what they are without them
        c = shuffled(text, rng)
        if c and c not in unique:
            unique.append(c)
    return unique


CORRUPTED_TASKS = ("define", "sentence")  # whose answers are glosses and sentences, not single words
CORRUPTIONS_KEY = "_corruptions"  # how many of a training example's last candidates are corruptions


class TaskMaker:
    def __init__(self, wn, rng):
        self.wn = wn
        self.rng = rng

    # -- related synsets -------------------------------------------------
    def syn(self, key):
        return self.wn.synsets.get(key)

    def other_senses(self, word, synset):
        return [self.syn(k) for k in self.wn.senses_of(word, synset.pos) if k != synset.key and self.syn(k)]

    def hypernyms(self, s):
        return [self.syn(k) for k in s.related(*HYPERNYM) if self.syn(k)]

    def hyponyms(self, s):
        return [self.syn(k) for k in s.related(*HYPONYM) if self.syn(k)]

    def siblings(self, s):
        out = []
        for h in self.hypernyms(s):
            out += [x for x in self.hyponyms(h) if x.key != s.key]
        self.rng.shuffle(out)
        return out

    def hint(self, word, s, allow_category=True):
        """A short pointer to the sense, without its gloss: a synonym, else the category
        (not for the category task, whose answer it is), else an example sentence."""
        others = [l for l in s.lemmas if l.lower() != word.lower()]
        if others:
            return "as in %s" % others[0]
        hyper = self.hypernyms(s)
        if hyper and allow_category:
            return "a kind of %s" % hyper[0].lemmas[0]
        ex = self.example_with(word, s)
        return "as in: %s" % ex if ex else None

    def example_with(self, word, s):
        w = word.lower()
        stem = w[:max(3, len(w) - 2)]
        for ex in s.examples:
            if stem in ex.lower():
                return ex
        return None

    # -- one example per task --------------------------------------------
    def fill(self, task, templates, **slots):
        usable = [(i, t) for i, t in enumerate(templates)
                  if all(slots.get(k) for k in ("ex", "hint", "gloss") if "{%s}" % k in t)]
        if not usable:
            return None
        i, t = self.rng.choice(usable)
        return i, t.format(**slots)

    def make(self, task, word, s):
        slots = dict(w=word, pos=POS_NAMES[s.pos], gloss=s.definition, hint=self.hint(word, s, task != "category"),
                     ex=self.example_with(word, s))
        rng = self.rng
        cands = []
        if task == "define":
            gold, refs = s.definition, [s.definition]
            cands += [o.definition for o in self.other_senses(word, s)[:3]]
            cands += [o.definition for o in self.siblings(s)[:2]]
            cands += [h.definition for h in self.hypernyms(s)[:1]]
            cands += [truncated(gold, rng), shuffled(gold, rng)]
        elif task == "synonym":
            refs = [l for l in s.lemmas if l.lower() != word.lower()]
            if not refs:
                return None
            gold = refs[0]
            for o in self.other_senses(word, s)[:3]:
                cands += o.lemmas[:2]
            cands += [x.lemmas[0] for x in self.siblings(s)[:2]]
            cands += [h.lemmas[0] for h in self.hypernyms(s)[:1]]
            cands += [shuffled(gold, rng)]
        elif task == "category":
            hyper = self.hypernyms(s)
            if not hyper:
                return None
            refs = [l for h in hyper for l in h.lemmas]
            gold = hyper[0].lemmas[0]
            for o in self.other_senses(word, s)[:3]:
                cands += [h.lemmas[0] for h in self.hypernyms(o)[:1]]
            cands += [x.lemmas[0] for x in self.siblings(s)[:2]]
            cands += [x.lemmas[0] for x in self.hyponyms(s)[:2]]
            cands += [shuffled(gold, rng)]
        elif task == "pick_word":
            refs, gold = list(s.lemmas), word
            cands += [x.lemmas[0] for x in self.siblings(s)[:3]]
            cands += [h.lemmas[0] for h in self.hypernyms(s)[:1]]
            cands += [x.lemmas[0] for x in self.hyponyms(s)[:1]]
            for o in self.other_senses(word, s)[:2]:
                cands += [l for l in o.lemmas if l.lower() != word.lower()][:1]
        elif task == "sentence":
            gold = slots["ex"]
            if not gold:
                return None
            refs = list(s.examples)
            for o in self.other_senses(word, s)[:3]:
                cands += o.examples[:1]
            cands += [x.examples[0] for x in self.siblings(s) if x.examples][:2]
            cands += [truncated(gold, rng), shuffled(gold, rng)]
        elif task == "antonym":
            index = [l.lower() for l in s.lemmas].index(word.lower()) + 1
            refs = self.wn.lemma_pointer_targets(s, "!", index)
            if not refs:
                return None
            gold = refs[0]
            cands += [l for l in s.lemmas if l.lower() != word.lower()][:2]
            cands += [self.syn(k).lemmas[0] for k in s.related("&") if self.syn(k)][:2]
            for o in self.other_senses(word, s)[:3]:
                oi = [l.lower() for l in o.lemmas].index(word.lower()) + 1 if word.lower() in \
                    [l.lower() for l in o.lemmas] else 0
                cands += self.wn.lemma_pointer_targets(o, "!", oi)[:1] if oi else []
            cands += [x.lemmas[0] for x in self.siblings(s)[:1]]
        else:
            raise ValueError("unknown task %r" % task)
        refs_lower = {r.lower() for r in refs}
        seen, clean = set(refs_lower), []
        for c in cands:
            if c and c.strip() and c.lower() not in seen:
                seen.add(c.lower())
                clean.append(c)
        if len(clean) < 2:
            return None
        filled = self.fill(task, TEMPLATES[task], **slots)
        if filled is None:
            return None
        template, instruction = filled
        return {"task": task, "template": template, "word": word, "pos": s.pos,
                "instruction": instruction, "gold": gold, "references": refs, "candidates": clean[:7]}


def generate(wn, seed, heldout_percent, max_train_per_task, max_heldout_per_task, train_corruptions=0,
             train_shuffles=0):
    """(train, heldout) example lists, each at most the given size per task. With train_corruptions
    > 0, each training example of CORRUPTED_TASKS also gets that many graded_corruptions of its
    gold as extra candidates (and train_shuffles fully shuffled copies), drawn from a generator
    of their own: the held-out examples and every other candidate are the same as without them."""
    train, heldout = [], []
    keys = sorted(wn.synsets)
    for t_index, task in enumerate(TASKS):
        rng = random.Random("%d/%s" % (seed, task))
        maker = TaskMaker(wn, rng)
        order = list(keys)
        rng.shuffle(order)
        n_train = n_held = 0
        for key in order:
            if n_train >= max_train_per_task and n_held >= max_heldout_per_task:
                break
            s = wn.synsets[key]
            if len(s.definition.split()) < 2:
                continue
            word = rng.choice(s.lemmas)
            held = is_heldout(word, heldout_percent)
            if (held and n_held >= max_heldout_per_task) or (not held and n_train >= max_train_per_task):
                continue
            ex = maker.make(task, word, s)
            if ex is None:
                continue
            if held:
                heldout.append(ex)
                n_held += 1
            else:
                words = [ex["word"]] + (ex["references"] if task != "define" and task != "sentence" else [])
                if any(is_heldout(w, heldout_percent) for w in words):
                    continue
                if (train_corruptions or train_shuffles) and task in CORRUPTED_TASKS:
                    extra = graded_corruptions(ex["gold"], random.Random("%d/%s/%s" % (seed, task, key)),
                                               train_corruptions, train_shuffles)
                    taken = {t.lower() for t in ex["references"] + ex["candidates"]}
                    extra = [c for c in extra if c.lower() not in taken]
                    ex["candidates"] = ex["candidates"] + extra
                    ex[CORRUPTIONS_KEY] = len(extra)  # main() takes it out before writing
                train.append(ex)
                n_train += 1
    return train, heldout


def training_glosses(wn, heldout_percent):
    """(entry, gloss) text pairs for masked-LM pretraining, from training-split synsets only: a
    synset none of whose lemmas is held out. The entry is its lemmas and part of speech, with a
    hypernym and antonym when those words are not held out either; the gloss is its definition
    and examples. So a held-out word's gloss (a held-out example's gold for define, its
    instruction for pick_word and the others) is never in this text, and no held-out word is
    named as a lemma, category or antonym; like the training tasks, a held-out word may still
    occur inside some other synset's gloss or example sentence."""
    out = []
    for key in sorted(wn.synsets):
        s = wn.synsets[key]
        if not s.definition or any(is_heldout(l, heldout_percent) for l in s.lemmas):
            continue
        entry = "%s (%s)" % (", ".join(s.lemmas), POS_NAMES[s.pos])
        hyper = [l for k in s.related(*HYPERNYM) if k in wn.synsets for l in wn.synsets[k].lemmas[:1]
                 if not is_heldout(l, heldout_percent)]
        if hyper:
            entry += ", a kind of %s" % hyper[0]
        anto = [a for i in range(1, len(s.lemmas) + 1) for a in wn.lemma_pointer_targets(s, "!", i)
                if not is_heldout(a, heldout_percent)]
        if anto:
            entry += ", the opposite of %s" % anto[0]
        gloss = "; ".join([s.definition] + s.examples)
        out.append((entry, gloss))
    return out


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def count_arg(text):
    """argparse type: a whole number >= 0."""
    n = int(text)
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 or more, not %d" % n)
    return n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wordnet-dir", default="/usr/share/wordnet")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--heldout-percent", type=int, default=10)
    ap.add_argument("--max-train-per-task", type=int, default=6000)
    ap.add_argument("--max-heldout-per-task", type=int, default=300)
    ap.add_argument("--train-corruptions", type=count_arg, default=0, metavar="N",
                    help="add N graded damaged copies of the gold (prefixes, swapped or shuffled words) to every "
                         "training example of %s (not to text.txt: they add no word); default 0"
                         % " and ".join(CORRUPTED_TASKS))
    ap.add_argument("--train-shuffles", type=count_arg, default=0, metavar="N",
                    help="and N copies of the gold with every word shuffled; default 0")
    args = ap.parse_args(argv)
    wn = WordNet(args.wordnet_dir)
    train, heldout = generate(wn, args.seed, args.heldout_percent, args.max_train_per_task,
                              args.max_heldout_per_task, args.train_corruptions, args.train_shuffles)
    os.makedirs(args.out, exist_ok=True)
    added = [ex.pop(CORRUPTIONS_KEY, 0) for ex in train]
    write_jsonl(os.path.join(args.out, "train.jsonl"), train)
    write_jsonl(os.path.join(args.out, "heldout.jsonl"), heldout)
    with open(os.path.join(args.out, "text.txt"), "w", encoding="utf-8") as f:
        for ex, n in zip(train, added):
            # The corruptions rearrange the gold's words: leaving them out keeps the tokenizer's
            # training text, and so the tokenizer, what it is without them.
            for t in [ex["instruction"]] + ex["references"] + ex["candidates"][:len(ex["candidates"]) - n]:
                f.write(t.replace("\n", " ") + "\n")
    counts = {}
    for name, rows in (("train", train), ("heldout", heldout)):
        for ex in rows:
            counts.setdefault(ex["task"], {}).setdefault(name, 0)
            counts[ex["task"]][name] += 1
    # What made these files, for the evaluation page (evaluate.py --info).
    extras = sum(added)
    recipe = ("wordnet_tasks.py --seed %d --heldout-percent %d --max-train-per-task %d --max-heldout-per-task %d"
              " --train-corruptions %d --train-shuffles %d: %d training and %d held-out examples"
              % (args.seed, args.heldout_percent, args.max_train_per_task, args.max_heldout_per_task,
                 args.train_corruptions, args.train_shuffles, len(train), len(heldout)))
    if extras:
        recipe += ", %d damaged copies of the gold added to the training candidates of %s" % (
            extras, " and ".join(CORRUPTED_TASKS))
    with open(os.path.join(args.out, "info.json"), "w", encoding="utf-8") as f:
        json.dump({"training": {"task data": recipe}}, f, indent=1)
    print("wrote %s: %s" % (args.out, json.dumps(counts)))


if __name__ == "__main__":
    main()
