"""How a briefing groups the sentences of different outlets into facts: the groups are its
agreements, so a fact stated twice must land in one group, and two versions of a count in none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.brief import build_briefing
from rag.brief.cluster import (
    cluster_claims,
    find_agreements,
    single_source_claims,
    summarize_claims,
)
from rag.brief.facts import read_facts
from rag.brief.model import Agreement, Briefing, BriefSettings, Claim, Statement
from rag.brief.same_fact import same_figures, same_lead, same_particulars, same_tally
from rag.cite import SupportSettings
from rag.embed import Embedder, HashEmbedder
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import ingest, manifest_for
from rag.nlp import Pipeline
from rag.store.local.store import Store

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return Pipeline()


def groups(sentences: list[tuple[int, str]], embedder: Embedder, nlp: Pipeline) -> list[set[int]]:
    """The groups of `sentences` (each the outlet's key and its text), as sets of their indices."""
    claims = [Claim(key, text) for key, text in sentences]
    facts = read_facts(claims, nlp, {key: "2026-03-02" for key, _ in sentences}, None)
    vectors = embedder.embed([c.text for c in claims])
    similarity = vectors @ vectors.T
    settings = BriefSettings()
    anchored = same_figures(facts, similarity, settings) | same_particulars(claims, facts, similarity, settings)
    clusters = cluster_claims(claims, similarity, settings, SupportSettings(), anchored, facts)
    return [set(c.members) for c in clusters]


def test_one_outlets_sentence_of_two_facts_joins_each_fact_another_outlet_states_apart(
    minilm: Embedder, nlp: Pipeline
) -> None:
    sentences = [
        (
            1,
            "The Hollow Canyon fire, which began on Sunday, has destroyed 37 homes"
            " and forced about 4,000 residents to evacuate.",
        ),
        (2, "The Hollow Canyon fire has destroyed 37 homes since it began on Sunday."),
        (2, "About 4,000 residents were forced to evacuate by the Hollow Canyon fire."),
    ]
    found = groups(sentences, minilm, nlp)
    assert {0, 1} in found and {0, 2} in found


def test_a_count_one_outlet_cuts_short_is_the_same_fact(minilm: Embedder, nlp: Pipeline) -> None:
    sentences = [
        (
            1,
            "U.S. border agents stopped more than 188,000 immigrants trying to cross the southern U.S. border"
            " in June, marking a 21-year high in monthly border crossings.",
        ),
        (
            2,
            "CBP said that 188,829 migrants were encountered at the southern border,"
            " an increase from the 180,034 encountered in May.",
        ),
    ]
    assert {0, 1} in groups(sentences, minilm, nlp)


def test_a_count_rounded_to_one_digit_could_be_many_and_is_not_the_same_fact(minilm: Embedder, nlp: Pipeline) -> None:
    sentences = [
        (1, "Economists had expected claims to fall to 400,000 from last week's 406,000."),
        (
            2,
            "Initial claims in regular state programs decreased by 20,000 to 385,000 in the week ended May 29,"
            " Labor Department data showed.",
        ),
    ]
    assert groups(sentences, minilm, nlp) == [{0}, {1}]


def test_two_counts_of_one_thing_are_not_grouped_as_one_fact(minilm: Embedder, nlp: Pipeline) -> None:
    sentences = [
        (1, "Volunteers counted more than 10,000 dead fish along the river."),
        (2, "Wildlife officials counted about 3,000 dead fish along the river."),
    ]
    assert groups(sentences, minilm, nlp) == [{0}, {1}]


def test_a_fact_two_outlets_lead_with_in_other_words_is_summarised_once(tmp_path: Path, minilm: Embedder) -> None:
    leads = [
        "The Harlow city council voted 7-2 on Monday to ban gas-powered leaf blowers from next spring.",
        "Landscapers in Harlow must switch to electric blowers by next spring under a ban the city council"
        " passed on Monday.",
    ]
    others = [
        "Landscaping companies warned that switching to electric equipment would cost each crew thousands of dollars.",
        "The ordinance gives residents a rebate of up to $150 toward the price of an electric blower.",
    ]
    folder = tmp_path / "news"
    folder.mkdir()
    for number, (outlet, lead, other) in enumerate(zip(("Harlow Ledger", "Valley Wire"), leads, others, strict=True)):
        (folder / f"{number}.txt").write_text(
            f"Title: Harlow bans gas leaf blowers\nSource: {outlet}\nDate: 2026-03-03\n\n{lead} {other}"
        )
    store = Store.open(tmp_path / "index", manifest_for(minilm, ChunkParams()), create=True)
    store.acquire_lock()
    ingest(store, minilm, [folder], ChunkParams())
    briefing = build_briefing(store, minilm)
    store.close()
    summary = [s.text for s in briefing.summary]
    assert sum(any(lead[:30] in text for text in summary) for lead in leads) == 1


def naming_alike(nlp: Pipeline, first: str, second: str, alike: float) -> bool:
    """Whether two outlets' sentences, `alike` in meaning, are tied as one fact by what they name."""
    claims = [Claim(1, first), Claim(2, second)]
    facts = read_facts(claims, nlp, {1: "2026-03-02", 2: "2026-03-02"}, None)
    similarity = np.array([[1.0, alike], [alike, 1.0]])
    return bool(same_particulars(claims, facts, similarity, BriefSettings())[0, 1])


NOT_BACKING_DOWN = "Pensions Minister Olga Brandt said the government would not back down."
PRESSING_AHEAD = "Pensions Minister Olga Brandt said yesterday the government would press ahead regardless."
ACCUSED = "Union leaders accused Pensions Minister Olga Brandt of balancing the books on working people."


def test_outlets_naming_one_person_and_saying_the_same_in_other_words_state_one_fact(nlp: Pipeline) -> None:
    assert naming_alike(nlp, NOT_BACKING_DOWN, PRESSING_AHEAD, alike=0.5)


def test_naming_one_person_is_not_saying_the_same_thing(nlp: Pipeline) -> None:
    assert not naming_alike(nlp, NOT_BACKING_DOWN, ACCUSED, alike=0.5)


def test_sentences_naming_one_person_far_apart_in_meaning_are_not_one_fact(nlp: Pipeline) -> None:
    assert not naming_alike(nlp, NOT_BACKING_DOWN, PRESSING_AHEAD, alike=0.3)


@pytest.fixture(scope="module")
def nlp_with_lemmas() -> Pipeline:
    return Pipeline(lemmas=True)


def test_outlets_naming_one_judge_in_other_forms_of_a_verb_state_one_fact(
    minilm: Embedder, nlp_with_lemmas: Pipeline
) -> None:
    sentences = [
        (
            1,
            "Writing for the majority, Judge Ana Whitlock said the lower court had ignored the contract's plain terms.",
        ),
        (2, "Judge Ana Whitlock wrote the majority opinion."),
    ]
    assert {0, 1} in groups(sentences, minilm, nlp_with_lemmas)


def summary_of(nlp: Pipeline, claims: list[Claim], similarity: np.ndarray | None = None) -> list[str]:
    """The summary's sentences of these claims, each article dated 2026-03-06, as alike as
    `similarity` says (each alike only to itself, without it)."""
    facts = read_facts(claims, nlp, dict.fromkeys({c.key for c in claims}, "2026-03-06"), None)
    alike = similarity if similarity is not None else np.eye(len(claims))
    return [s.text for s in summarize_claims(claims, alike, BriefSettings(), facts)]


def test_a_summary_gives_the_event_then_its_context_then_what_people_said(nlp: Pipeline) -> None:
    claims = [
        Claim(1, "The county board voted 5-4 on Tuesday to close three elementary schools.", position=0),
        Claim(1, '"This is a sad day for our neighborhood," said parent Dana Ortiz at the meeting.', position=1),
        Claim(1, "The three schools are running at less than half of their capacity this year.", position=2),
    ]
    assert summary_of(nlp, claims) == [claims[0].text, claims[2].text, claims[1].text]


def test_a_summary_keeps_a_sentence_right_after_the_one_it_follows_in_its_article(nlp: Pipeline) -> None:
    claims = [
        Claim(1, "Early ballot returns show twice as many Democrats as Republicans have voted so far.", position=0),
        Claim(2, "The challenger released campaign advertisements in Spanish on Saturday.", position=0),
        Claim(1, "The early numbers are good news for the governor ahead of the vote.", position=1),
    ]
    assert summary_of(nlp, claims) == [claims[0].text, claims[2].text, claims[1].text]


def test_a_summary_reports_one_quotation_once(nlp: Pipeline) -> None:
    claims = [
        Claim(1, 'The mayor said on Monday the council "will not let delays stand in the way" of the new pier.'),
        Claim(2, '"We will not let these delays stand in the way of that pier," the mayor told reporters Monday.'),
    ]
    assert len(summary_of(nlp, claims)) == 1


def test_a_summary_gives_the_main_event_after_its_articles_lead_when_both_are_chosen(nlp: Pipeline) -> None:
    claims = [
        Claim(1, "Commuters in the capital woke up to empty platforms and shuttered ticket offices.", position=0),
        Claim(1, "Rail workers began a three-day national strike on Monday over pay and pensions.", position=1),
        Claim(2, "Train drivers walked out across the country on Monday in a dispute over wages.", position=0),
    ]
    similarity = np.eye(3)
    similarity[1, 2] = similarity[2, 1] = 0.6  # the strike, told by both outlets
    assert summary_of(nlp, claims, similarity)[:2] == [claims[0].text, claims[1].text]


def test_a_summary_leads_with_what_news_reports_and_gives_columns_views_after_it(nlp: Pipeline) -> None:
    claims = [
        Claim(1, "The cease-fire between the two rebel factions did not come a moment too soon.", position=0),
        Claim(2, "The two rebel factions agreed to a cease-fire on Friday after eleven days of fighting.", position=0),
        Claim(1, "Both sides should now hand their weapons to the monitors and go home.", position=1),
    ]
    facts = read_facts(claims, nlp, {1: "2026-03-06", 2: "2026-03-06"}, None)
    summary = summarize_claims(claims, np.eye(3), BriefSettings(), facts, opinion=frozenset({1}))
    assert [s.text for s in summary][0] == claims[1].text
    assert {s.text for s in summary} == {c.text for c in claims}


def test_an_agreement_of_a_column_and_a_news_report_is_worded_as_the_report_has_it(
    minilm: Embedder, nlp: Pipeline
) -> None:
    column = "Dock workers ended their harbour strike on Monday, not a day too soon."
    report = "Dock workers ended their nine-day harbour strike on Monday after accepting a pay offer."
    assert worded_agreements(column, report, minilm, nlp, opinion=frozenset({1})) == [(report, (1, 2))]


def test_a_tally_told_twice_is_summarised_once_however_else_the_sentences_differ(nlp: Pipeline) -> None:
    claims = [
        Claim(1, "The state senate voted 27-14 on Tuesday to close three prisons.", position=0),
        Claim(2, "Guards in the gallery were furious after the 27-14 vote, held past midnight.", position=0),
    ]
    facts = read_facts(claims, nlp, {1: "2026-03-06", 2: "2026-03-06"}, None)
    summary = summarize_claims(claims, np.eye(2), BriefSettings(), facts, same_tally(facts))
    assert [s.text for s in summary] == [claims[0].text]


def test_one_amount_in_common_is_not_one_fact(nlp: Pipeline) -> None:
    claims = [
        Claim(1, "The parole board approved 41 of the requests on Monday.", position=0),
        Claim(2, "The governor said the 41 people freed had served at least 20 years.", position=0),
    ]
    facts = read_facts(claims, nlp, {1: "2026-03-06", 2: "2026-03-06"}, None)
    assert not same_tally(facts).any()


def test_a_sentence_too_short_to_tell_much_is_an_agreement_but_not_a_summary_line(nlp: Pipeline) -> None:
    claims = [
        Claim(1, "No one was injured.", position=0),
        Claim(2, "No one was injured.", position=0),
        Claim(1, "A fire destroyed the old cannery on the harbour front on Sunday night.", position=1),
    ]
    facts = read_facts(claims, nlp, {1: "2026-03-06", 2: "2026-03-06"}, None)
    similarity = np.array([[1.0, 1.0, 0.2], [1.0, 1.0, 0.2], [0.2, 0.2, 1.0]])
    summary = summarize_claims(claims, similarity, BriefSettings(), facts)
    assert [s.text for s in summary] == [claims[2].text]


def worded_agreements(
    first: str, second: str, embedder: Embedder, nlp: Pipeline, opinion: frozenset[int] = frozenset()
) -> list[tuple[str, tuple[int, ...]]]:
    """The agreements of `first` (outlet 1) and `second` (outlet 2), taken as one fact (cosine
    .9), each as its wording and citations; `opinion`: the outlets that are opinion pieces."""
    claims = [Claim(1, first), Claim(2, second)]
    facts = read_facts(claims, nlp, {1: "2026-03-02", 2: "2026-03-02"}, None)
    similarity = np.array([[1.0, 0.9], [0.9, 1.0]])
    settings, support_settings = BriefSettings(), SupportSettings()
    clusters = cluster_claims(claims, similarity, settings, support_settings, None, facts)
    texts = {c.key: c.text for c in claims}
    found = find_agreements(claims, similarity, clusters, texts, embedder, support_settings, settings, facts, opinion)
    return [(a.text, a.citations) for a in found]


def agreed(first: str, second: str, embedder: Embedder, nlp: Pipeline) -> list[tuple[int, ...]]:
    claims = [Claim(1, first), Claim(2, second)]
    facts = read_facts(claims, nlp, {1: "2026-03-02", 2: "2026-03-02"}, None)
    vectors = embedder.embed([c.text for c in claims])
    similarity = vectors @ vectors.T
    settings, support_settings = BriefSettings(), SupportSettings()
    clusters = cluster_claims(claims, similarity, settings, support_settings, None, facts)
    texts = {c.key: c.text for c in claims}
    agreements = find_agreements(claims, similarity, clusters, texts, embedder, support_settings, settings, facts)
    return [a.citations for a in agreements]


def test_outlets_naming_the_same_party_in_other_words_are_an_agreement(minilm: Embedder, nlp: Pipeline) -> None:
    first = "Sen. Yvonne Castile, the Democratic leader, called it the most restrictive voting law this state has seen."
    second = "Their leader in the Senate, Yvonne Castile, has vowed to make the new voting law an issue next year."
    assert agreed(first, second, minilm, nlp) == [(1, 2)]


def test_outlets_giving_the_same_length_of_time_in_other_words_are_an_agreement(
    minilm: Embedder, nlp: Pipeline
) -> None:
    first = "The driver faces up to seven years in prison on each charge."
    second = "Each charge carries a maximum sentence of seven years."
    assert agreed(first, second, minilm, nlp) == [(1, 2)]


JETS = "Fighter jets were scrambled from Pearl Harbor on Sunday."


def one_source_only(first: str, nlp: Pipeline, alike: float, agreements: list[Agreement]) -> list[str]:
    """What a briefing of `first` (outlet 1) and JETS (outlet 2), `alike` in meaning, reports
    as said by one source only."""
    claims = [Claim(1, first), Claim(2, JETS)]
    facts = read_facts(claims, nlp, {1: "2026-06-14", 2: "2026-06-14"}, None)
    similarity = np.array([[1.0, alike], [alike, 1.0]])
    clusters = cluster_claims(claims, similarity, BriefSettings(), SupportSettings(), None, facts)
    return [s.text for s in single_source_claims(claims, facts, similarity, clusters, BriefSettings(), agreements)]


def agreements_of(claims: list[Claim], similarity: np.ndarray, nlp: Pipeline, date: str) -> tuple[int, list[Agreement]]:
    """How many groups two outlets' claims (keys 1 and 2, all of `date`) form, and the agreements listed."""
    facts = read_facts(claims, nlp, {1: date, 2: date}, None)
    texts = {key: " ".join(c.text for c in claims if c.key == key) for key in (1, 2)}
    settings = BriefSettings()
    clusters = cluster_claims(claims, similarity, settings, SupportSettings(), None, facts)
    support = SupportSettings()
    agreements = find_agreements(claims, similarity, clusters, texts, HashEmbedder(), support, settings, facts)
    return len(clusters), agreements


def test_a_tally_two_outlets_give_twice_is_listed_as_one_agreement(nlp: Pipeline) -> None:
    claims = [
        Claim(1, "The state senate voted 27-14 on Tuesday to close three prisons."),
        Claim(2, "The state senate voted 27-14 on Tuesday to close three of its prisons."),
        Claim(1, "The vote, held by secret ballot, was 27-14."),
        Claim(2, "The vote, held by secret ballot, was 27-14 in the end."),
    ]
    similarity = np.array([[1.0, 0.9, 0.2, 0.2], [0.9, 1.0, 0.2, 0.2], [0.2, 0.2, 1.0, 0.9], [0.2, 0.2, 0.9, 1.0]])
    clusters, agreements = agreements_of(claims, similarity, nlp, "2026-03-06")
    assert clusters == 2 and len(agreements) == 1


def test_an_amount_another_outlet_gives_as_a_bound_it_meets_is_no_figure_of_one_source(nlp: Pipeline) -> None:
    claims = [
        Claim(1, "The governor declared a state of emergency on Tuesday and committed almost $139 million to it."),
        Claim(2, "The governor declared a disaster emergency on Tuesday and announced $138 million in new spending."),
    ]
    facts = read_facts(claims, nlp, {1: "2026-06-14", 2: "2026-06-14"}, None)
    similarity = np.array([[1.0, 0.9], [0.9, 1.0]])
    clusters = cluster_claims(claims, similarity, BriefSettings(), SupportSettings(), None, facts)
    assert single_source_claims(claims, facts, similarity, clusters, BriefSettings(), []) == []


def test_the_wording_of_an_agreement_is_not_also_reported_by_one_source_only(nlp: Pipeline) -> None:
    agreed = "The drill, about 300 miles west of Hawaii, came days before the summit in Geneva."
    assert agreed not in one_source_only(agreed, nlp, 0.5, [Agreement(agreed, (1, 2), 2)])


def test_a_sentence_leaning_on_its_neighbours_is_not_reported_by_one_source_only(nlp: Pipeline) -> None:
    leaning = "That's according to a report published on March 4 by the National Center for Health Statistics."
    assert one_source_only(leaning, nlp, 0.1, []) == [JETS]


def test_an_agreement_is_worded_by_a_sentence_that_stands_alone(minilm: Embedder, nlp: Pipeline) -> None:
    alone = "Governor Lucia Ferrante said those released would be supervised by parole officers after release."
    leaning = "It said they will be supervised by parole officers after their release."
    assert worded_agreements(alone, leaning, minilm, nlp) == [(alone, (1, 2))]


COUNCIL_LEAD = "The Dunmore city council on Tuesday approved closing the Harbor Street fire station to save money."
WIRE_LEAD = "Dunmore will shut its Harbor Street firehouse after councillors backed the cut on Tuesday night."


def leads_alike(first: str, second: str, nlp: Pipeline, alike: float, positions: tuple[int, int] = (0, 0)) -> bool:
    """Whether two outlets' sentences, `alike` in meaning, at `positions` in their articles (0:
    the lead), are tied as one fact for being the leads."""
    claims = [Claim(1, first, position=positions[0]), Claim(2, second, position=positions[1])]
    facts = read_facts(claims, nlp, {1: "2026-03-04", 2: "2026-03-04"}, None)
    similarity = np.array([[1.0, alike], [alike, 1.0]])
    return bool(same_lead(claims, facts, similarity, BriefSettings())[0, 1])


def test_two_outlets_leads_as_alike_as_one_story_tell_its_event_once(nlp: Pipeline) -> None:
    assert leads_alike(COUNCIL_LEAD, WIRE_LEAD, nlp, alike=BriefSettings().cluster_similarity)


def test_leads_less_alike_than_one_story_are_not_tied(nlp: Pipeline) -> None:
    assert not leads_alike(COUNCIL_LEAD, WIRE_LEAD, nlp, alike=BriefSettings().cluster_similarity - 0.05)


def test_sentences_further_into_their_articles_are_not_tied_for_being_alike(nlp: Pipeline) -> None:
    assert not leads_alike(COUNCIL_LEAD, WIRE_LEAD, nlp, alike=BriefSettings().cluster_similarity, positions=(0, 3))


def test_leads_that_place_their_events_on_different_days_are_two_events(nlp: Pipeline) -> None:
    monday = "Israeli jets struck targets in Gaza on Monday evening, killing at least 20 people."
    tuesday = "Israel launched more airstrikes on Gaza early Tuesday, hitting a high-rise building."
    assert not leads_alike(monday, tuesday, nlp, alike=0.7)


SENATE_LEADS = (
    "Senators have approved a massive spending plan to boost technology research and production.",
    "The Senate passed sweeping legislation on Tuesday that invests billions of dollars in science and technology.",
)


def briefing_of(
    tmp_path_factory: pytest.TempPathFactory, minilm: Embedder, title: str, date: str, texts: tuple[str, ...]
) -> Briefing:
    """The briefing of one article per text, each from an outlet of its own, ingested and briefed."""
    folder = tmp_path_factory.mktemp("news")
    for number, (outlet, text) in enumerate(zip(("Capitol Ledger", "Valley Wire"), texts, strict=True)):
        (folder / f"{number}.txt").write_text(f"Title: {title}\nSource: {outlet}\nDate: {date}\n\n{text}")
    store = Store.open(tmp_path_factory.mktemp("index") / "index", manifest_for(minilm, ChunkParams()), create=True)
    store.acquire_lock()
    ingest(store, minilm, [folder], ChunkParams())
    briefing = build_briefing(store, minilm)
    store.close()
    return briefing


@pytest.fixture(scope="module")
def leading_alike(tmp_path_factory: pytest.TempPathFactory, minilm: Embedder) -> Briefing:
    """A briefing of two outlets that lead with one event in other words (less alike in their
    words than an agreement needs), each going on to something of its own."""
    others = ("Critics said the plan would mostly help large companies.", "The measure now goes to the House.")
    texts = tuple(f"{lead} {other}" for lead, other in zip(SENATE_LEADS, others, strict=True))
    return briefing_of(tmp_path_factory, minilm, "Senate passes science bill", "2026-05-27", texts)


def test_an_outlet_is_not_cited_for_a_leads_words_it_does_not_bear_out(leading_alike: Briefing) -> None:
    # One event, told once; but neither lead's words are the other outlet's, so no agreement cites both.
    assert all(len(a.citations) < 2 for a in leading_alike.agreements)


def test_an_event_two_outlets_lead_with_in_other_words_is_summarised_once(leading_alike: Briefing) -> None:
    summary = [s.text for s in leading_alike.summary]
    assert sum(any(lead[:30] in text for text in summary) for lead in SENATE_LEADS) == 1


VAN_ORDERS = (
    "Orders for Brenton Motors' electric vans fell by 1,800 to 23,400 in the third quarter, the carmaker said on"
    " Wednesday. Dealers blamed the end of a state rebate.",
    "Brenton Motors booked 23,400 van orders between July and September, 1,800 fewer than in the spring, figures"
    " the company released on Wednesday show. The company plans to open a second plant in 2027.",
)


@pytest.fixture(scope="module")
def figures_alike(tmp_path_factory: pytest.TempPathFactory, minilm: Embedder) -> Briefing:
    """A briefing of two outlets giving one quarter's figures in words of their own."""
    return briefing_of(tmp_path_factory, minilm, "Brenton van orders fall", "2026-03-03", VAN_ORDERS)


def test_a_summary_sentence_worded_as_an_agreement_cites_every_outlet_it_does(figures_alike: Briefing) -> None:
    agreement = next(a for a in figures_alike.agreements if "23,400" in a.text)
    line = next(s for s in figures_alike.summary if "23,400" in s.text)
    assert len(agreement.citations) == 2
    assert line.citations == agreement.citations


def test_a_summary_sentence_worded_as_an_agreement_keeps_each_outlets_own_words(figures_alike: Briefing) -> None:
    line = next(s for s in figures_alike.summary if "23,400" in s.text)
    own = {q.citations: q.text for q in line.quotes}
    assert set(own) == {(k,) for k in line.citations}
    assert any(text.startswith("Brenton Motors booked 23,400") for text in own.values())


def test_the_json_of_a_summary_sentence_gives_each_outlets_own_words(figures_alike: Briefing) -> None:
    from rag.shapes import briefing_json

    line = next(s for s in briefing_json(figures_alike)["summary"] if "23,400" in s["text"])
    assert {tuple(q["citations"]) for q in line["quotes"]} == {(k,) for k in line["citations"]}


def test_the_eval_checks_each_outlet_of_an_agreed_summary_sentence_in_its_own_words() -> None:
    from rag.eval.stories import cited_words

    agreed = Statement("Orders fell by 1,800 to 23,400.", (1, 2), (Statement("Orders fell.", (1,)),))
    briefing = Briefing(None, (agreed,), (), (), (), (), (), ())
    assert cited_words(briefing) == [("Orders fell.", 1), ("Orders fell by 1,800 to 23,400.", 2)]


def test_the_eval_reads_a_summary_sentence_in_the_words_it_shows() -> None:
    from rag.eval.stories import statements_of

    agreed = Statement("Orders fell by 1,800 to 23,400.", (1, 2), (Statement("Orders fell.", (1,)),))
    briefing = Briefing(None, (agreed,), (), (), (), (), (), ())
    assert statements_of(briefing) == [("Orders fell by 1,800 to 23,400.", (1, 2))]


def test_two_agreements_worded_by_two_outlets_leads_alike_as_one_storys_are_listed_once(nlp: Pipeline) -> None:
    claims = [
        Claim(1, "Senate Republicans on Thursday unveiled a $928 billion infrastructure offer.", position=0),
        Claim(2, "Republican senators put forward a $928 billion infrastructure offer on Thursday.", position=4),
        Claim(2, "Republican lawmakers on Thursday unveiled their counteroffer to the White House.", position=0),
        Claim(1, "Republican lawmakers on Thursday presented their counteroffer to the White House.", position=5),
    ]
    similarity = np.array([[1.0, 0.9, 0.7, 0.5], [0.9, 1.0, 0.5, 0.5], [0.7, 0.5, 1.0, 0.9], [0.5, 0.5, 0.9, 1.0]])
    clusters, agreements = agreements_of(claims, similarity, nlp, "2026-05-28")
    assert clusters == 2 and len(agreements) == 1


def test_two_agreements_sharing_one_amount_are_two_facts(nlp: Pipeline) -> None:
    # "41 inmates" can be in two facts: who was pardoned, and why.
    claims = [
        Claim(1, "The governor commuted the sentences of 41 inmates on Tuesday.", position=0),
        Claim(2, "The governor on Tuesday commuted the sentences of 41 inmates.", position=0),
        Claim(1, "All 41 prisoners are over 65 or seriously ill, her office said.", position=3),
        Claim(2, "Her office said all 41 prisoners are over 65 or seriously ill.", position=2),
    ]
    far = 0.55
    similarity = np.array([[1, 0.9, far, far], [0.9, 1, far, far], [far, far, 1, 0.9], [far, far, 0.9, 1]])
    _, agreements = agreements_of(claims, similarity, nlp, "2026-12-24")
    assert len(agreements) == 2


LEAF_BLOWERS = [
    Claim(1, "On Monday the Harlow council banned gas leaf blowers, which neighbours had complained of.", position=0),
    Claim(2, "Harlow's council voted on Monday to ban gas-powered leaf blowers from next spring.", position=0),
    Claim(3, "Landscapers said switching to electric blowers would cost each crew thousands of dollars.", position=0),
]


def test_a_fact_is_told_in_its_agreements_wording(nlp: Pipeline) -> None:
    facts = read_facts(LEAF_BLOWERS, nlp, {1: "2026-03-03", 2: "2026-03-03", 3: "2026-03-03"}, None)
    similarity = np.array([[1.0, 0.7, 0.2], [0.7, 1.0, 0.2], [0.2, 0.2, 1.0]])
    agreed = {0: 1, 1: 1}  # both outlets' sentences of the ban: the agreement is worded by the second
    summary = summarize_claims(LEAF_BLOWERS, similarity, BriefSettings(), facts, wording=agreed)
    assert [s.text for s in summary] == [LEAF_BLOWERS[1].text, LEAF_BLOWERS[2].text]


def test_a_fact_whose_agreement_wording_leans_on_its_neighbours_keeps_its_own(nlp: Pipeline) -> None:
    leaning = [*LEAF_BLOWERS[:1], Claim(2, "That ban takes effect next spring, the council said.", position=0)]
    facts = read_facts(leaning, nlp, {1: "2026-03-03", 2: "2026-03-03"}, None)
    similarity = np.array([[1.0, 0.7], [0.7, 1.0]])
    summary = summarize_claims(leaning, similarity, BriefSettings(), facts, wording={0: 1, 1: 1})
    assert [s.text for s in summary] == [leaning[0].text]
