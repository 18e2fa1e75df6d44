"""What the briefing reads from spaCy's parse of a claim: people and their aliases, roles, the
actions stated or denied, figures and dates. The sentences are written for these tests."""

from __future__ import annotations

import pytest

from rag.brief.compare import roles_by_person
from rag.brief.facts import ClaimFacts, amounts, read_facts
from rag.brief.model import Claim
from rag.brief.names import person_key
from rag.brief.roles import Role, roles_conflict
from rag.embed import HashEmbedder
from rag.nlp import Pipeline


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return Pipeline()


def facts_of(nlp: Pipeline, *sentences: str, date: str | None = "2024-03-15") -> list[ClaimFacts]:
    claims = [Claim(key, text) for key, text in enumerate(sentences, start=1)]
    return read_facts(claims, nlp, {key: date for key in range(1, len(sentences) + 1)}, 2024)


def test_a_surname_alone_is_the_person_named_in_full_elsewhere(nlp: Pipeline) -> None:
    facts = facts_of(nlp, "Governor Maria Lindqvist signed the budget.", "Lindqvist said the budget was fair.")
    assert facts[0].people == ["Maria Lindqvist"] and facts[1].people == ["Maria Lindqvist"]


def test_a_name_written_only_after_a_title_is_a_person(nlp: Pipeline) -> None:
    facts = facts_of(
        nlp,
        "President Okonkwo vetoed the housing bill on Monday.",
        "The veto by President Okonkwo surprised the coalition.",
    )
    assert facts[0].people == ["Okonkwo"] and facts[0].roles[0].description == "President"


def test_a_word_before_a_one_word_name_once_is_no_proof_of_a_person(nlp: Pipeline) -> None:
    facts = facts_of(nlp, "President Okonkwo vetoed the housing bill on Monday.", "The coalition was surprised.")
    assert facts[0].people == []


def test_a_person_called_by_the_middle_name_is_one_person(nlp: Pipeline) -> None:
    facts = facts_of(
        nlp,
        "Marine Gen. Kenneth F. McKenzie Jr. oversaw the evacuation.",
        "Gen. Frank McKenzie said the airlift would end on Tuesday.",
    )
    assert facts[0].people == facts[1].people == ["Kenneth F. McKenzie Jr."]


def test_two_people_sharing_a_surname_stay_two_people(nlp: Pipeline) -> None:
    facts = facts_of(nlp, "Anna Okafor met the mayor.", "Daniel Okafor met the mayor.")
    assert facts[0].people == ["Anna Okafor"] and facts[1].people == ["Daniel Okafor"]


@pytest.mark.parametrize(
    ("sentence", "description"),
    [
        ("Port authority spokesman Tomas Berg declined to comment.", "Port authority spokesman"),
        ("Tomas Berg, the port authority's spokesman, declined to comment.", "port authority's spokesman"),
        ("The spokesman, Tomas Berg, declined to comment.", "spokesman"),
        ("Former finance minister Tomas Berg declined to comment.", "Former finance minister"),
        ("Secretary of State Tomas Berg declined to comment.", "Secretary of State"),
        (
            "Federal Aviation and Rail Administration chief Tomas Berg declined to comment.",
            "Federal Aviation and Rail Administration chief",
        ),
        (
            "The panel subpoenaed Tomas Berg, a former Harbour Department official under Governor Ana M. Ruiz who was "
            "involved in the sale of the port.",
            "former Harbour Department official under Governor Ana M. Ruiz",
        ),
        (
            "Tomas Berg, head of a charity that used some grant money for the study, declined to comment.",
            "head of a charity",
        ),
    ],
)
def test_a_role_is_read_from_the_parse(nlp: Pipeline, sentence: str, description: str) -> None:
    [fact] = facts_of(nlp, sentence)
    assert [r.person for r in fact.roles] == ["Tomas Berg"]
    assert fact.roles[0].description.lower().replace("'s", "").split() == description.lower().replace("'s", "").split()


def test_a_plural_the_parse_hangs_on_a_name_is_no_role(nlp: Pipeline) -> None:
    [fact] = facts_of(nlp, "Reporters did not know that Andrew Cuomo habitually and shamelessly sexual harassed women.")
    assert fact.roles == []


