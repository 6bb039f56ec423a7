"""Scorers that need no model, the baselines cappy-mini must beat at picking the gold.

Each takes (instruction, candidates) and returns one score per candidate (higher
is better); ties are broken by the caller. Tokens are rouge_score's stemmed
tokens, so "running" meets "run".
  longest   the candidate's length in characters
  overlap   how many distinct instruction tokens the candidate contains
  bm25      Okapi BM25 of the candidate as a document for the instruction as the
            query (k1 = 1.2, b = 0.75), IDF and average length from a corpus
The random baseline is computed exactly (expectation over a uniform pick) by the evaluator.
"""

import collections
import math

from train.rouge import tokenize


def longest(instruction, candidates):
    return [float(len(c)) for c in candidates]


def overlap(instruction, candidates):
    query = set(tokenize(instruction))
    return [float(len(query & set(tokenize(c)))) for c in candidates]


class BM25:
    def __init__(self, corpus, k1=1.2, b=0.75):
        self.k1, self.b = k1, b
        docs = [tokenize(t) for t in corpus]
        self.n = len(docs)
        self.avgdl = sum(len(d) for d in docs) / max(1, self.n)
        self.df = collections.Counter(t for d in docs for t in set(d))

    def idf(self, term):
        df = self.df.get(term, 0)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def __call__(self, instruction, candidates):
        query = tokenize(instruction)
        scores = []
        for c in candidates:
            doc = tokenize(c)
            tf = collections.Counter(doc)
            s = 0.0
            for term in set(query):
                f = tf.get(term, 0)
                if f:
                    s += self.idf(term) * f * (self.k1 + 1) / (f + self.k1 * (1 - self.b + self.b * len(doc) / self.avgdl))
            scores.append(s)
        return scores
