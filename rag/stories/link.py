"""How strongly articles, and groups of articles, belong together.

A pair's score is the cosine of their vectors minus `time_decay * ln(1 + days apart)`, so time
decays a link without forbidding it (a pair with an undated side counts as `undated_gap_days`
apart, and as near). Groups are joined greedily, best link first, while the link reaches `join_score`. The
link of two groups is the lowest score among their pairs at most `near_days` apart (complete link
within an event's days: two same-day events on one topic stay apart even when one article of each
looks alike), and, when no pair is that near, their best pair's score (a running story continues
through its latest article, each step paying the time decay).
"""

from __future__ import annotations

import numpy as np

from rag.stories.model import UNDATED, StorySettings


def pair_scores(
    vectors: np.ndarray, days: np.ndarray, other_vectors: np.ndarray, other_days: np.ndarray, settings: StorySettings
) -> tuple[np.ndarray, np.ndarray]:
    """Scores (len(vectors) × len(other)) and whether each pair is near in time."""
    cosine = vectors @ other_vectors.T
    undated = (days[:, None] == UNDATED) | (other_days[None, :] == UNDATED)
    gap = np.abs(days[:, None] - other_days[None, :]).astype(np.float32)
    gap = np.where(undated, np.float32(settings.undated_gap_days), gap)
    near = undated | (gap <= settings.near_days)
    return (cosine - settings.penalty(gap)).astype(np.float32), near


def group(scores: np.ndarray, near: np.ndarray, threshold: float) -> np.ndarray:
    """Group labels (0, 1, …, by first member) for items with pairwise `scores` and `near` masks,
    joining the best-linked pair of groups while its link reaches `threshold`.

    >>> s = np.array([[1, .9, .2], [.9, 1, .5], [.2, .5, 1]], dtype=np.float32)
    >>> group(s, np.ones((3, 3), bool), 0.4).tolist()  # complete link: 0.2 keeps item 2 apart
    [0, 0, 1]
    >>> group(s, np.eye(3, dtype=bool), 0.4).tolist()  # nothing near: the best pair links
    [0, 0, 0]
    """
    n = len(scores)
    lowest_near = np.where(near, scores, np.inf)
    best = scores.astype(np.float64).copy()
    alive = np.ones(n, bool)
    owner = np.arange(n)
    while alive.sum() > 1:
        link = np.where(np.isfinite(lowest_near), lowest_near, best)
        link[~alive, :] = -np.inf
        link[:, ~alive] = -np.inf
        np.fill_diagonal(link, -np.inf)
        flat = int(np.argmax(link))
        i, j = divmod(flat, n)
        if link[i, j] < threshold:
            break
        keep, gone = min(i, j), max(i, j)
        lowest_near[keep] = np.minimum(lowest_near[keep], lowest_near[gone])
        lowest_near[:, keep] = lowest_near[keep]
        best[keep] = np.maximum(best[keep], best[gone])
        best[:, keep] = best[keep]
        alive[gone] = False
        owner[owner == gone] = keep
    _, labels = np.unique(owner, return_inverse=True)
    return labels.astype(np.int64)
