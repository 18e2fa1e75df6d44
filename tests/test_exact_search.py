"""An exact index is searched on its own rows (rag.store.local.vectors.exact_search): the same
neighbours and scores as FAISS's own search of it, best first, ties by id."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from rag.store.local.vectors import IndexSpec, empty, exact_search, is_exact

DIMENSION = 16


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def rows() -> np.ndarray:
    return _unit(np.random.default_rng(7).standard_normal((500, DIMENSION)))


@pytest.fixture
def index(rows: np.ndarray) -> faiss.Index:
    made = empty(DIMENSION, IndexSpec("flat"))
    made.add_with_ids(rows, np.arange(1000, 1000 + len(rows), dtype=np.int64))
    return made


@pytest.fixture
def queries() -> np.ndarray:
    return _unit(np.random.default_rng(8).standard_normal((6, DIMENSION)))


def test_it_finds_what_faiss_finds_in_the_same_order(index: faiss.Index, queries: np.ndarray) -> None:
    expected_scores, expected_ids = index.search(queries, 20)
    scores, ids = exact_search(index, queries, 20)
    assert np.array_equal(ids, expected_ids)
    assert np.allclose(scores, expected_scores, atol=1e-5)


def test_it_keeps_to_the_allowed_ids(index: faiss.Index, queries: np.ndarray) -> None:
    allowed = np.arange(1000, 1500, 7, dtype=np.int64)
    selector = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))  # type: ignore[call-arg]
    _, expected_ids = index.search(queries, 10, params=selector)
    _, ids = exact_search(index, queries, 10, allowed)
    assert np.array_equal(ids, expected_ids)


def test_fewer_allowed_rows_than_asked_leave_the_rest_empty(index: faiss.Index, queries: np.ndarray) -> None:
    _, ids = exact_search(index, queries[:1], 5, np.array([1003, 1004], dtype=np.int64))
    assert sorted(ids[0, :2]) == [1003, 1004]
    assert list(ids[0, 2:]) == [-1, -1, -1]


def test_equal_scores_are_ordered_by_id(rows: np.ndarray) -> None:
    index = empty(DIMENSION, IndexSpec("flat"))
    index.add_with_ids(np.repeat(rows[:1], 3, axis=0), np.array([30, 10, 20], dtype=np.int64))
    _, ids = exact_search(index, rows[:1], 3)
    assert list(ids[0]) == [10, 20, 30]


def test_rows_added_and_removed_after_a_search_are_seen_by_the_next(index: faiss.Index, rows: np.ndarray) -> None:
    exact_search(index, rows[:1], 1)
    index.remove_ids(np.array([1000], dtype=np.int64))
    index.add_with_ids(rows[:1], np.array([5], dtype=np.int64))
    _, ids = exact_search(index, rows[:1], 1)
    assert ids[0, 0] == 5


def test_inverted_lists_are_not_exact(rows: np.ndarray) -> None:
    ivf = empty(DIMENSION, IndexSpec("ivf", nlist=4, nprobe=2), training=rows)
    assert not is_exact(ivf)
