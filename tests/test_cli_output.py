"""What `rag ask` prints for a person: citations numbered in the order a reader meets them."""

from __future__ import annotations

import pytest

from rag.cli.output import render_answer
from rag.types import Answer, AnswerSentence, Hit, Source


def hit(key: int) -> Hit:
    return Hit(key, key, f"doc-{key}", f"Title {key}", f"Outlet {key}", "2025-06-07", None, f"Text {key}.", 1.0)


def answer() -> Answer:
    sentences = (
        AnswerSentence("Novikov offered asylum.", (5,), True),
        AnswerSentence("Peskov declined to comment.", (7, 6), True),
    )
    sources = tuple(Source(key, hit(key), f"Quote {key}.") for key in (5, 6, 7))
    return Answer("Who offered asylum?", "", False, sentences, sources)


def test_citations_are_numbered_by_first_appearance_not_by_retrieval_rank(capsys: pytest.CaptureFixture[str]) -> None:
    render_answer(answer(), streamed=False)
    printed = capsys.readouterr().out
    assert "Novikov offered asylum. [1]" in printed and "Peskov declined to comment. [2][3]" in printed
    listed = [line.split("]")[0] + "]" for line in printed.splitlines() if line.startswith("[")]
    assert listed == ["[1]", "[2]", "[3]"]
    assert printed.index("[2] Title 7") < printed.index("[3] Title 6")


def test_a_streamed_answer_keeps_the_keys_its_text_already_showed(capsys: pytest.CaptureFixture[str]) -> None:
    render_answer(answer(), streamed=True)
    printed = capsys.readouterr().out
    assert "[5] Title 5" in printed and "[7] Title 7" in printed