def test_a_plural_the_recogniser_takes_into_a_name_is_no_role(nlp: Pipeline) -> None:
    [fact] = facts_of(
        nlp, "Gymnasts Simone Biles, Maggie Nichols and Aly Raisman shocked Congress with their testimony."
    )
    assert fact.roles == []


@pytest.mark.parametrize(
    ("sentence", "description"),
    [
        ("The mayor's Chief of Staff Tomas Berg announced the closure.", "Chief of Staff"),
        ("Longtime chief of staff Tomas Berg announced the closure.", "Longtime chief of staff"),
    ],
)
def test_an_office_of_a_department_before_a_name_is_its_role(nlp: Pipeline, sentence: str, description: str) -> None:
    [fact] = facts_of(nlp, sentence)
    assert [(r.person, r.description) for r in fact.roles] == [("Tomas Berg", description)]


def test_a_role_leaves_out_a_possessive_that_points_to_another_sentence(nlp: Pipeline) -> None:
    [fact] = facts_of(nlp, "Its chairman, Tomas Berg, said the turbines would close the richest grounds in the bay.")
    assert [r.description for r in fact.roles] == ["chairman"]


def test_a_title_inside_a_phrase_of_something_else_is_the_title_alone(nlp: Pipeline) -> None:
    [fact] = facts_of(nlp, "The board upheld the ban of former President Tomas Berg.")
    assert [r.description for r in fact.roles] == ["former President"]


def test_as_far_from_its_verb_opens_a_clause_not_a_role(nlp: Pipeline) -> None:
    sentence = "Tomas Berg has a reputation for plain speaking, as a senator who accused him of lying discovered."
    [fact] = facts_of(nlp, sentence)
    assert fact.roles == []


def test_serving_as_an_office_is_a_role(nlp: Pipeline) -> None:
    assert role(nlp, "Tomas Berg served as finance minister until 2019.").description == "finance minister"


def test_a_role_ends_before_the_phrase_goes_on_to_another(nlp: Pipeline) -> None:
    sentence = "Ana Ruiz clashed with Tomas Berg, a Republican senator for Kentucky and longtime critic of masks."
    [found] = [r for r in facts_of(nlp, sentence)[0].roles if r.person == "Tomas Berg"]
    assert not found.description.endswith(" and")


def test_an_apposition_past_the_names_conjunct_describes_a_nearer_noun(nlp: Pipeline) -> None:
    sentence = (
        "Cellphone videos of the siege show 35-year-old Okafor and other rioters forcing their way inside"
        " the town hall to barricaded doors leading to the Mayor’s Office — the corridor outside the council"
        " chamber where councillors were sheltering."
    )
    named, shown = facts_of(nlp, "Police shot Maria Okafor at the town hall on Monday.", sentence)
    assert shown.people == ["Maria Okafor"] and shown.roles == []


def test_an_apposition_after_the_names_place_is_its_role(nlp: Pipeline) -> None:
    assert role(nlp, "Tomas Berg of Oslo, the port's spokesman, said the ship left.").head == "spokesman"


@pytest.mark.parametrize(
    ("sentence", "description"),
    [
        (
            "Households across the province will lose the home heating rebate under the budget Finance Minister"
            " Priya Raman tabled Thursday, which also puts a freeze on new public-sector hires.",
            "Finance Minister",
        ),
    ],
)
def test_a_title_is_not_the_noun_the_names_clause_describes(nlp: Pipeline, sentence: str, description: str) -> None:
    assert role(nlp, sentence).description == description


def test_a_title_does_not_reach_back_into_a_phrase_before_it(nlp: Pipeline) -> None:
    found = role(nlp, "A defensive and at times surly President Tomas Berg insisted the pullout was a success.")
    assert found.head.lower() == "president" and "times" not in found.description


def test_the_noun_a_surnames_clause_describes_is_no_role(nlp: Pipeline) -> None:
    named, said = facts_of(
        nlp,
        "Tomas Berg met the foreign minister in Vienna.",
        "Officials are dismissing the allegations, saying the information Berg allegedly shared was widely known.",
    )
    assert said.people == ["Tomas Berg"] and said.roles == []


