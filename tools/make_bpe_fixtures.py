#!/usr/bin/python3
"""Makes the two non-byte-level BPE tokenizer.json fixtures of the conformance
suite (tests/tokenizers/README.md); no real tokenizer of that kind is in
../shared/data/tokenizers. Both are trained on the conformance corpus, so its
lines exercise every rule; HF's Rust library (npm `tokenizers`) is the
reference the suite compares the runtime with on them.

tests/fixtures/bpe-spm/tokenizer.json
    sentencepiece BPE, exported the way HF converts such models (Llama-style):
    trained by the sentencepiece library (model_type=bpe, byte_fallback,
    identity normalization), vocab = the pieces by id, merges = every split
    of a piece into two pieces, ordered by the merged piece's score (the
    SentencePieceExtractor idea). Metaspace pre-tokenizer (prepend always,
    no split: the whole text is one word), BPE with byte_fallback, fuse_unk
    and unk <unk>, TemplateProcessing <s> A </s> and <s> A </s> B </s> with B
    of type 1.
tests/fixtures/bpe-subword/tokenizer.json
    classic subword BPE, learned here: continuing_subword_prefix "##",
    end_of_word_suffix "</w>", unk [UNK] without fuse_unk, ignore_merges,
    WhitespaceSplit pre-tokenizer, BertProcessing post-processor. Rare
    characters are left out of the alphabet so that unknowns occur.

Deterministic (sentencepiece BPE with one thread; the learner
breaks ties by the pair's text). Usage: tools/make_bpe_fixtures.py [NAME...]
(NAME: bpe-spm, bpe-subword; default both).
"""
import collections
import json
import os
import re
import sys
import tempfile

import sentencepiece as spm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "tokenizers", "corpus.jsonl")


def corpus_lines():
    with open(CORPUS, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write(name, tokenizer):
    out = os.path.join(ROOT, "tests", "fixtures", name)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "tokenizer.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{path}: {len(tokenizer['model']['vocab'])} tokens, {len(tokenizer['model']['merges'])} merges")


def added(id_, content):
    return {"id": id_, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": True}


def spm_bpe():
    # Newlines inside a text become spaces; the corpus's thousands of random
    # CJK ideographs stay out of training (they become byte-fallback tokens).
    lines = [re.sub(r"[\u4e00-\u9fff]", "", re.sub(r"[\r\n\u0085\u2028\u2029]", " ", t)) for t in corpus_lines()]
    with tempfile.TemporaryDirectory() as work:
        text = os.path.join(work, "train.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        spm.SentencePieceTrainer.train(
            input=text, model_prefix=os.path.join(work, "bpe"), model_type="bpe", vocab_size=3000,
            byte_fallback=True, character_coverage=0.98, normalization_rule_name="identity",
            remove_extra_whitespaces=False, split_digits=True, num_threads=1,
            input_sentence_size=0, unk_id=0, bos_id=1, eos_id=2, pad_id=-1)
        sp = spm.SentencePieceProcessor(model_file=os.path.join(work, "bpe.model"))
    size = sp.get_piece_size()
    vocab = {sp.id_to_piece(i): i for i in range(size)}
    # Merges: each normal piece split into two pieces, all of them ranked by
    # the merged piece's score (sentencepiece merges higher scores first),
    # splits of one piece by the ids of their sides.
    merges = []
    for i in range(size):
        if sp.is_control(i) or sp.is_unknown(i) or sp.is_byte(i):
            continue
        piece = sp.id_to_piece(i)
        splits = [(piece[:k], piece[k:]) for k in range(1, len(piece)) if piece[:k] in vocab and piece[k:] in vocab]
        splits.sort(key=lambda s: (vocab[s[0]], vocab[s[1]]))
        merges.extend((sp.get_score(i), -i, k, s) for k, s in enumerate(splits))
    merges.sort(key=lambda m: (-m[0], -m[1], m[2]))
    seq = lambda type_id: {"Sequence": {"id": "A" if type_id == 0 else "B", "type_id": type_id}}
    special = lambda tok, type_id: {"SpecialToken": {"id": tok, "type_id": type_id}}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(0, "<unk>"), added(1, "<s>"), added(2, "</s>")],
        "normalizer": None,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": False},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special("<s>", 0), seq(0), special("</s>", 0)],
            "pair": [special("<s>", 0), seq(0), special("</s>", 0), seq(1), special("</s>", 1)],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]},
                               "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}},
        },
        "decoder": None,
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": vocab, "merges": [[a, b] for _, _, _, (a, b) in merges]},
    }


