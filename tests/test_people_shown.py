"""People lists everyone the briefing's own sentences name in full, not only those described,
quoted or named by two articles: a reader meets them in the summary and asks who they are."""

from __future__ import annotations

import pytest
from nicknames import NickNamer

from rag.brief import people_named_in
from rag.brief.facts import ClaimFacts, read_facts
from rag.brief.model import Claim, Statement
from rag.brief.names import begins_with_a_given_name
from rag.brief.people import person_entries
from rag.brief.roles import Role
from rag.nlp import Pipeline

SENTENCE = "Maggie Nichols testified for an hour near Quarry Lane."


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return Pipeline()


def test_someone_named_once_in_a_shown_sentence_is_listed(nlp: Pipeline) -> None:
    claims = [Claim(1, SENTENCE)]
    facts = read_facts(claims, nlp, {1: "2021-09-15"}, None)
    shown = people_named_in([Statement(SENTENCE, (1,))], claims, facts, NickNamer())
    listed = person_entries(claims, facts, {}, [], shown)
    assert "Maggie Nichols" in [entry.name for entry in listed]


def test_someone_named_once_in_no_shown_sentence_is_not_listed(nlp: Pipeline) -> None:
    claims = [Claim(1, SENTENCE)]
    facts = read_facts(claims, nlp, {1: "2021-09-15"}, None)
    assert person_entries(claims, facts, {}, []) == []


@pytest.mark.parametrize(
    "sentence",
    ["Residents of Quarry Lane said the water was brown.", "Firefighter Patrick said the blaze spread fast."],
)
def test_a_name_without_a_given_name_first_is_not_taken_for_someone_shown(nlp: Pipeline, sentence: str) -> None:
    claims = [Claim(1, sentence)]
    facts = read_facts(claims, nlp, {1: "2021-09-15"}, None)
    assert facts[0].people  # the recogniser takes it for a person
    assert people_named_in([Statement(sentence, (1,))], claims, facts, NickNamer()) == set()


def test_someone_called_by_surname_alone_elsewhere_is_listed_whatever_their_given_name(nlp: Pipeline) -> None:
    shown = "Cori Bush arrived in Congress as an heir to Alexandria Ocasio-Cortez."
    claims = [Claim(1, shown), Claim(1, "Bush has led a one-woman protest on the Capitol steps for days.")]
    facts = read_facts(claims, nlp, {1: "2021-08-04"}, None)
    assert not begins_with_a_given_name("Cori Bush", NickNamer())  # the table does not know every given name
    assert "Cori Bush" in people_named_in([Statement(shown, (1,))], claims[:1], facts[:1], NickNamer(), facts)


def test_someone_a_shown_sentence_quotes_is_listed_whatever_their_given_name(nlp: Pipeline) -> None:
    sentence = "Speaking to reporters in the worst-hit areas, Sipho Dlamini said the police had identified instigators."
    claims = [Claim(1, sentence)]
    facts = read_facts(claims, nlp, {1: "2021-07-16"}, None)
    assert not begins_with_a_given_name("Sipho Dlamini", NickNamer())
    assert people_named_in([Statement(sentence, (1,))], claims, facts, NickNamer()) == {"Sipho Dlamini"}


def test_one_description_is_listed_once_however_the_parse_told_it_apart() -> None:
    claims = [Claim(1, "Sentence one."), Claim(2, "Sentence two.")]
    facts = [ClaimFacts(people=["Tomas Berg"]), ClaimFacts(people=["Tomas Berg"])]
    apart = {
        Role("Tomas Berg", "Labour MP", "mp", False, frozenset()): [1],
        Role("Tomas Berg", "Labour MP", "mp", False, frozenset({"labour"})): [2],
    }
    [entry] = person_entries(claims, facts, {"Tomas Berg": apart}, [])
    assert [(s.text, s.citations) for s in entry.descriptions] == [("Labour MP", (1, 2))]
