"""Lexical vectors for stores that search sparse vectors (Qdrant): bm25 term weights in the same
terms as the local store's FTS5 table, so both halves of hybrid search mean the same thing.

Terms are FTS5's `porter unicode61 remove_diacritics 2` tokens: diacritics folded, lower case,
split at anything not a letter or digit, then the original Porter stemmer. A document term
weighs bm25's saturated frequency, tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen)), with FTS5's
k1 = 1.2 and b = 0.75; the store multiplies in each term's inverse document frequency (Qdrant's
IDF modifier), so weights written once stay right as the corpus grows. The average length is
the store's, fixed when its first batch is written. A query vector holds the question's content
words, as the FTS5 query does, each weighing 1.

Term ids are CRC-32 of the stem: stable across processes and machines, with no vocabulary to
keep; two stems sharing an id (about one pair in a 100,000-word vocabulary) only blur bm25.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter

import Stemmer

from rag.text import content_words

K1 = 1.2
B = 0.75
_TOKEN = re.compile(r"[^\W_]+")
_PORTER = Stemmer.Stemmer("porter")


def terms(text: str) -> list[str]:
    """FTS5-style tokens of `text`, Porter-stemmed: 'The Harbours closed' → ['the', 'harbour', 'close']."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _PORTER.stemWords(_TOKEN.findall(folded.lower()))


def term_id(term: str) -> int:
    return zlib.crc32(term.encode("utf-8"))


def document_vector(text: str, average_length: float) -> tuple[list[int], list[float]]:
    """(term ids, bm25 term-frequency weights) of a passage, ids ascending."""
    tokens = terms(text)
    if not tokens:
        return [], []
    norm = K1 * (1 - B + B * len(tokens) / max(average_length, 1.0))
    weights: dict[int, float] = {}
    for term, tf in Counter(tokens).items():
        ident = term_id(term)
        weights[ident] = weights.get(ident, 0.0) + tf * (K1 + 1) / (tf + norm)
    ordered = sorted(weights)
    return ordered, [weights[i] for i in ordered]


def query_vector(question: str) -> tuple[list[int], list[float]]:
    """(term ids, weight 1) of the question's content words, at most 32 as in the FTS5 query."""
    ids: list[int] = []
    for word in content_words(question):
        for term in terms(word):
            ident = term_id(term)
            if ident not in ids and len(ids) < 32:
                ids.append(ident)
    ordered = sorted(ids)
    return ordered, [1.0] * len(ordered)


def average_length(texts: list[str]) -> float:
    return sum(len(terms(t)) for t in texts) / len(texts) if texts else 1.0
