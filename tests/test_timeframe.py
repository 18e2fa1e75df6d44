"""Time-relative questions: the period a question points to, and retrieval that favours it."""

import datetime as dt

import pytest

from rag.retrieve import favour_recent
from rag.timeframe import Window, time_window
from rag.types import Hit

THURSDAY = dt.date(2022, 6, 16)
PHRASES = {
    "Who was recognized this week?": ("2022-06-09", "2022-06-16"),
    "Which show was green-lit last week?": ("2022-06-02", "2022-06-09"),
    "What happened yesterday in the capital?": ("2022-06-15", "2022-06-15"),
    "What did the mayor announce today?": ("2022-06-16", "2022-06-16"),
    "Today, which team won?": ("2022-06-16", "2022-06-16"),
    "Which company cut jobs this month?": ("2022-06-01", "2022-06-16"),
    "What did prices do last month?": ("2022-05-01", "2022-05-31"),
    "Who won the vote on Tuesday?": ("2022-06-14", "2022-06-14"),
    "What closed last Friday?": ("2022-06-10", "2022-06-10"),
    "Who won the title last year?": ("2021-01-01", "2021-12-31"),
    "What has the index done this year?": ("2022-01-01", "2022-06-16"),
}


@pytest.mark.parametrize(("question", "period"), PHRASES.items(), ids=PHRASES.keys())
def test_a_relative_phrase_becomes_a_period_before_the_reference(question: str, period: tuple[str, str]) -> None:
    window = time_window(question, THURSDAY)
    assert window is not None
    assert (window.start.isoformat(), window.end.isoformat()) == period


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2020 election?",
        "Where is the nowhere man?",
        "What is the capital of Australia?",
        "Who plays next week?",
        "Does the Business Today article discuss rates?",
        "Which brand had Black Friday deals?",
        "Who won the Monday Night Football game?",
        "Who hosted on Saturday Night Live?",
    ],
)
def test_a_question_that_names_no_recent_time_gets_no_period(question: str) -> None:
    assert time_window(question, THURSDAY) is None


def hit(chunk_id: int, date: str | None, score: float) -> Hit:
    return Hit(chunk_id, chunk_id, f"d{chunk_id}", "T", None, date, None, "text", score)


def test_an_article_from_the_period_outranks_a_slightly_better_match_from_years_ago() -> None:
    window = Window(dt.date(2022, 6, 9), dt.date(2022, 6, 16), "this week")
    hits = [hit(1, "2019-06-12", 0.9), hit(2, "2022-06-12", 0.8), hit(3, None, 0.85)]
    ranked = favour_recent(hits, window, weight=0.2)
    assert [h.chunk_id for h in ranked] == [2, 1, 3]


def test_closeness_halves_every_week_outside_the_period() -> None:
    window = Window(dt.date(2022, 6, 9), dt.date(2022, 6, 16), "this week")
    ranked = favour_recent([hit(1, "2022-06-02", 0.0), hit(2, "2022-05-26", 0.0)], window, weight=1.0)
    assert [round(h.score, 3) for h in ranked] == [0.5, 0.25]
