"""The articles stories are made of, as append-only rows, and their candidates for a new one.

A row is an article in arrival order: its id, day, vector and outlet never change once written,
so one `Rows` serves a chain of states: each `assign` appends in place and hands it on, and a
state reads only its own first rows. A state that is not the newest of its chain (built on
twice, or loaded from a store) gets a copy of its rows first (`Rows.fork`).

Candidates: a dated article is compared only with the articles dated within the window
(`StorySettings.window_days`: beyond it even identical vectors cannot link), found through a
bucket per day, and with its nearest undated articles by vector; an undated one with its nearest
articles of any date. Nearest-by-vector search is FAISS HNSW (logarithmic in the index), built
on first need.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

UNDATED = -1  # the day number of an article without a date
HNSW_NEIGHBOURS = 32
HNSW_SEARCH_DEPTH = 128


def day_number(date: str | None) -> int:
    """The proleptic ordinal of a YYYY-MM-DD date (anything after the tenth character ignored),
    or UNDATED when there is none or it does not parse."""
    if not date:
        return UNDATED
    try:
        return dt.date.fromisoformat(date[:10]).toordinal()
    except ValueError:
        return UNDATED


class Rows:
    """Ids, days, vectors and outlets of every row (vectors in a buffer grown by doubling), the
    row of each id, a bucket of rows per day, and FAISS indexes made when first asked for."""

    def __init__(self, dimension: int) -> None:
        self.length = 0
        self.ids: list[str] = []
        self.outlets: list[str | None] = []
        self.row_of: dict[str, int] = {}
        self._vectors = np.zeros((64, dimension), np.float32)
        self._days = np.zeros(64, np.int64)
        self._by_day: dict[int, list[int]] = defaultdict(list)
        self._undated: list[int] = []
        self._all_index: Any = None  # every row, for undated articles
        self._undated_index: Any = None  # undated rows only, for dated articles

    @property
    def dimension(self) -> int:
        return int(self._vectors.shape[1])

    def vectors(self, size: int) -> np.ndarray:
        return self._vectors[:size]

    def days(self, size: int) -> np.ndarray:
        return self._days[:size]

    def fork(self, size: int) -> Rows:
        """A copy of the first `size` rows."""
        copy = Rows(self.dimension)
        copy.append(self.ids[:size], self._vectors[:size], self._days[:size], self.outlets[:size])
        return copy

    def append(self, ids: Sequence[str], vectors: np.ndarray, days: np.ndarray, outlets: Sequence[str | None]) -> None:
        end = self.length + len(ids)
        if end > len(self._vectors):
            size = max(end, 2 * len(self._vectors))
            grown = np.zeros((size, self.dimension), np.float32)
            grown[: self.length] = self._vectors[: self.length]
            grown_days = np.zeros(size, np.int64)
            grown_days[: self.length] = self._days[: self.length]
            self._vectors, self._days = grown, grown_days
        self._vectors[self.length : end] = vectors
        self._days[self.length : end] = days
        self.ids.extend(ids)
        self.outlets.extend(outlets)
        for row in range(self.length, end):
            self.row_of[self.ids[row]] = row
            day = int(self._days[row])
            if day == UNDATED:
                self._undated.append(row)
            else:
                self._by_day[day].append(row)
        if self._all_index is not None:
            self._all_index.add(self._vectors[self.length : end])
        new_undated = [r for r in range(self.length, end) if self._days[r] == UNDATED]
        if self._undated_index is not None and new_undated:
            self._undated_index.add(self._vectors[new_undated])
        self.length = end

    def window(self, day: int, days: int, before: int) -> np.ndarray:
        """Dated rows (below `before`) within `days` days of `day`."""
        found: list[int] = []
        span = range(day - days, day + days + 1)
        for d in span if len(span) <= len(self._by_day) else [d for d in self._by_day if d in span]:
            rows = self._by_day.get(d)
            if rows:
                found.extend(rows[: bisect_left(rows, before)])
        return np.asarray(sorted(found), dtype=np.int64)

    def nearest(self, vector: np.ndarray, k: int, before: int, undated_only: bool) -> np.ndarray:
        """Up to `k` rows (below `before`) nearest to `vector`, of any date or undated only."""
        available = bisect_left(self._undated, before) if undated_only else min(before, self.length)
        if available == 0 or k <= 0:
            return np.zeros(0, np.int64)
        index = self._index(undated_only)
        # Rows at or after `before` (the article itself, later ones of its batch) are dropped.
        wanted = min(k + index.ntotal - available, index.ntotal)
        _, found = index.search(vector.reshape(1, -1).astype(np.float32), wanted)
        rows = [int(r) for r in found[0] if r >= 0]
        if undated_only:
            rows = [self._undated[r] for r in rows]
        return np.asarray([r for r in rows if r < before][:k], dtype=np.int64)

    def _index(self, undated_only: bool) -> Any:
        import faiss

        index = self._undated_index if undated_only else self._all_index
        if index is None:
            index = faiss.IndexHNSWFlat(self.dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efSearch = HNSW_SEARCH_DEPTH
            rows = self._undated if undated_only else list(range(self.length))
            if rows:
                index.add(self._vectors[rows])
            if undated_only:
                self._undated_index = index
            else:
                self._all_index = index
        return index
