"""The offline reader: short answers of the type a question asks for, and disagreement between
sources said out loud. The passages are written for these tests, not taken from the seeds."""

from __future__ import annotations

import pytest

from rag.answer import answer_from_hits
from rag.embed import Embedder
from rag.llm.protocol import AnswerRequest, ScriptedLLM
from rag.nlp import Pipeline
from rag.prompt import Prompts
from rag.reader.extractive import ExtractiveLLM
from rag.reader.question import FACTOID, OPEN, YES_NO, LabelGlossary, classify
from rag.types import Hit


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return Pipeline()


@pytest.fixture(scope="module")
def glossary(nlp: Pipeline, minilm: Embedder) -> LabelGlossary:
    return LabelGlossary.build(nlp, minilm.embed)


@pytest.fixture(scope="module")
def reader(nlp: Pipeline) -> ExtractiveLLM:
    return ExtractiveLLM(nlp=nlp)


def passages(*items: tuple[str, str | None, str | None]) -> tuple[tuple[int, Hit], ...]:
    """(text, outlet, date) for each passage, one article each."""
    return tuple(
        (key, Hit(key, key, f"doc{key}", f"Title {key}", source, date, None, text, 1.0 - key / 100))
        for key, (text, source, date) in enumerate(items, start=1)
    )


# Two outlets placing one signing in two cities.
TREATY = passages(
    ("The trade treaty was signed in Lisbon on Friday by both ministers.", "Harbour Times", "2024-05-10"),
    ("Both ministers signed the trade treaty in Porto on Friday.", "Coast Daily", "2024-05-10"),
)


@pytest.mark.parametrize(
    ("question", "form", "label"),
    [
        ("Who opened the new bridge?", FACTOID, "PERSON"),
        ("When did the dock strike end?", FACTOID, "DATE"),
        ("Where was the trade treaty signed?", FACTOID, "GPE"),
        ("How many workers joined the strike?", FACTOID, "CARDINAL"),
        ("How much did the council pay for the land?", FACTOID, "MONEY"),
        ("Which city hosted the summit?", FACTOID, "GPE"),
        ("In what year did the museum open?", FACTOID, "DATE"),
        ("Did the mayor sign the budget?", YES_NO, None),
        ("Why did the minister resign?", OPEN, None),
        ("Who is Maria Lindqvist?", OPEN, None),
        ("What is the name of the ferry company's new boat?", FACTOID, "PRODUCT"),
    ],
)
def test_a_question_is_read_for_the_type_of_answer_it_wants(
    question: str, form: str, label: str | None, nlp: Pipeline, glossary: LabelGlossary, minilm: Embedder
) -> None:
    kind = classify(question, nlp, lambda: glossary, minilm.embed)
    assert kind.form == form
    if label is not None:
        assert label in kind.labels


def test_a_factoid_question_gets_a_short_answer_cited_to_every_passage_that_states_it(
    reader: ExtractiveLLM,
) -> None:
    request = AnswerRequest(
        "When did the dock strike end?",
        passages(
            ("The dock strike ended on March 14 after talks with the port authority.", "Harbour Times", "2024-03-15"),
            ("Union leaders said the dock strike ended on March 14.", "Coast Daily", "2024-03-15"),
            ("Fishing boats stayed in port during the storm.", "Coast Daily", "2024-03-02"),
        ),
    )
    reply = reader.answer(request)
    assert reply.short_answer == "March 14"
    assert reply.sentences is not None and reply.sentences[0].keys == (1, 2)
    assert not reply.conflicts


def test_two_outlets_giving_different_answers_is_said_out_loud_with_both_sides(reader: ExtractiveLLM) -> None:
    request = AnswerRequest(
        "Where was the trade treaty signed?",
        TREATY,
    )
    reply = reader.answer(request)
    assert reply.text.startswith("The sources disagree:")
    assert reply.conflicts
    (conflict,) = reply.conflicts
    assert {a.text for a in conflict.answers} == {"Lisbon", "Porto"}
    by_text = {a.text: a for a in conflict.answers}
    assert by_text["Lisbon"].citations == (1,) and by_text["Porto"].citations == (2,)
    assert by_text["Lisbon"].sources == ("Harbour Times, 2024-05-10",)
    assert conflict.label == "contradiction"


def test_a_later_report_with_another_answer_is_labelled_an_update(reader: ExtractiveLLM) -> None:
    request = AnswerRequest(
        "How many people were evacuated from the valley?",
        passages(
            ("Officials said 1,200 people were evacuated from the valley.", "Harbour Times", "2024-06-01"),
            (
                "By Sunday, 3,400 people had been evacuated from the valley, officials said.",
                "Coast Daily",
                "2024-06-03",
            ),
        ),
    )
    (conflict,) = reader.answer(request).conflicts or ()
    assert conflict.label == "update"