def role(nlp: Pipeline, sentence: str) -> Role:
    [fact] = facts_of(nlp, sentence)
    [found] = fact.roles
    return found


def test_former_against_sitting_in_the_same_office_is_a_conflict(nlp: Pipeline) -> None:
    sitting = role(nlp, "Finance minister Tomas Berg spoke.")
    former = role(nlp, "Former finance minister Tomas Berg spoke.")
    assert roles_conflict(sitting, former)


def test_a_no_break_space_inside_a_title_keeps_it_whole(nlp: Pipeline) -> None:
    found = role(nlp, "Former\u00a0finance minister Tomas Berg\u00a0on Friday criticised the budget.")
    assert found.former and found.description == "Former finance minister"


def test_a_title_held_then_does_not_conflict_with_former(nlp: Pipeline) -> None:
    then = role(nlp, "Then-finance minister Tomas Berg had signed the deal in 2019.")
    former = role(nlp, "Former finance minister Tomas Berg spoke.")
    assert then.former and not roles_conflict(then, former)


@pytest.mark.parametrize(
    "sentence",
    [
        "The port was dredged in 2019 under a contract that was signed and later cancelled by Mayor Tomas Berg.",
        "The council renamed the hall for Tomas Berg, the mayor who built the harbour.",
        "Residents recalled the cuts they suffered at the hands of Mayor Tomas Berg.",
    ],
)
def test_a_title_given_of_an_earlier_time_does_not_conflict_with_former(nlp: Pipeline, sentence: str) -> None:
    former = role(nlp, "Former mayor Tomas Berg spoke on Friday.")
    assert not roles_conflict(role(nlp, sentence), former)


def test_a_title_in_the_news_told_in_the_past_still_conflicts_with_former(nlp: Pipeline) -> None:
    sitting = role(nlp, "Mayor Tomas Berg said on Friday that the harbour would reopen.")
    former = role(nlp, "Former mayor Tomas Berg spoke on Friday.")
    assert roles_conflict(sitting, former)


@pytest.mark.parametrize(
    ("sentence", "description"),
    [
        ("Nicholas Colas, co-founder of DataTrek Research, said so in a note.", "co-founder of DataTrek Research"),
        ("Margarita Simonyan, editor-in-chief of RT, ridiculed the feud.", "editor-in-chief of RT"),
    ],
)
def test_a_hyphenated_apposition_is_the_whole_word_and_its_phrase(
    nlp: Pipeline, sentence: str, description: str
) -> None:
    assert role(nlp, sentence).description == description


def test_a_hyphenated_office_is_not_its_last_part(nlp: Pipeline) -> None:
    vice = role(nlp, "Tomas Berg, a vice-president of the bank, spoke.")
    president = role(nlp, "Tomas Berg, the president of the bank, spoke.")
    assert vice.head != president.head


def test_a_description_inside_a_quotation_is_no_role(nlp: Pipeline) -> None:
    [fact] = facts_of(nlp, 'Tomas Berg is "the new face of the Liberal Party," his campaign said.')
    assert fact.roles == []


def test_what_someone_only_may_be_is_no_role(nlp: Pipeline) -> None:
    [fact] = facts_of(nlp, "Tomas Berg may be the new leader of the Liberal Party.")
    assert fact.roles == []


def test_a_description_outside_a_quotation_is_a_role(nlp: Pipeline) -> None:
    assert role(nlp, "Tomas Berg is the new leader of the Liberal Party, his campaign said.").head == "leader"


def test_a_title_that_dates_an_era_is_no_role(nlp: Pipeline) -> None:
    [fact] = facts_of(nlp, "Both officials were appointed under Finance Minister Tomas Berg, a Republican.")
    assert not [r for r in fact.roles if r.head == "minister"]


def test_a_title_does_not_begin_halfway_through_another_name(nlp: Pipeline) -> None:
    found = role(nlp, "Chairman of the Joint Chiefs of Staff Gen. Tomas Berg testified on Tuesday.")
    assert found.description == "general"


def test_two_different_offices_can_both_be_true(nlp: Pipeline) -> None:
    president = role(nlp, "Former president Tomas Berg spoke.")
    chair = role(nlp, "Tomas Berg, deputy chair of the security council, spoke.")
    assert not roles_conflict(president, chair)


