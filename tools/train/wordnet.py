"""A reader for the WordNet 3.0 database files (Debian package wordnet-base).

Parses data.{noun,verb,adj,adv} (synsets: lemmas, pointers, gloss) and
index.{noun,verb,adj,adv} (each lemma's senses, most frequent first), per the
wndb(5WN) format:

  data:  offset lex_filenum ss_type w_cnt(hex) [word lex_id(hex)]... p_cnt
         [symbol offset pos source/target(hex)]... [frames] | gloss
  index: lemma pos synset_cnt p_cnt [symbol]... sense_cnt tagsense_cnt [offset]...

Lines starting with two spaces are the license header. Satellite adjectives
(ss_type "s") live in data.adj; a synset's key is (file pos, offset).
"""

import os
import re

WORDNET_DIR = "/usr/share/wordnet"
FILE_POS = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}
POS_NAMES = {"n": "noun", "v": "verb", "a": "adjective", "s": "adjective", "r": "adverb"}
_ADJ_MARKER = re.compile(r"\((a|p|ip)\)$")
_QUOTED = re.compile(r'"([^"]*)"')


class Synset:
    __slots__ = ("key", "pos", "lemmas", "pointers", "definition", "examples")

    def __init__(self, key, pos, lemmas, pointers, definition, examples):
        self.key = key              # (file pos letter, offset)
        self.pos = pos              # n v a s r
        self.lemmas = lemmas        # display form: underscores -> spaces, adjective markers dropped
        self.pointers = pointers    # [(symbol, target key, source word index or 0, target word index or 0)]
        self.definition = definition
        self.examples = examples

    def related(self, *symbols):
        return [p[1] for p in self.pointers if p[0] in symbols]


def _file_letter(pos):
    return "a" if pos == "s" else pos


def _parse_gloss(gloss):
    """'definition; "example 1"; "example 2"' -> (definition, [examples])."""
    quote = gloss.find('"')
    definition = gloss if quote < 0 else gloss[:quote]
    definition = definition.strip().rstrip(";").strip()
    examples = [e.strip() for e in _QUOTED.findall(gloss[quote:])] if quote >= 0 else []
    return definition, [e for e in examples if e]


def parse_data_line(line, origin):
    head, sep, gloss = line.partition(" | ")
    if not sep:
        head, gloss = line.rstrip(" \n|"), ""
    f = head.split()
    try:
        offset, ss_type, w_cnt = int(f[0]), f[2], int(f[3], 16)
        i = 4
        lemmas = []
        for _ in range(w_cnt):
            lemmas.append(_ADJ_MARKER.sub("", f[i]).replace("_", " "))
            i += 2
        p_cnt = int(f[i])
        i += 1
        pointers = []
        for _ in range(p_cnt):
            symbol, target, tpos, st = f[i], int(f[i + 1]), f[i + 2], f[i + 3]
            pointers.append((symbol, (_file_letter(tpos), target), int(st[:2], 16), int(st[2:], 16)))
            i += 4
    except (IndexError, ValueError) as e:
        raise ValueError("%s: malformed synset line (%s): %.80s" % (origin, e, line)) from None
    definition, examples = _parse_gloss(gloss.strip())
    return Synset((_file_letter(ss_type), offset), ss_type, lemmas, pointers, definition, examples)


class WordNet:
    """All synsets, and each (lemma, pos) -> its synset keys in sense order."""

    def __init__(self, directory=WORDNET_DIR):
        self.synsets = {}
        self.senses = {}  # (lemma lowercased, file pos letter) -> [synset keys], most frequent first
        for letter, name in (("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv")):
            path = os.path.join(directory, "data." + name)
            if not os.path.exists(path):
                raise FileNotFoundError("%s: missing (install Debian's wordnet-base)" % path)
            with open(path, encoding="utf-8", errors="replace") as f:
                for n, line in enumerate(f, 1):
                    if line.startswith("  ") or not line.strip():
                        continue
                    s = parse_data_line(line, "%s:%d" % (path, n))
                    self.synsets[s.key] = s
            with open(os.path.join(directory, "index." + name), encoding="utf-8", errors="replace") as f:
                for line in f:
                    if line.startswith("  ") or not line.strip():
                        continue
                    g = line.split()
                    lemma, synset_cnt = g[0].replace("_", " "), int(g[2])
                    self.senses[(lemma, letter)] = [(letter, int(o)) for o in g[-synset_cnt:]]

    def senses_of(self, lemma, pos):
        return self.senses.get((lemma.lower(), _file_letter(pos)), [])

    def lemma_pointer_targets(self, synset, symbol, lemma_index):
        """Lexical pointers (e.g. '!' antonym) from the lemma at 1-based lemma_index: target lemmas."""
        out = []
        for sym, key, src, dst in synset.pointers:
            if sym == symbol and src == lemma_index and dst > 0 and key in self.synsets:
                out.append(self.synsets[key].lemmas[dst - 1])
        return out
