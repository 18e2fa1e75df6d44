"""Candidate articles for a new one, without comparing it to the whole index.

A dated article is compared only with the articles dated within the window (`StorySettings.
window_days`: beyond it even identical vectors cannot link), found through a bucket per day, and
with its nearest undated articles by vector; an undated one with its nearest articles of any date.
Nearest-by-vector search is FAISS HNSW (logarithmic in the index), built on first need.

The rows of a state never change once written, so one `Search` serves a chain of states: each
`assign` appends in place and hands it on. A state that is not the newest of its chain (assigned
twice, or loaded from a store) gets a fresh copy, so no state ever sees rows that are not its own.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from typing import Any

import numpy as np

from rag.stories.model import UNDATED

HNSW_NEIGHBOURS = 32
HNSW_SEARCH_DEPTH = 128


class Search:
    """Vectors and days of every row, in a buffer grown by doubling, with the indexes over them."""

    def __init__(self, vectors: np.ndarray, days: np.ndarray) -> None:
        self.length = 0
        self._vectors = np.zeros((max(64, 2 * len(vectors)), vectors.shape[1]), np.float32)
        self._days = np.zeros(len(self._vectors), np.int64)
        self._by_day: dict[int, list[int]] = defaultdict(list)
        self._undated: list[int] = []
        self._all_index: Any = None  # every row, for undated articles
        self._undated_index: Any = None  # undated rows only, for dated articles
        self.append(vectors, days)

    @property
    def vectors(self) -> np.ndarray:
        return self._vectors[: self.length]

    @property
    def days(self) -> np.ndarray:
        return self._days[: self.length]

    def append(self, vectors: np.ndarray, days: np.ndarray) -> None:
        end = self.length + len(vectors)
        if end > len(self._vectors):
            size = max(end, 2 * len(self._vectors))
            vectors = np.zeros((size, self._vectors.shape[1]), np.float32)
            vectors[: self.length] = self._vectors[: self.length]
            days = np.zeros(size, np.int64)
            days[: self.length] = self._days[: self.length]
            self._vectors, self._days = vectors, days
        self._vectors[self.length : end] = vectors
        self._days[self.length : end] = days
        for row in range(self.length, end):
            day = int(self._days[row])
            if day == UNDATED:
                self._undated.append(row)
            else:
                self._by_day[day].append(row)
        if self._all_index is not None:
            self._all_index.add(self._vectors[self.length : end])
        if self._undated_index is not None:
            new_undated = [r for r in range(self.length, end) if self._days[r] == UNDATED]
            if new_undated:
                self._undated_index.add(self._vectors[new_undated])
        self.length = end

    def window(self, day: int, days: int, before: int) -> np.ndarray:
        """Dated rows (below `before`) within `days` days of `day`."""
        found: list[int] = []
        for d in range(day - days, day + days + 1):
            rows = self._by_day.get(d)
            if rows:
                found.extend(rows[: bisect_left(rows, before)])
        return np.asarray(sorted(found), dtype=np.int64)

    def nearest(self, vector: np.ndarray, k: int, before: int, undated_only: bool) -> np.ndarray:
        """Up to `k` rows (below `before`) nearest to `vector`, of any date or undated only."""
        pool = self._undated if undated_only else range(self.length)
        available = bisect_left(pool, before) if undated_only else min(before, self.length)
        if available == 0 or k <= 0:
            return np.zeros(0, np.int64)
        index = self._index(undated_only)
        # Rows written after `before` (by a later article of this batch) are dropped afterwards.
        _, found = index.search(vector.reshape(1, -1).astype(np.float32), min(k + self.length - before, index.ntotal))
        rows = [int(r) for r in found[0] if r >= 0]
        if undated_only:
            rows = [self._undated[r] for r in rows]
        return np.asarray([r for r in rows if r < before][:k], dtype=np.int64)

    def _index(self, undated_only: bool) -> Any:
        import faiss

        index = self._undated_index if undated_only else self._all_index
        if index is None:
            index = faiss.IndexHNSWFlat(self._vectors.shape[1], HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efSearch = HNSW_SEARCH_DEPTH
            rows = self._undated if undated_only else list(range(self.length))
            if rows:
                index.add(self._vectors[rows])
            if undated_only:
                self._undated_index = index
            else:
                self._all_index = index
        return index
