"""ROUGE-L F-measure with stemming, as Google's rouge_score computes it.

Cappy labels a generated candidate with the ROUGE-L F-measure (stemmed) against
the gold references, the maximum over references. rouge_score's tokenizer:
lowercase; every run of characters outside [a-z0-9] becomes a space; split on
whitespace; Porter-stem tokens longer than 3 characters; drop empty tokens.
The stemmer is NLTK's PorterStemmer in its default mode, which is what
rouge_score constructs; Debian ships it as python3-nltk, so we use it rather
than re-implementing Porter. ROUGE-L (sentence level): with LCS the longest
common subsequence of the token lists, precision = LCS / len(candidate),
recall = LCS / len(reference), F = 2PR / (P + R), and 0 when either side has
no tokens.
"""

import functools
import re

from nltk.stem import porter

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_STEMMER = porter.PorterStemmer()


@functools.lru_cache(maxsize=1 << 16)
def _stem(word):
    return _STEMMER.stem(word)


def tokenize(text, stem=True):
    """rouge_score's tokens of `text` (stemmed by default)."""
    tokens = _NON_ALNUM.sub(" ", text.lower()).split()
    if stem:
        tokens = [_stem(t) if len(t) > 3 else t for t in tokens]
    return [t for t in tokens if t]


def lcs_length(a, b):
    """Length of the longest common subsequence of two sequences (O(len(a) * len(b)))."""
    if len(a) < len(b):
        a, b = b, a
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge_l_tokens(candidate_tokens, reference_tokens):
    """ROUGE-L F-measure of two token lists."""
    if not candidate_tokens or not reference_tokens:
        return 0.0
    lcs = lcs_length(candidate_tokens, reference_tokens)
    if lcs == 0:
        return 0.0
    precision = lcs / len(candidate_tokens)
    recall = lcs / len(reference_tokens)
    return 2 * precision * recall / (precision + recall)


def rouge_l(candidate, reference, stem=True):
    """ROUGE-L F-measure of a candidate text against one reference text."""
    return rouge_l_tokens(tokenize(candidate, stem), tokenize(reference, stem))


def rouge_l_max(candidate, references, stem=True):
    """Cappy's label: the best ROUGE-L F-measure of `candidate` over `references`."""
    if not references:
        raise ValueError("rouge_l_max needs at least one reference")
    cand = tokenize(candidate, stem)
    return max(rouge_l_tokens(cand, tokenize(r, stem)) for r in references)
