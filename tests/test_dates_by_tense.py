"""Dates by tense and anchor: a weekday or a date without a year is the last one for what has
happened and the next one for what is to come, counted from the article's own date."""

from __future__ import annotations

import numpy as np
import pytest

from rag.brief import dated_days
from rag.brief.facts import read_facts
from rag.brief.model import BriefSettings, Claim, Statement
from rag.brief.timeline import build_timeline
from rag.dates import DateResolver, tense_of
from rag.nlp import Pipeline

FRIDAY = "2025-03-14"  # a Friday


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return Pipeline()


def dated(nlp: Pipeline, sentence: str, article_date: str = FRIDAY) -> str | None:
    doc = nlp.parse([sentence])[0]
    entity = next(e for e in doc.ents if e.label_ == "DATE")
    mention = DateResolver().resolve(entity.text, article_date, None, tense_of(entity))
    return mention.date if mention else None


def as_shown(nlp: Pipeline, sentence: str, article_date: str | None = FRIDAY) -> str:
    """The sentence as a summary shows it, the dates of its relative days written in."""
    claim = Claim(1, sentence)
    facts = read_facts([claim], nlp, {1: article_date}, None)
    return dated_days([Statement(claim.text, (1,))], [claim], facts)[0].text


@pytest.mark.parametrize(
    ("sentence", "date"),
    [
        ("The board approved the budget on Tuesday.", "2025-03-11"),
        ("The union said it would decide by Thursday.", "2025-03-20"),
        ("The museum will reopen on Tuesday.", "2025-03-18"),
        ("Residents have until Wednesday to file objections.", "2025-03-19"),
        ("The team hopes to finish the repairs by Monday.", "2025-03-17"),
        ("The mayor had signed the order by Wednesday.", "2025-03-12"),
        ("Unions have called a general strike for Thursday.", "2025-03-20"),
        ("The inspector said she expected the first results by Monday.", "2025-03-17"),
        ("By Tuesday, 300 homes had been evacuated.", "2025-03-11"),
        ("By Wednesday, most residents left the valley.", "2025-03-12"),
        ("The mayor would have signed the order on Tuesday.", "2025-03-11"),
        ("The Ledger was the first to report the merger on Tuesday.", "2025-03-11"),
        ("Okafor was the only senator to vote against the bill on Wednesday.", "2025-03-12"),
    ],
)
def test_a_weekday_is_the_last_for_the_past_and_the_next_for_the_future(
    nlp: Pipeline, sentence: str, date: str
) -> None:
    assert dated(nlp, sentence) == date


def test_a_past_event_without_a_year_is_in_the_year_before_when_its_month_is_later(nlp: Pipeline) -> None:
    assert dated(nlp, "The senator first raised the matter in a phone call on Nov. 3.", "2025-02-10") == "2024-11-03"


def test_what_people_were_trying_to_do_is_dated_by_the_verb_that_tells_of_them(nlp: Pipeline) -> None:
    sentence = "Border agents stopped more than 180,000 migrants trying to cross the border in June."
    assert dated(nlp, sentence, "2025-07-16") == "2025-06"


def test_a_month_told_in_its_own_month_is_that_month(nlp: Pipeline) -> None:
    assert dated(nlp, "Strong job growth was expected in July.", "2025-07-22") == "2025-07"


@pytest.mark.parametrize(
    ("sentence", "date"),
    [
        ("Hiring is at its weakest since January.", "2025-01"),
        ("The gains are a big drop from July, when more than a million jobs were created.", "2025-07"),
        ("With a big shortfall in hiring in August, it appears the recovery has stalled.", "2025-08"),
        ("As of Tuesday afternoon, that is most of the country's counties.", "2025-09-02"),
        ("The agency is extending the pause through Jan. 31, which it described as final.", "2026-01-31"),
    ],
)
def test_a_month_in_a_sentence_in_the_present_is_not_put_in_the_year_to_come(
    nlp: Pipeline, sentence: str, date: str
) -> None:
    assert dated(nlp, sentence, "2025-09-03") == date


def test_a_bill_number_is_no_date(nlp: Pipeline) -> None:
    facts = read_facts([Claim(1, "Liberals have made the bill, H.R. 1, their top priority.")], nlp, {1: FRIDAY}, None)
    assert facts[0].dates == []


def test_a_weekday_followed_by_its_month_and_year_is_not_counted_from_the_article(nlp: Pipeline) -> None:
    claim = Claim(1, "Rogers voted after midnight on Super Tuesday in March 2020, and the clip went viral.")
    facts = read_facts([claim], nlp, {1: "2021-07-13"}, None)
    assert [d.date for d in facts[0].dates] == ["2020-03"]


