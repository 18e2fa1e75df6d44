"""Scores of a clustering against gold stories: B-cubed precision, recall and F1 (Bagga and
Baldwin, 1998) and the adjusted Rand index (Hubert and Arabie, 1985).

Both take two labelings of the same items, as {item: cluster} mappings; items missing from either
side are left out, so the caller decides what is being scored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from math import comb


@dataclass(frozen=True)
class BCubed:
    precision: float
    recall: float
    f1: float


def _common(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> list[tuple[Hashable, Hashable]]:
    return [(predicted[item], gold[item]) for item in sorted(predicted.keys() & gold.keys())]


def bcubed(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> BCubed:
    """For each item, the share of its predicted cluster that shares its gold story (precision) and
    the share of its gold story found in its predicted cluster (recall), averaged over items.

    >>> bcubed({"a": 1, "b": 1, "c": 1}, {"a": "x", "b": "x", "c": "y"}).precision  # (2/3+2/3+1/3)/3
    0.5555555555555555
    """
    pairs = _common(predicted, gold)
    if not pairs:
        return BCubed(0.0, 0.0, 0.0)
    both = Counter(pairs)
    in_predicted = Counter(p for p, _ in pairs)
    in_gold = Counter(g for _, g in pairs)
    precision = sum(both[(p, g)] / in_predicted[p] for p, g in pairs) / len(pairs)
    recall = sum(both[(p, g)] / in_gold[g] for p, g in pairs) / len(pairs)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BCubed(precision, recall, f1)


def adjusted_rand_index(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> float:
    """Agreement on every pair of items (together or apart), corrected for chance: 1 for identical
    partitions, about 0 for random ones. Two partitions that are both all singletons (or both one
    cluster) give 1.

    >>> adjusted_rand_index({"a": 1, "b": 1, "c": 2, "d": 2}, {"a": "x", "b": "x", "c": "y", "d": "y"})
    1.0
    """
    pairs = _common(predicted, gold)
    n = len(pairs)
    if n < 2:
        return 1.0
    together = sum(comb(c, 2) for c in Counter(pairs).values())
    predicted_pairs = sum(comb(c, 2) for c in Counter(p for p, _ in pairs).values())
    gold_pairs = sum(comb(c, 2) for c in Counter(g for _, g in pairs).values())
    expected = predicted_pairs * gold_pairs / comb(n, 2)
    best = (predicted_pairs + gold_pairs) / 2
    if best == expected:
        return 1.0
    return (together - expected) / (best - expected)