def test_the_same_office_of_another_kind_is_a_conflict(nlp: Pipeline) -> None:
    assert roles_conflict(
        role(nlp, "Foreign minister Tomas Berg spoke."), role(nlp, "Defence minister Tomas Berg spoke.")
    )


def test_a_denied_action_is_marked_negated_and_an_if_clause_hypothetical(nlp: Pipeline) -> None:
    denied, stated, hypothetical = facts_of(
        nlp,
        "Governor Maria Lindqvist has not signed the budget.",
        "Governor Maria Lindqvist signed the budget on Tuesday.",
        "If Maria Lindqvist signed the budget, the strike would end.",
    )
    assert any(a.verb == "sign" and a.negated and a.subject == "Maria Lindqvist" for a in denied.actions)
    assert any(a.verb == "sign" and not a.negated and not a.hypothetical for a in stated.actions)
    assert all(a.hypothetical for a in hypothetical.actions if a.verb == "sign")


def test_relative_dates_are_resolved_against_the_articles_own_date(nlp: Pipeline) -> None:
    [fact] = facts_of(nlp, "The council voted on Tuesday and the strike ended on March 3.", date="2024-03-15")
    assert {d.date for d in fact.dates} == {"2024-03-12", "2024-03-03"}


def test_a_length_of_time_is_not_a_date(nlp: Pipeline) -> None:
    [fact] = facts_of(nlp, "The three-year project was approved by the council.")
    assert not fact.dates


def test_figures_keep_their_kind(nlp: Pipeline) -> None:
    [fact] = facts_of(nlp, "The council paid $4 million for land where 1,200 people live.")
    kinds = {(f.label, a) for f in fact.figures for a in amounts(f.value)}
    assert kinds >= {("MONEY", "4 million"), ("CARDINAL", "1200")}


def test_a_hedge_is_not_part_of_the_amount(nlp: Pipeline) -> None:
    about, nearly = facts_of(
        nlp, "About 1,500 citizens remain in the city.", "Nearly 1,500 citizens remain in the city."
    )
    assert about.figures[0].value == nearly.figures[0].value


def test_a_quote_is_given_to_the_one_person_named_outside_it(nlp: Pipeline) -> None:
    [fact] = facts_of(nlp, "“We will not accept a budget that cuts schools,” said Maria Lindqvist.")
    assert fact.speaker == "Maria Lindqvist" and fact.quote and "cuts schools" in fact.quote


def test_claims_sharing_a_figure_do_not_differ_on_it(nlp: Pipeline) -> None:
    import numpy as np

    from rag.brief.compare import number_conflicts
    from rag.brief.model import BriefSettings

    claims = [
        Claim(1, "Prices rose 5.4 percent in June compared with a year ago."),
        Claim(2, "Consumer prices in June rose 0.9% from May and 5.4% over the past year."),
    ]
    facts = read_facts(claims, nlp, {1: "2024-07-13", 2: "2024-07-13"}, 2024)
    assert not number_conflicts(claims, facts, np.ones((2, 2)), BriefSettings(), {1: None, 2: None}, HashEmbedder())


def test_two_counts_of_the_same_thing_differ(nlp: Pipeline) -> None:
    import numpy as np

    from rag.brief.compare import number_conflicts
    from rag.brief.model import BriefSettings

    claims = [
        Claim(1, "Employers added 194,000 jobs in September."),
        Claim(2, "Employers added 310,000 jobs in September."),
    ]
    facts = read_facts(claims, nlp, {1: "2024-10-08", 2: "2024-10-09"}, 2024)
    dates: dict[int, str | None] = {1: "2024-10-08", 2: "2024-10-09"}
    [found] = number_conflicts(claims, facts, np.ones((2, 2)), BriefSettings(), dates, HashEmbedder())
    assert found.label == "update"


def test_a_plural_title_gives_each_person_the_singular_office(nlp: Pipeline) -> None:
    assert role(nlp, "GOP Sens. Tomas Berg and Ana Ruiz voted against the bill.").description == "GOP senator"