def test_a_short_and_a_full_name_are_one_answer_not_a_disagreement(reader: ExtractiveLLM) -> None:
    request = AnswerRequest(
        "Who won the city marathon?",
        passages(
            ("Amara Okafor won the city marathon in record time.", "Harbour Times", None),
            ("Okafor won the city marathon, her second victory.", "Coast Daily", None),
        ),
    )
    reply = reader.answer(request)
    assert reply.short_answer == "Amara Okafor"
    assert not reply.conflicts


def test_a_yes_no_question_is_answered_only_when_a_passage_states_it(reader: ExtractiveLLM) -> None:
    request = AnswerRequest(
        "Did the mayor sign the budget?",
        passages(("The mayor signed the budget on Tuesday evening.", "Harbour Times", None)),
    )
    reply = reader.answer(request)
    assert reply.lead == "Yes."


def test_one_source_asserting_what_another_denies_is_a_disagreement(reader: ExtractiveLLM) -> None:
    request = AnswerRequest(
        "Did the mayor sign the budget?",
        passages(
            ("The mayor signed the budget on Tuesday evening.", "Harbour Times", "2024-02-07"),
            ("The mayor has not signed the budget, her office said.", "Coast Daily", "2024-02-07"),
        ),
    )
    reply = reader.answer(request)
    assert reply.text.startswith("The sources disagree:")
    (conflict,) = reply.conflicts or ()
    assert [a.citations for a in conflict.answers] == [(1,), (2,)]


def test_an_abstention_says_why(reader: ExtractiveLLM) -> None:
    request = AnswerRequest("What is the capital of Australia?", passages(("The mayor signed the budget.", None, None)))
    reply = reader.answer(request)
    assert reply.abstained and reply.abstain_reason


def test_disagreement_is_found_in_the_passages_whatever_another_model_writes(hash_embedder: Embedder) -> None:
    hits = [hit for _, hit in TREATY]
    model = ScriptedLLM(["The treaty was signed on Friday [1]."])
    reader = ExtractiveLLM(hash_embedder)
    result = answer_from_hits("Where was the trade treaty signed?", hits, hash_embedder, model, Prompts.load(), reader)
    assert {a.text for c in result.answer.conflicts for a in c.answers} == {"Lisbon", "Porto"}


def test_the_parser_memo_never_loses_a_text_it_was_asked_for() -> None:
    small = Pipeline(memo_size=3)
    small.parse(["One sentence.", "Two sentences."])
    docs = small.parse(["One sentence.", "Three.", "Four.", "Five."])
    assert [d.text for d in docs] == ["One sentence.", "Three.", "Four.", "Five."]


def test_a_question_in_parts_is_a_yes_when_the_articles_together_state_it(nlp: Pipeline, minilm: Embedder) -> None:
    reader = ExtractiveLLM(minilm, nlp=nlp)
    request = AnswerRequest(
        "Did the Harbour Times report that the council approved the harbour budget, and did Coast Daily "
        "report that the mayor signed the harbour budget on Tuesday?",
        passages(
            ("The council approved the harbour budget on Monday night.", "Harbour Times", "2024-02-06"),
            ("The mayor signed the harbour budget on Tuesday morning.", "Coast Daily", "2024-02-07"),
        ),
    )
    reply = reader.answer(request)
    assert reply.lead == "Yes."
    assert {k for s in reply.sentences or () for k in s.keys} == {1, 2}


def test_without_spacy_the_reader_still_answers_by_quoting() -> None:
    missing = Pipeline(package="a_pipeline_that_is_not_installed")
    request = AnswerRequest(
        "When did the dock strike end?", passages(("The dock strike ended on March 14.", None, None))
    )
    reply = ExtractiveLLM(nlp=missing).answer(request)
    assert not reply.abstained and reply.short_answer is None
    assert reply.sentences and reply.sentences[0].text == "The dock strike ended on March 14."


def test_a_date_holding_the_year_the_question_names_is_still_an_answer(reader: ExtractiveLLM) -> None:
    request = AnswerRequest(
        "When did the 2023 harbour festival take place?",
        passages(("The 2023 harbour festival took place on June 9, 2023, on the north quay.", "Harbour Times", None)),
    )
    assert reader.answer(request).short_answer == "June 9, 2023"


def test_two_wordings_of_one_day_are_one_answer_not_a_disagreement(reader: ExtractiveLLM) -> None:
    request = AnswerRequest(
        "When was the regional draft held?",
        passages(
            ("The regional draft was held on November 18, 2020, in the city hall.", "Harbour Times", "2020-11-19"),
            ("The regional draft will be held Wednesday, Nov. 18, officials said.", "Coast Daily", "2020-09-16"),
        ),
    )
    reply = reader.answer(request)
    assert not reply.conflicts
    assert reply.short_answer == "November 18, 2020"


