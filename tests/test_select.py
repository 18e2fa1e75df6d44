"""Choosing the passages to read: one article's cap, and copies dropped unless they differ in
what they state."""

from __future__ import annotations

from rag.retrieve import HIT_PAGE, RetrievalParams, paged_hits, select
from rag.types import Hit


def hit(article: int, text: str) -> Hit:
    return Hit(article, article, f"doc{article}", f"Title {article}", None, None, None, text, 1.0)


def test_a_word_for_word_copy_from_another_outlet_is_read_once() -> None:
    text = "The harbour authority closed the north quay on Monday after a crane collapsed."
    chosen = select([hit(1, text), hit(2, text)], RetrievalParams())
    assert [h.article_id for h in chosen] == [1]


def test_a_copy_that_names_someone_else_is_kept_beside_the_first() -> None:
    first = "The trade treaty was signed in Lisbon on Friday by both ministers, officials said."
    second = "The trade treaty was signed in Porto on Friday by both ministers, officials said."
    chosen = select([hit(1, first), hit(2, second)], RetrievalParams())
    assert [h.article_id for h in chosen] == [1, 2]


def test_a_copy_that_gives_another_number_is_kept_beside_the_first() -> None:
    first = "Officials said 1,200 people were evacuated from the valley before the river burst its banks."
    second = "Officials said 3,400 people were evacuated from the valley before the river burst its banks."
    chosen = select([hit(1, first), hit(2, second)], RetrievalParams())
    assert [h.article_id for h in chosen] == [1, 2]


class CountingStore:
    """Serves `hits` of its own passages and records which chunk ids each call asked for."""

    def __init__(self, passages: dict[int, Hit]) -> None:
        self.passages = passages
        self.calls: list[list[int]] = []

    def hits(self, chunk_ids: list[int], scores: list[float] | None = None) -> list[Hit]:
        self.calls.append(list(chunk_ids))
        return [self.passages[i] for i in chunk_ids]


def _candidates(count: int, articles: int) -> tuple[CountingStore, list[int]]:
    """`count` distinct passages spread over `articles` articles, ids 0…count-1 in rank order."""
    passages = {
        i: Hit(i, i % articles, f"doc{i % articles}", "T", None, None, None, f"Fact number {i} about quay {i}.", 1.0)
        for i in range(count)
    }
    return CountingStore(passages), list(range(count))


def test_choosing_a_few_passages_reads_only_the_first_page_of_candidates() -> None:
    store, ids = _candidates(64, 64)
    chosen = select(paged_hits(store, ids, [1.0] * 64), RetrievalParams(k=5))
    assert [h.chunk_id for h in chosen] == [0, 1, 2, 3, 4]
    assert store.calls == [ids[:HIT_PAGE]]


def test_the_other_candidates_are_read_at_once_when_the_first_page_is_not_enough() -> None:
    store, ids = _candidates(64, 3)  # three articles: at most 2 passages each, so 6 in all
    chosen = select(paged_hits(store, ids, [1.0] * 64), RetrievalParams(k=8))
    assert [h.chunk_id for h in chosen] == [0, 1, 2, 3, 4, 5]
    assert store.calls == [ids[:HIT_PAGE], ids[HIT_PAGE:]]