@pytest.mark.parametrize(
    "sentence",
    [
        "Sens. Mark Holloway and Karen Whitfield opposed the plan.",
        "The panel heard Reps. David Marsh of Iowa and Laura Benson of Ohio on Tuesday.",
        "The speaker refused to seat Reps. Laura Benson (R-OH) and David Marsh (R-IA) on the panel.",
    ],
)
def test_a_plural_title_names_everyone_listed_after_it(nlp: Pipeline, sentence: str) -> None:
    [fact] = facts_of(nlp, sentence)
    assert len(fact.people) == 2 and {r.person for r in fact.roles} == set(fact.people)


def test_a_singular_title_names_only_the_name_it_stands_before(nlp: Pipeline) -> None:
    [fact] = facts_of(nlp, "Sen. Mark Holloway and Karen Whitfield opposed the plan.")
    assert [r.person for r in fact.roles] == ["Mark Holloway"]


def test_an_abbreviated_title_is_spelled_out() -> None:
    from rag.brief.roles import _spelled_out

    assert _spelled_out("state Sen.") == "state senator"
    assert _spelled_out("Lt. Gov.") == "lieutenant governor"
    assert _spelled_out("harbour master") == "harbour master"
    assert _spelled_out("Lt. Col") == "lieutenant colonel"  # the parse split its last full stop off
    assert _spelled_out("chair of the SEC") == "chair of the SEC"


def test_an_honorific_is_no_role_and_the_apposition_is() -> None:
    claim = Claim(1, "Dr. Ana Ruiz, a marine ecologist at the institute, said the survey took two years.")
    facts = read_facts([claim], Pipeline(), {1: "2025-03-14"}, None)
    assert [r.description for r in facts[0].roles] == ["marine ecologist at the institute"]


def test_a_name_told_with_which_is_not_a_person(nlp: Pipeline) -> None:
    facts = facts_of(
        nlp,
        "Hackers reached the records of Tallis Pay, which handles payments for small shops.",
        "Tallis Pay said on Tuesday that card numbers were safe.",
    )
    assert "Tallis Pay" not in {person for fact in facts for person in fact.people}


def test_a_name_with_its_own_number_after_it_is_not_a_person(nlp: Pipeline) -> None:
    facts = facts_of(nlp, "The House passed H. Res. 601, the resolution that contains the rule for the bill.")
    assert facts[0].people == [] and facts[0].roles == []


def test_what_follows_a_possessive_is_no_part_of_the_name(nlp: Pipeline) -> None:
    doc = nlp.parse_one("The board kept Tomas Berg’s Facebook account suspended on Wednesday.")
    entity = doc.char_span(doc.text.index("Tomas"), doc.text.index(" account"), label="PERSON")
    assert person_key(entity) == "Tomas Berg"


@pytest.mark.parametrize(
    "sentence",
    [
        "The family of Marine Corps Lance Cpl. Rylee Dunmore met the president.",
        "Lt Col. Matthew Ostrander was relieved of his command.",
    ],
)
def test_a_rank_cut_from_the_name_after_it_is_not_a_person(nlp: Pipeline, sentence: str) -> None:
    [fact] = facts_of(nlp, sentence)
    assert not any(person.endswith(("Cpl", "Col")) for person in fact.people)


def test_a_number_that_goes_with_the_noun_after_a_name_leaves_it_a_person(nlp: Pipeline) -> None:
    facts = facts_of(
        nlp, "Nina Turner was a top surrogate for Sen. Bernie Sanders' 2016 and 2020 presidential campaigns."
    )
    assert "Bernie Sanders" in facts[0].people


def test_a_nickname_and_the_given_name_it_stands_for_are_one_person(nlp: Pipeline) -> None:
    facts = facts_of(nlp, "Robert Kessler voted against the plan.", "Bobby Kessler said he would appeal.")
    assert facts[0].people == facts[1].people and len(facts[0].people) == 1


def test_a_title_the_recogniser_took_into_the_name_is_left_out_of_it(nlp: Pipeline) -> None:
    facts = facts_of(nlp, "Superintendent Alan Prescott closed the schools.", "Prescott said they would reopen soon.")
    assert facts[0].people == ["Alan Prescott"] and facts[1].people == ["Alan Prescott"]


def test_a_title_the_recogniser_took_into_the_name_is_the_persons_role(nlp: Pipeline) -> None:
    facts = facts_of(nlp, "Superintendent Alan Prescott closed the schools.")
    assert [role.description for role in facts[0].roles] == ["Superintendent"]