def test_a_weekday_a_few_words_before_a_year_is_still_counted_from_the_article(nlp: Pipeline) -> None:
    facts = read_facts([Claim(1, "The IMF on Tuesday slashed its 2021 forecast.")], nlp, {1: FRIDAY}, None)
    assert "2025-03-11" in [d.date for d in facts[0].dates]


def test_a_deadline_without_a_year_is_in_the_year_after_when_its_month_is_earlier(nlp: Pipeline) -> None:
    assert dated(nlp, "The agency will publish its findings by Jan. 20.", "2025-11-04") == "2026-01-20"


@pytest.mark.parametrize(
    ("sentence", "article_date", "date"),
    [
        ("The ministry has been engaged in an effort to move the archive before Aug. 31.", "2025-08-25", "2025-08-31"),
        ("The council rejected a plan to fund the libraries into December.", "2025-09-27", "2025-12"),
    ],
)
def test_the_end_a_plan_sets_is_the_nearest_whatever_the_tense_of_its_telling(
    nlp: Pipeline, sentence: str, article_date: str, date: str
) -> None:
    assert dated(nlp, sentence, article_date) == date


def test_a_past_event_earlier_in_the_year_stays_in_it(nlp: Pipeline) -> None:
    assert dated(nlp, "The company announced the merger on Feb. 2.", "2025-03-14") == "2025-02-02"


def test_a_summary_writes_the_date_of_a_day_named_relative_to_its_article(nlp: Pipeline) -> None:
    assert (
        as_shown(nlp, "The council approved the budget on Tuesday after a long debate.")
        == "The council approved the budget on Tuesday (March 11) after a long debate."
    )


def test_a_summary_writes_the_date_of_last_night(nlp: Pipeline) -> None:
    assert (
        as_shown(nlp, "The senator gave the party's reply to the governor's speech last night.")
        == "The senator gave the party's reply to the governor's speech last night (March 13)."
    )


def test_last_night_in_an_undated_article_does_not_stand_alone(nlp: Pipeline) -> None:
    claim = Claim(1, "The senator gave the party's reply to the governor's speech last night.")
    assert read_facts([claim], nlp, {1: None}, None)[0].standalone is False


def test_the_date_of_a_possessive_day_follows_its_possessive(nlp: Pipeline) -> None:
    assert (
        as_shown(nlp, "The plan was approved in Tuesday's vote of 285-120.")
        == "The plan was approved in Tuesday's (March 11) vote of 285-120."
    )


def test_an_age_after_a_name_is_not_a_date(nlp: Pipeline) -> None:
    facts = read_facts([Claim(1, "Police arrested Dmitri Vance, 34, on Wednesday.")], nlp, {1: FRIDAY}, None)
    assert [d.date for d in facts[0].dates] == ["2025-03-12"]


def test_a_date_that_qualifies_a_noun_is_not_on_the_timeline(nlp: Pipeline) -> None:
    claim = Claim(1, "Police on Wednesday charged a local man in the Nov. 29 holdup of a jewelry store.")
    facts = read_facts([claim], nlp, {1: "2024-12-06"}, None)
    timeline = build_timeline([claim], facts, np.ones((1, 1)), BriefSettings())
    assert [event.date for event in timeline] == ["2024-12-04"]


def test_a_day_the_sentence_names_twice_is_dated_both_times(nlp: Pipeline) -> None:
    shown = as_shown(nlp, "The general spoke on Thursday during a briefing Thursday afternoon.", "2021-06-09")
    assert shown.count("(June 3)") == 2


@pytest.mark.parametrize("when", ["early Friday", "11:59 p.m. Saturday", "later today"])
def test_a_day_named_with_its_hour_is_that_day(when: str) -> None:
    mention = DateResolver().resolve(when, "2021-06-09", None, "future")
    assert mention is not None and mention.precision == "day" and mention.text == when


def test_a_relative_day_in_an_undated_article_does_not_stand_alone(nlp: Pipeline) -> None:
    claim = Claim(1, "The council approved the budget on Tuesday after a long debate.")
    assert read_facts([claim], nlp, {1: None}, None)[0].standalone is False


