"""Figures compared across outlets: an amount spelled in words is the same figure in digits,
a quantity is compared with another in the same unit, a bound ("more than 40") contradicts only
an amount it rules out, and two sentences worded apart still differ when their figures count
the same thing under the same verb."""

from __future__ import annotations

import numpy as np
import pytest

from rag.brief.compare import number_conflicts, tell_figures_apart
from rag.brief.facts import read_facts
from rag.brief.model import BriefSettings, Claim
from rag.brief.numbers import bound_of, rounds_to, spelled_number, with_digits
from rag.embed import Embedder, HashEmbedder
from rag.nlp import Pipeline

DAY = "2025-03-14"


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return Pipeline()


def differences(nlp: Pipeline, first: str, second: str, embedder: Embedder | None = None) -> list[str]:
    """The kinds of difference found between two claims, alike as `embedder` finds them (as
    alike as one fact told twice, without one)."""
    claims = [Claim(1, first), Claim(2, second)]
    facts = read_facts(claims, nlp, {1: DAY, 2: DAY}, None)
    if embedder is None:
        embedder, similarity = HashEmbedder(), np.array([[1.0, 0.9], [0.9, 1.0]])
    else:
        vectors = embedder.embed([first, second])
        similarity = vectors @ vectors.T
    dates: dict[int, str | None] = {1: DAY, 2: DAY}
    return [d.kind for d in number_conflicts(claims, facts, similarity, BriefSettings(), dates, embedder)]


@pytest.mark.parametrize(
    ("words", "number"),
    [(["fourteen"], 14), (["Twenty", "three"], 23), (["two", "hundred", "and", "five"], 205), (["and"], None)],
)
def test_numbers_spelled_in_words_are_read(words: list[str], number: int | None) -> None:
    assert spelled_number(words) == number


def test_a_scale_word_stays_beside_the_spelled_number() -> None:
    assert with_digits(["two", "million"]) == ["2", "million"]


def test_the_same_count_in_words_and_in_digits_is_no_disagreement(nlp: Pipeline) -> None:
    assert (
        differences(nlp, "Fourteen people were arrested after the march.", "14 people were arrested after the march.")
        == []
    )


def test_two_areas_in_the_same_unit_are_compared(nlp: Pipeline) -> None:
    found = differences(
        nlp, "The fire had burned 8,400 acres by Monday.", "The fire has scorched more than 11,000 acres."
    )
    assert found == ["number"]


def test_an_outlet_does_not_contradict_an_amount_it_gives_itself(nlp: Pipeline) -> None:
    claims = [
        Claim(1, "The fire had burned 8,400 acres by Monday."),
        Claim(1, "By Wednesday the fire had burned 11,000 acres, officials said."),
        Claim(2, "The fire has burned 11,000 acres."),
    ]
    facts = read_facts(claims, nlp, {1: DAY, 2: DAY}, None)
    similarity = np.full((3, 3), 0.9)
    found = number_conflicts(claims, facts, similarity, BriefSettings(), {1: DAY, 2: DAY}, HashEmbedder())
    assert found == []


def test_an_amount_the_recogniser_left_out_is_still_a_figure(nlp: Pipeline) -> None:
    claim = Claim(1, "The Group of 7 wealthy nations pledged to deliver more than 1 billion doses of the vaccine.")
    values = {f.value for f in read_facts([claim], nlp, {1: DAY}, None)[0].figures}
    assert "1 billion" in values


def test_a_lower_and_an_upper_bound_that_can_both_hold_are_no_disagreement(nlp: Pipeline) -> None:
    first = "Some patients pay more than $25 a month for their inhalers, the insurer said."
    second = "Patients pay as much as $120 a month for their inhalers, the group said."
    assert differences(nlp, first, second) == []


def test_a_bound_that_rules_out_the_other_amount_is_a_disagreement(nlp: Pipeline) -> None:
    first = "Police said about 12,000 people marched through the capital on Saturday."
    second = "Organizers said more than 45,000 people marched through the capital on Saturday."
    assert differences(nlp, first, second) == ["number"]


def test_two_lengths_of_one_time_in_one_unit_differ(nlp: Pipeline) -> None:
    first = "The council agreed to extend the curfew for two weeks."
    second = "The council voted to extend the curfew for three weeks."
    assert differences(nlp, first, second) == ["number"]


def test_a_length_given_as_a_bound_is_no_disagreement(nlp: Pipeline) -> None:
    first = "The council agreed to extend the curfew for three weeks."
    second = "The council voted to extend the curfew for more than two weeks."
    assert differences(nlp, first, second) == []


def test_two_lengths_of_one_time_are_not_grouped_as_one_fact(nlp: Pipeline) -> None:
    claims = [
        Claim(1, "The council agreed to extend the curfew for two weeks."),
        Claim(2, "The council voted to extend the curfew for three weeks."),
    ]
    first, second = read_facts(claims, nlp, {1: DAY, 2: DAY}, None)
    assert tell_figures_apart(first, second)


def test_an_ordinal_period_is_no_length(nlp: Pipeline) -> None:
    first = "Output grew 6.5% in the second quarter."
    second = "Output grew 6.5% in the third quarter."
    assert differences(nlp, first, second) == []


def test_two_counts_of_one_thing_worded_apart_differ(nlp: Pipeline, minilm: Embedder) -> None:
    first = "The river burst its banks overnight, forcing about 1,200 residents from their homes."
    second = "Roughly 800 residents were forced to abandon their homes as floodwater swamped the town."
    assert differences(nlp, first, second, minilm) == ["number"]


def test_counts_under_different_verbs_are_no_disagreement(nlp: Pipeline, minilm: Embedder) -> None:
    first = "The blast killed two people, officials said."
    second = "The blast injured 14 people, officials said."
    assert differences(nlp, first, second, minilm) == []


def test_counts_over_different_periods_are_no_disagreement(nlp: Pipeline, minilm: Embedder) -> None:
    first = "Over five years, enrollment fell 9 percent as families left for the suburbs, the report said."
    second = "Since 2015 enrollment fell 12 percent, and the board now plans to close three schools."
    assert differences(nlp, first, second, minilm) == []


def test_a_round_figure_for_a_precise_one_is_no_disagreement(nlp: Pipeline, minilm: Embedder) -> None:
    first = "The state will remove 101,789 outdated names from its voter rolls, the secretary of state said."
    second = "Election officials are set to remove some 100,000 names from the voter rolls this week."
    assert differences(nlp, first, second, minilm) == []


@pytest.mark.parametrize(
    ("a", "b", "rounded"),
    [
        (101_789, 100_000, True),
        (1_234, 1_200, True),
        (188_829, 188_000, True),  # cut short: "more than 188,000"
        (1_250, 1_200, False),
        (1_200, 800, False),
        (17, 14, False),
    ],
)
def test_a_figure_written_round_stands_for_a_precise_one(a: float, b: float, rounded: bool) -> None:
    assert rounds_to(a, b) is rounded and rounds_to(b, a) is rounded


@pytest.mark.parametrize(
    ("text", "bound"),
    [("more than $25", "least"), ("as much as $120", "most"), ("about 12,000", ""), ("up to 40", "most")],
)
def test_the_words_before_an_amount_tell_whether_it_is_a_bound(text: str, bound: str) -> None:
    assert bound_of(text) == bound
