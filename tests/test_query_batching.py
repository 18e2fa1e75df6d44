"""Queries embedded at the same moment by several threads share model runs (rag.embed.batching),
and each caller gets the vector of its own text."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from rag.embed import HashEmbedder
from rag.embed.batching import QueryBatcher
from rag.errors import RagError

QUESTIONS = [f"Who closed harbour number {i}?" for i in range(24)]


class GatedEmbedder(HashEmbedder):
    """Records the texts of each call; the first call waits until `gate` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.batches: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        if len(self.batches) == 1:
            self.gate.wait(timeout=30)
        return super().embed(texts)


class FailingEmbedder(HashEmbedder):
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        raise RagError("the model failed")


def _queued(batcher: QueryBatcher, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(batcher._queue) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_each_concurrent_caller_gets_the_vector_of_its_own_text() -> None:
    batcher = QueryBatcher(HashEmbedder(), runners=2)
    with ThreadPoolExecutor(8) as pool:
        vectors = list(pool.map(lambda q: batcher.embed([q]), QUESTIONS))
    assert all(np.array_equal(v, HashEmbedder().embed([q])) for q, v in zip(QUESTIONS, vectors, strict=True))


def _waiting_behind_a_busy_model(batcher: QueryBatcher, inner: GatedEmbedder) -> None:
    """One question holds the only runner while three more queue behind it."""
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(batcher.embed, ["The first question?"])
        while not inner.batches:
            time.sleep(0.01)
        rest = [pool.submit(batcher.embed, [q]) for q in QUESTIONS[:3]]
        _queued(batcher, 3)
        inner.gate.set()
        first.result(), [r.result() for r in rest]


def test_queries_waiting_for_a_busy_model_are_embedded_in_one_run_when_batching() -> None:
    inner = GatedEmbedder()
    _waiting_behind_a_busy_model(QueryBatcher(inner, runners=1, max_batch=4), inner)
    assert inner.batches == [["The first question?"], QUESTIONS[:3]]


def test_by_default_each_waiting_query_has_a_run_of_its_own() -> None:
    inner = GatedEmbedder()
    _waiting_behind_a_busy_model(QueryBatcher(inner, runners=1), inner)
    assert inner.batches == [["The first question?"], *([q] for q in QUESTIONS[:3])]


def test_no_more_runs_are_in_flight_than_runners() -> None:
    in_flight, most = 0, 0
    lock = threading.Lock()

    class CountingEmbedder(HashEmbedder):
        def embed(self, texts: Sequence[str]) -> np.ndarray:
            nonlocal in_flight, most
            with lock:
                in_flight += 1
                most = max(most, in_flight)
            time.sleep(0.02)
            with lock:
                in_flight -= 1
            return super().embed(texts)

    batcher = QueryBatcher(CountingEmbedder(), runners=2)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda q: batcher.embed([q]), QUESTIONS[:16]))
    assert most == 2


def test_a_model_failure_reaches_every_caller_of_the_run() -> None:
    batcher = QueryBatcher(FailingEmbedder(), runners=1)
    with ThreadPoolExecutor(4) as pool:
        outcomes = [pool.submit(batcher.embed, [q]) for q in QUESTIONS[:4]]
    for outcome in outcomes:
        with pytest.raises(RagError, match="the model failed"):
            outcome.result()


def test_several_texts_in_one_call_go_to_the_model_as_they_are() -> None:
    inner = GatedEmbedder()
    inner.gate.set()
    QueryBatcher(inner, runners=1).embed(QUESTIONS[:5])
    assert inner.batches == [QUESTIONS[:5]]