def test_a_weekday_the_parse_sets_beside_a_name_is_still_a_date(nlp: Pipeline) -> None:
    claim = Claim(1, "The Supreme Court Monday issued two unsigned opinions.")
    assert [d.date for d in read_facts([claim], nlp, {1: "2021-10-20"}, None)[0].dates] == ["2021-10-18"]


def timeline_dates(nlp: Pipeline, sentence: str, article_date: str) -> list[str]:
    claim = Claim(1, sentence)
    facts = read_facts([claim], nlp, {1: article_date}, None)
    return [event.date for event in build_timeline([claim], facts, np.ones((1, 1)), BriefSettings())]


def test_a_sentence_is_placed_once_at_the_date_of_its_own_event(nlp: Pipeline) -> None:
    sentence = "The league banned the cyclist on Tuesday, saying a sample taken after a race in August was positive."
    assert timeline_dates(nlp, sentence, "2025-03-14") == ["2025-03-11"]


def test_the_start_of_a_state_is_not_the_day_of_the_event(nlp: Pipeline) -> None:
    sentence = "The company's shares, traded in Frankfurt since June, fell 4% on Wednesday."
    assert timeline_dates(nlp, sentence, "2025-03-14") == ["2025-03-12"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Weekly claims for jobless benefits fell to 204,000, the lowest level since October 2019.",
        "The river crested for the first time since March 2011 above its flood stage.",
        "The charity said it has rehoused 1,250 families since Jan. 9.",
        "Ridership on the line has grown by 18 percent since 2016.",
        "Ferry fares rose 6 percent from January.",
        "The talks were their first since the mayor took office in January.",
        "The charity has rehoused 1,250 families since the storm hit in January.",
    ],
)
def test_the_date_a_comparison_or_a_total_is_measured_from_is_not_on_the_timeline(nlp: Pipeline, sentence: str) -> None:
    assert timeline_dates(nlp, sentence, "2025-03-14") == []


@pytest.mark.parametrize(
    "sentence",
    [
        "The Senate voted to repeal the Harbour Defence Act of 1951.",
        "Residents still talk about the great flood of 2013.",
    ],
)
def test_a_date_that_names_a_law_or_an_event_of_its_own_is_not_on_the_timeline(nlp: Pipeline, sentence: str) -> None:
    assert timeline_dates(nlp, sentence, "2025-03-14") == []


def test_a_part_of_a_day_dates_the_event_by_its_day(nlp: Pipeline) -> None:
    assert timeline_dates(nlp, "The suspect was arrested on the morning of March 5.", "2025-03-14") == ["2025-03-05"]


def test_a_state_begun_by_an_event_is_dated_by_that_event(nlp: Pipeline) -> None:
    sentence = "The harbour shop has been closed since its owner died in January."
    assert timeline_dates(nlp, sentence, "2025-03-14") == ["2025-01"]


def test_a_state_begun_on_a_date_is_dated_by_its_beginning(nlp: Pipeline) -> None:
    sentence = "The museum's east wing has been closed since Feb. 3."
    assert timeline_dates(nlp, sentence, "2025-03-14") == ["2025-02-03"]


def test_a_day_named_as_the_owner_of_a_thing_is_not_on_the_timeline(nlp: Pipeline) -> None:
    sentence = "With crews still clearing debris after Sunday's storm, officials want to know why the alarms failed."
    assert timeline_dates(nlp, sentence, "2025-03-14") == []


def test_a_day_that_names_a_thing_dates_neither_the_sentence_nor_itself(nlp: Pipeline) -> None:
    sentence = "The House Jan. 6 committee announced on Wednesday that it seeks testimony from a former official."
    assert timeline_dates(nlp, sentence, "2021-10-14") == ["2021-10-13"]


def test_an_event_is_told_in_a_sentence_that_stands_alone_when_one_gives_it(nlp: Pipeline) -> None:
    leaning = Claim(1, "He was arrested on Wednesday at his home in Halden.")
    alone = Claim(2, "Police arrested the former mayor Tomas Berg on Wednesday at his home in Halden.")
    leaning.relevance, alone.relevance = 0.9, 0.5
    facts = read_facts([leaning, alone], nlp, {1: "2024-12-06", 2: "2024-12-06"}, None)
    [event] = build_timeline([leaning, alone], facts, np.ones((2, 2)), BriefSettings())
    assert event.event == alone.text