def test_an_abbreviated_company_name_is_the_same_answer_as_the_full_one(reader: ExtractiveLLM) -> None:
    request = AnswerRequest(
        "Who bought the ferry line?",
        passages(
            ("The ferry line was bought by Norland Shipping Co. last spring.", "Harbour Times", None),
            ("Norland Shipping Company bought the ferry line for an undisclosed sum.", "Coast Daily", None),
        ),
    )
    reply = reader.answer(request)
    assert not reply.conflicts
    assert reply.short_answer is not None and "Norland Shipping" in reply.short_answer


def test_a_question_about_what_did_not_happen_is_not_answered_from_what_did(reader: ExtractiveLLM) -> None:
    request = AnswerRequest(
        "Which firm did not bid for the bridge contract?",
        passages(("Halvorsen Build bid for the bridge contract in March.", "Harbour Times", None)),
    )
    reply = reader.answer(request)
    assert reply.abstained and reply.abstain_reason


def test_an_answer_two_articles_give_is_a_rival_even_when_more_articles_give_another(
    reader: ExtractiveLLM,
) -> None:
    request = AnswerRequest(
        "Who is the chief executive of Norland Shipping?",
        passages(
            ("Pieter Vos is the chief executive of Norland Shipping.", "Harbour Times", "2024-01-05"),
            ("Norland Shipping chief executive Pieter Vos spoke at the port.", "Coast Daily", "2024-01-05"),
            ("Pieter Vos, chief executive of Norland Shipping, said fares would rise.", "Bay Herald", "2024-01-05"),
            ("Ingrid Sola is the chief executive of Norland Shipping.", "Valley Post", "2024-01-05"),
            ("Norland Shipping chief executive Ingrid Sola spoke at the port.", "River News", "2024-01-05"),
        ),
    )
    reply = reader.answer(request)
    assert reply.text.startswith("The sources disagree:")
    assert {a.text for c in reply.conflicts for a in c.answers} == {"Pieter Vos", "Ingrid Sola"}


def test_a_score_run_into_a_name_is_not_part_of_the_answer(reader: ExtractiveLLM) -> None:
    request = AnswerRequest(
        "Who did Harbour United defeat in the county cup?",
        passages(("The county cup went to Harbour United after they defeated Rovers 3-1", "Harbour Times", None)),
    )
    assert reader.answer(request).short_answer == "Rovers"


def test_an_answer_from_a_passage_about_another_event_counts_for_less(reader: ExtractiveLLM) -> None:
    request = AnswerRequest(
        "Who won the 2022 harbour regatta?",
        passages(
            ("Tomas Berg won the 2022 river regatta after a close final.", "Harbour Times", None),
            ("Lena Ostrova won the 2022 harbour regatta in light winds.", "Coast Daily", None),
        ),
    )
    assert reader.answer(request).short_answer == "Lena Ostrova"


def test_a_name_led_by_the_owner_the_question_names_answers_without_it(reader: ExtractiveLLM) -> None:
    request = AnswerRequest(
        "What is the name of Norland's new research vessel?",
        passages(
            ("Norland Meridian is the new research vessel built for Norland at the north yard.", "Harbour Times", None),
            ("Norland Aurora is the new research vessel built for Norland at the north yard.", "Coast Daily", None),
        ),
    )
    reply = reader.answer(request)
    assert reply.text.startswith("The sources disagree:")
    assert {a.text for c in reply.conflicts for a in c.answers} == {"Meridian", "Aurora"}


def test_an_organisation_named_for_the_owner_is_not_cut_when_the_owner_is_not_possessive(
    reader: ExtractiveLLM,
) -> None:
    request = AnswerRequest(
        "Who is the chief executive of Norland?",
        passages(("Ingrid Sola is the chief executive of the Norland Foundation.", "Harbour Times", None)),
    )
    reply = reader.answer(request)
    assert reply.short_answer == "Ingrid Sola"
    assert not reply.conflicts


def test_whoever_an_entity_names_as_the_subject_answers_for_it_not_a_name_in_passing(
    reader: ExtractiveLLM,
) -> None:
    request = AnswerRequest(
        "Who offered the dockers a pay rise?",
        passages(
            (
                "In a sharp twist to the long row between the dockers and former Mayor Ana Ruiz, Danish officials "
                "have offered the dockers a pay rise.",
                "Harbour Times",
                None,
            )
        ),
    )
    short = reader.answer(request).short_answer
    assert short is not None and "Danish" in short and "Ruiz" not in short
