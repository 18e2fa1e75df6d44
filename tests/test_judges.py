"""What `rag eval` judges in any briefing, without labels: summary sentences that repeat a fact."""

from __future__ import annotations

import pytest

from rag.brief.model import Agreement, Briefing, Statement
from rag.embed import Embedder
from rag.eval.judges import JudgeTally, judge_briefing
from rag.nlp import Pipeline

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return Pipeline()


def judged(
    embedder: Embedder, nlp: Pipeline, summary: list[str], agreed: tuple[str, ...] = (), articles: tuple[str, ...] = ()
) -> JudgeTally:
    """The judge's tally of a briefing with these summary sentences and agreements (each agreed by two)."""
    briefing = Briefing(
        topic=None,
        summary=tuple(Statement(text, (1,)) for text in summary),
        agreements=tuple(Agreement(text, (1, 2), 2) for text in agreed),
        discrepancies=(),
        single_source=(),
        timeline=(),
        people=(),
        sources=(),
    )
    tally = JudgeTally()
    judge_briefing(briefing, list(articles), embedder, nlp, tally)
    return tally


def repeats(summary: list[str], embedder: Embedder, nlp: Pipeline, articles: list[str] | None = None) -> int:
    return judged(embedder, nlp, summary, articles=tuple(articles or ())).repeating


def test_the_same_amount_told_twice_in_other_words_is_a_repeat(minilm: Embedder, nlp: Pipeline) -> None:
    summary = [
        "Leaders of the G-7 countries are set to pledge 1 billion vaccine doses to developing nations.",
        "The wealthy nations pledged to deliver more than 1 billion doses of coronavirus vaccine this summer.",
    ]
    assert repeats(summary, minilm, nlp) == 1


def test_a_count_and_a_larger_amount_with_the_same_digits_are_not_one_figure(minilm: Embedder, nlp: Pipeline) -> None:
    summary = [
        "Leaders of the G-7 countries pledged vaccines to 100 developing nations during the summit.",
        "The U.K. is expected to commit to sending 100 million doses to poorer countries at the G-7 summit.",
    ]
    assert repeats(summary, minilm, nlp) == 0


def test_a_tally_told_twice_is_a_repeat_however_else_the_sentences_differ(minilm: Embedder, nlp: Pipeline) -> None:
    summary = [
        "The state senate voted 27-14 on Tuesday to close three prisons.",
        "Guards in the gallery were furious after the 27-14 vote, held past midnight.",
    ]
    assert repeats(summary, minilm, nlp) == 1


PIER_QUOTE = [
    'At the harbour on Monday, the mayor vowed the council "will not let delays stand in the way" of rebuilding.',
    '"We will not let these delays stand in the way of that," she said after engineers found cracks in the pilings.',
]


def test_one_quotation_reported_twice_is_a_repeat(minilm: Embedder, nlp: Pipeline) -> None:
    assert repeats(PIER_QUOTE, minilm, nlp) == 1


def test_a_set_phrase_two_speakers_quote_is_no_repeat(minilm: Embedder, nlp: Pipeline) -> None:
    summary = [
        'The governor said the ruling upheld "the rule of law" in the state.',
        'Protesters outside the court chanted that the judges had abandoned "the rule of law."',
    ]
    assert repeats(summary, minilm, nlp) == 0


SCIENCE_BILL = [
    "Senators have approved a massive spending plan to boost technology research and production.",
    "The Senate passed sweeping legislation on Tuesday that invests billions of dollars in science and technology.",
]


def test_two_outlets_leads_telling_one_event_in_other_words_are_a_repeat(minilm: Embedder, nlp: Pipeline) -> None:
    articles = [
        f"{SCIENCE_BILL[0]} Critics said it would help large companies.",
        f"{SCIENCE_BILL[1]} It goes to the House.",
    ]
    assert repeats(SCIENCE_BILL, minilm, nlp, articles) == 1


def test_the_same_sentences_further_into_their_articles_are_no_repeat(minilm: Embedder, nlp: Pipeline) -> None:
    articles = [
        f"Critics said it would help large companies. {SCIENCE_BILL[0]}",
        f"It goes to the House. {SCIENCE_BILL[1]}",
    ]
    assert repeats(SCIENCE_BILL, minilm, nlp, articles) == 0


def test_an_agreement_giving_the_fact_of_one_listed_before_it_is_a_repeat(minilm: Embedder, nlp: Pipeline) -> None:
    agreed = [
        "Weekly jobless claims fell by 92,000 to 498,000, the Labor Department said on Thursday.",
        "Unemployment claims fell to 498,000 last week, a new low since the pandemic began.",
        "Economists had expected about 540,000 new claims.",
    ]
    tally = judged(minilm, nlp, [], tuple(agreed))
    assert (tally.agreements, tally.agreements_repeating) == (3, 1)