def test_an_outlet_dating_the_event_in_other_words_is_not_cited_for_the_words_shown(nlp: Pipeline) -> None:
    shown = Claim(1, "Police arrested the former mayor Tomas Berg on Wednesday at his home in Halden.")
    other = Claim(2, "Detectives detained Halden's ex-leader on Wednesday.")
    shown.relevance, other.relevance = 0.9, 0.5
    facts = read_facts([shown, other], nlp, {1: "2024-12-06", 2: "2024-12-06"}, None)
    [event] = build_timeline([shown, other], facts, np.ones((2, 2)), BriefSettings())
    assert (event.event, event.citations) == (shown.text, (1,))


def test_an_event_told_only_in_sentences_leaning_on_others_is_not_on_the_timeline(nlp: Pipeline) -> None:
    assert timeline_dates(nlp, "He was arrested on Wednesday at his home in Halden.", "2024-12-06") == []


def test_a_day_on_a_thing_a_present_copula_describes_is_the_nearest(nlp: Pipeline) -> None:
    sentence = "The ruling Wednesday by Judge Ana Ruiz is the first legal blow to the harbour law."
    assert timeline_dates(nlp, sentence, "2025-03-13") == ["2025-03-12"]


def test_a_day_before_its_time_of_day_is_the_day_of_the_event(nlp: Pipeline) -> None:
    sentence = "On Monday morning, the port authority released a statement on the oil spill."
    assert timeline_dates(nlp, sentence, "2025-03-14") == ["2025-03-10"]


def test_a_date_written_into_a_quotation_is_in_square_brackets(nlp: Pipeline) -> None:
    shown = as_shown(
        nlp,
        'Biden said he expected "a significant de-escalation today on the path to a ceasefire," aides said Wednesday',
        "2021-05-20",
    )
    assert '"a significant de-escalation today [May 19] on the path' in shown


def test_a_speakers_relative_day_counts_from_the_day_they_spoke(nlp: Pipeline) -> None:
    claim = Claim(1, "“Tomorrow we will send 50 troops to the border,” the governor wrote on Monday.")
    facts = read_facts([claim], nlp, {1: "2021-06-30"}, None)
    assert [d.date for d in facts[0].dates] == ["2021-06-29", "2021-06-28"]


def test_a_speakers_relative_day_on_an_unknown_day_is_not_dated_and_does_not_stand_alone(nlp: Pipeline) -> None:
    claim = Claim(1, "“Today, the agency is updating its guidance for travellers,” the director told reporters.")
    facts = read_facts([claim], nlp, {1: "2021-05-14"}, None)
    assert facts[0].dates == [] and facts[0].standalone is False


def test_a_day_word_opening_a_quotation_is_a_day_whatever_the_recogniser_calls_it(nlp: Pipeline) -> None:
    claim = Claim(1, '"Today I\'m announcing that I intend to file cloture on the bill on Monday," Schumer said.')
    assert read_facts([claim], nlp, {1: "2021-07-15"}, None)[0].standalone is False


@pytest.mark.parametrize("tense", [None, "past", "future", "present"])
def test_a_relative_day_is_counted_from_the_article_whatever_the_tense(tense: str | None) -> None:
    assert [DateResolver().resolve(day, "2021-06-29", None, tense).date for day in ("tomorrow", "yesterday")] == [
        "2021-06-30",
        "2021-06-28",
    ]


@pytest.mark.parametrize(
    ("sentence", "date"),
    [
        ("The council voted to close the harbour on Wednesday, hours after the union walked out.", "2025-03-12"),
        ("Fuel prices started to climb again in February.", "2025-02"),
        ("The mayor shouted loudly enough to be heard across the square on Thursday.", "2025-03-13"),
    ],
)
def test_what_someone_did_or_set_out_to_do_in_the_past_is_not_put_in_the_days_to_come(
    nlp: Pipeline, sentence: str, date: str
) -> None:
    assert dated(nlp, sentence) == date


def test_what_was_due_is_still_to_come(nlp: Pipeline) -> None:
    assert dated(nlp, "The report was due to be released on Thursday.") == "2025-03-20"


def test_a_day_in_a_sentence_whose_verb_the_parse_missed_is_dated_by_that_verb(nlp: Pipeline) -> None:
    sentence = (
        'The so-called "Justice for K9" rally, a right-wing protest Saturday to support the rioters'
        " facing criminal charges in the May 2 attack, was smaller than expected."
    )
    assert dated(nlp, sentence) == "2025-03-08"


def test_the_date_an_amount_is_compared_with_is_not_the_events(nlp: Pipeline) -> None:
    sentence = "In the month of February alone, fares rose 0.6%, slightly less than in January."
    assert "2025-01" not in timeline_dates(nlp, sentence, "2025-03-14")