def test_two_given_names_before_a_surname_stay_in_the_name(nlp: Pipeline) -> None:
    facts = facts_of(nlp, "Mary Ellen Whitcombe opened the bakery in 1998.")
    assert facts[0].people == ["Mary Ellen Whitcombe"]


def test_a_name_whose_clause_goes_on_with_its_is_not_a_person(nlp: Pipeline) -> None:
    facts = facts_of(
        nlp, "Harlow Brandt said its proposal was the cheapest of the six.", "The council chose Harlow Brandt."
    )
    assert facts[0].people == [] and facts[1].people == []


def test_its_that_belongs_to_another_noun_leaves_the_person_a_person(nlp: Pipeline) -> None:
    facts = facts_of(nlp, "Sandra Kowalczyk said the company had missed its targets.", "Kowalczyk resigned.")
    assert facts[0].people == ["Sandra Kowalczyk"]


def test_a_name_written_after_a_place_preposition_in_most_mentions_is_not_a_person(nlp: Pipeline) -> None:
    facts = facts_of(
        nlp, "Police searched a house in Hartley Falls.", "The storm flooded streets across Hartley Falls."
    )
    assert facts[0].people == [] and facts[1].people == []


def test_a_surname_taken_for_a_company_keeps_the_role_its_apposition_gives(nlp: Pipeline) -> None:
    facts = facts_of(
        nlp,
        "Democrat Ingrid Halvorsen won the special election on Tuesday.",
        "Halvorsen, a state representative, led Republican Tomas Berg, 63 percent to 33 percent, when it was called.",
    )
    assert [(r.person, r.description) for r in facts[1].roles if r.person == "Ingrid Halvorsen"] == [
        ("Ingrid Halvorsen", "state representative")
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Critics say Marta Lindqvist (D) closed the schools too early.",
        "Marta Lindqvist (D-Vt.) said the plan would pass.",
    ],
)
def test_a_party_in_brackets_after_a_name_is_no_role(nlp: Pipeline, sentence: str) -> None:
    [fact] = facts_of(nlp, sentence)
    assert fact.roles == []


def test_a_generational_suffix_is_no_surname(nlp: Pipeline) -> None:
    facts = facts_of(
        nlp,
        "Harbor County District Attorney Cyrus Blackwood Jr. convened a grand jury on Tuesday.",
        "Blackwood Jr.'s office has been investigating potential fraud for two years.",
    )
    assert facts[0].people == ["Cyrus Blackwood Jr."] and facts[1].people == ["Cyrus Blackwood Jr."]


def test_a_short_given_name_outside_the_name_is_no_part_of_the_title(nlp: Pipeline) -> None:
    facts = facts_of(
        nlp,
        "Harbor County District Attorney Cyrus Blackwood Jr. convened a grand jury on Tuesday.",
        "Harbor County District Attorney Cy Blackwood Jr.'s office has been investigating potential fraud.",
    )
    assert {r.description for f in facts for r in f.roles} == {"Harbor County District Attorney"}


def test_an_abbreviated_title_names_the_office_its_full_word_does(nlp: Pipeline) -> None:
    abbreviated, written = role(nlp, "Sens. Tomas Berg and Ana Ruiz spoke."), role(nlp, "Senator Tomas Berg spoke.")
    assert abbreviated.head == written.head == "senator"


def described(*wordings: str) -> list[str]:
    """The descriptions listed for one person whose office the sentences word as given, one
    sentence (and article) each."""
    claims = [Claim(key, f"Sentence {key}.") for key in range(1, len(wordings) + 1)]
    facts = [
        ClaimFacts(roles=[Role("Kenneth McKenzie", wording, "general", False, frozenset())]) for wording in wordings
    ]
    return [role.description for role in roles_by_person(claims, facts)["Kenneth McKenzie"]]


def test_one_office_worded_once_each_way_is_listed_in_its_fullest_wording() -> None:
    assert described("general", "Marine Corps general") == ["Marine Corps general"]


def test_one_office_is_listed_in_the_wording_most_sentences_give() -> None:
    assert described("general", "general", "contradicted general") == ["general"]
