"""Disagreement on stories written for the tests (tests/fixtures/disagreement_cases.py): outlets
that give different answers are said to disagree, and outlets that agree in other words, with
aliases or with a second name in passing, are not. The floor is one under what the reader
reached on these cases (8 of 10); what it misses is en_core_web_sm mislabelling a name (a city
it calls a person, one ship's name a person and the other's an organisation)."""

from __future__ import annotations

import pytest
from fixtures.disagreement_cases import AGREE, DISAGREE, Case

from rag.embed import Embedder
from rag.llm.protocol import AnswerRequest, Reply
from rag.reader.extractive import ExtractiveLLM
from rag.text import normalize
from rag.types import Hit


@pytest.fixture(scope="module")
def reader(minilm: Embedder) -> ExtractiveLLM:
    return ExtractiveLLM(minilm)


def answer(reader: ExtractiveLLM, case: Case) -> Reply:
    passages = tuple(
        (key, Hit(key, key, f"doc{key}", f"Title {key}", outlet, date, None, text, 1.0 - key / 100))
        for key, (text, outlet, date) in enumerate(case.passages, start=1)
    )
    return reader.answer(AnswerRequest(case.question, passages))


def shows_both_sides(reply: Reply, case: Case) -> bool:
    given = [normalize(a.text) for c in reply.conflicts for a in c.answers]
    return all(any(normalize(expected) in text for text in given) for expected in case.answers)


def test_most_disagreements_between_outlets_are_said_out_loud(reader: ExtractiveLLM) -> None:
    shown = [shows_both_sides(answer(reader, case), case) for case in DISAGREE]
    assert sum(shown) >= 7, [c.question for c, ok in zip(DISAGREE, shown, strict=True) if not ok]


def test_outlets_that_agree_in_other_words_are_not_said_to_disagree(reader: ExtractiveLLM) -> None:
    alarms = [case.question for case in AGREE if answer(reader, case).conflicts]
    assert not alarms
