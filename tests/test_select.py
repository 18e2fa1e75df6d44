"""Choosing the passages to read: one article's cap, and copies dropped unless they differ in
what they state."""

from __future__ import annotations

from rag.retrieve import RetrievalParams, select
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