def learn_subword_bpe(words, prefix, suffix, min_char_count, merges_wanted):
    """BPE learning on word counts: symbols as HF's BPE model makes them (the
    prefix on every character but the first, the suffix on the last); the
    most frequent adjacent pair is merged, ties by the pair's text."""
    chars = collections.Counter()
    for word, count in words.items():
        for ch in word:
            chars[ch] += count
    alphabet = {ch for ch, n in chars.items() if n >= min_char_count}

    def symbols_of(word):
        out = []
        for k, ch in enumerate(word):
            out.append((prefix if k else "") + ch + (suffix if k == len(word) - 1 else ""))
        return out

    segs = {}
    vocab = []
    seen = set()
    for word in sorted(words):
        if not all(ch in alphabet for ch in word):
            continue  # words with rare characters stay out of training
        segs[word] = symbols_of(word)
        for s in segs[word]:
            if s not in seen:
                seen.add(s)
                vocab.append(s)
    vocab.sort()
    pairs = collections.Counter()
    where = collections.defaultdict(set)
    for word, seg in segs.items():
        for a, b in zip(seg, seg[1:]):
            pairs[(a, b)] += words[word]
            where[(a, b)].add(word)
    merges = []
    while len(merges) < merges_wanted and pairs:
        best = max(pairs.items(), key=lambda kv: (kv[1], tuple(-ord(c) for c in kv[0][0] + "\0" + kv[0][1])))[0]
        a, b = best
        merged = a + b[len(prefix):]
        merges.append([a, b])
        if merged not in seen:
            seen.add(merged)
            vocab.append(merged)
        for word in list(where[best]):
            seg = segs[word]
            count = words[word]
            for x, y in zip(seg, seg[1:]):
                pairs[(x, y)] -= count
                if pairs[(x, y)] <= 0:
                    del pairs[(x, y)]
                where[(x, y)].discard(word)
            out, k = [], 0
            while k < len(seg):
                if k + 1 < len(seg) and seg[k] == a and seg[k + 1] == b:
                    out.append(merged)
                    k += 2
                else:
                    out.append(seg[k])
                    k += 1
            segs[word] = out
            for x, y in zip(out, out[1:]):
                pairs[(x, y)] += count
                where[(x, y)].add(word)
    return vocab, merges


def subword_bpe():
    words = collections.Counter()
    for text in corpus_lines():
        for w in text.split():
            if len(w) <= 40:
                words[w] += 1
    symbols, merges = learn_subword_bpe(words, "##", "</w>", min_char_count=8, merges_wanted=2500)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    # A merge may make a special token's text ("[PAD" + "##]"): it keeps
    # the special's id (one id per token).
    vocab = {}
    for tok in specials + symbols:
        vocab.setdefault(tok, len(vocab))
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(i, tok) for i, tok in enumerate(specials)],
        "normalizer": None,
        "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
        "decoder": None,
        "model": {"type": "BPE", "dropout": None, "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False, "ignore_merges": True,
                  "vocab": vocab, "merges": merges},
    }


if __name__ == "__main__":
    makers = {"bpe-spm": spm_bpe, "bpe-subword": subword_bpe}
    for name in sys.argv[1:] or makers:
        write(name, makers[name]())
