"""What a summary may quote: a sentence that makes sense without its neighbours."""

from __future__ import annotations

import pytest

from rag.brief.standalone import stands_alone
from rag.nlp import Pipeline


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return Pipeline()


def alone(nlp: Pipeline, text: str, days_dated: bool = False) -> bool:
    return stands_alone(text, nlp.parse_one(text), days_dated=days_dated)


@pytest.mark.parametrize(
    "text",
    [
        "He said the plan would cost too much.",
        "But the council voted against the measure.",
        "By contrast, the harbour board voted to keep the ferry running.",
        "That was the third closure this year.",
        "This warming has already cost the region two ski seasons.",
        "These measures will take effect only after a second vote.",
        "While we were all stuck in the same place.",
        ". talking about the same things.",
        '"It is an appeal to executive clemency.',
        "Will the plan survive the winter?",
        "What's happening: The council closed the station.",
        '"We will not back down."',
        '"We will not back down," she said.',
        "Make no mistake that he was.",
        "After closing the shop for the night, she walked to the harbour.",
        "'Most of the masks you buy over the counter do not work.",
        "‘We will not back down.’",
        '"Trying to shape behaviour is not the same as following the science," he added.',
        "Higher fares and parking fees would pay for most of it.",
        "Without it, thousands of commuters would have no way into the city.",
        "I think everyone will be taking the train in the future.”",
        "Another tenant has not paid him a cent in 20 months.",
        "“We view that as a victory,” she told CNN's Tomas Berg.",
        "As of Tuesday afternoon (March 11), that is most of the county's schools.",
    ],
)
def test_a_sentence_leaning_on_its_neighbours_does_not_stand_alone(nlp: Pipeline, text: str) -> None:
    assert not alone(nlp, text)


@pytest.mark.parametrize(
    "text",
    [
        "I carry no brief for the harbour master, who has run the port like a private club.",
        "The new stadium, I am afraid, will never pay for itself.",
        "Each morning, as my daughter waits for the late bus, the council's promises ring hollow.",
    ],
)
def test_a_sentence_in_the_writers_own_voice_does_not_stand_alone(nlp: Pipeline, text: str) -> None:
    assert not alone(nlp, text)


@pytest.mark.parametrize(
    "text",
    [
        "As we went to press, the harbour strike looked set to end.",
        "The new levy will hit our fishermen hardest of all.",
        "We are also scrapping the harbour levy from next spring.",
    ],
)
def test_a_first_person_plural_no_one_is_said_to_speak_does_not_stand_alone(nlp: Pipeline, text: str) -> None:
    assert not alone(nlp, text)


@pytest.mark.parametrize(
    "text",
    [
        "If you are unvaccinated, you will not be able to eat indoors at any restaurant in the city.",
        "Here is what your family needs to know about the new school bus routes.",
    ],
)
def test_a_sentence_speaking_to_its_reader_does_not_stand_alone(nlp: Pipeline, text: str) -> None:
    assert not alone(nlp, text)


@pytest.mark.parametrize(
    "text",
    [
        "Take, for example, the harbour master, who has run the port for thirty years.",
        "Call that a good harvest, since prices held up all autumn.",
        "Take the mayor’s claim that the new bridge was “built for nobody who lives here.”",
    ],
)
def test_a_sentence_bidding_its_reader_does_not_stand_alone(nlp: Pipeline, text: str) -> None:
    assert not alone(nlp, text)


@pytest.mark.parametrize(
    "text",
    [
        '"Stop the closure," dock workers chanted outside the harbour office.',
        "Residents should boil their tap water for at least a minute.",
    ],
)
def test_a_quoted_imperative_and_an_instruction_with_its_subject_stand_alone(nlp: Pipeline, text: str) -> None:
    assert alone(nlp, text)


@pytest.mark.parametrize(
    "text",
    [
        '"We will not back down," Mayor Ana Ruiz said on the steps of the town hall.',
        "The US and Canada signed the harbour treaty in Ottawa.",
    ],
)
def test_we_in_a_quotation_and_the_us_in_capitals_stand_alone(nlp: Pipeline, text: str) -> None:
    assert alone(nlp, text)


@pytest.mark.parametrize(
    "text",
    [
        '"I will not resign," Mayor Ana Ruiz said on the steps of the town hall.',
        'Not a decision I wanted to make," Mayor Ana Ruiz told the council.',
        "Senator Tomas Berg (I-Maine) voted against the harbour bill.",
    ],
)
def test_a_first_person_someone_is_quoted_saying_stands_alone(nlp: Pipeline, text: str) -> None:
    assert alone(nlp, text)


@pytest.mark.parametrize(
    "text",
    ["In March, the harbour board voted to keep the ferry running.", "In a statement, the board said it would appeal."],
)
def test_a_sentence_opening_on_a_date_or_a_described_noun_stands_alone(nlp: Pipeline, text: str) -> None:
    assert alone(nlp, text)


def test_a_sentence_opening_on_its_subordinate_clause_stands_alone(nlp: Pipeline) -> None:
    assert alone(nlp, "While the council debated the budget, protesters gathered outside the hall.")


def test_a_demonstrative_naming_a_time_stands_alone(nlp: Pipeline) -> None:
    assert alone(nlp, "This week the council approved the budget for 2026.")


def test_a_quotation_with_its_speaker_stands_alone(nlp: Pipeline) -> None:
    assert alone(nlp, '"We will not back down," said Mayor Ana Ruiz, "not this year."')


def test_a_relative_day_stands_alone_only_with_its_date(nlp: Pipeline) -> None:
    assert not alone(nlp, "The council approved the budget on Tuesday night.")
    assert alone(nlp, "The council approved the budget on Tuesday night (March 11).")


def test_the_end_of_a_quotation_with_its_speaker_stands_alone(nlp: Pipeline) -> None:
    assert alone(nlp, "Each day brings added risk to our crews,” Mayor Ana Ruiz said on Tuesday (March 11).")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("The budget passed in Tuesday's (March 11) vote.", id="after its possessive"),
        pytest.param(
            'Mayor Ana Ruiz said the crews "will be back tomorrow [March 12] at dawn."',
            id="in square brackets inside a quotation",
        ),
        pytest.param(
            "Hervis Rogers voted on Super Tuesday in March 2020 after a six-hour wait.", id="as its month and year"
        ),
    ],
)
def test_a_relative_day_with_its_date_written_stands_alone(nlp: Pipeline, text: str) -> None:
    assert alone(nlp, text)


@pytest.mark.parametrize(
    "text",
    [
        "The governor said he would veto the bill.",
        "In his speech on the budget, Mayor Ana Ruiz said the plan would cost too much.",
        '"We will not back down," Ana Ruiz said of her council.',
        "Mayor Ana Ruiz's handling of the strike is costing her support.",
        "The council approved the budget, and the mayor voted for it.",
        "In the last session of its term, the council approved the budget.",
        "Officials made it clear that the road would stay closed.",
        "In the end, those who stayed home decided the election.",
    ],
)
def test_a_pronoun_for_someone_or_something_the_sentence_names_stands_alone(nlp: Pipeline, text: str) -> None:
    assert alone(nlp, text)


def test_a_decade_written_with_an_apostrophe_is_no_quotation(nlp: Pipeline) -> None:
    assert alone(nlp, "'90s music is back in the charts this year.")


def test_a_sentence_leading_in_to_what_follows_it_does_not_stand_alone(nlp: Pipeline) -> None:
    text = "The majority opinion looked at militia laws in American history and came to one conclusion:"
    assert not alone(nlp, text)
