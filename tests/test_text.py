import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.text import _fold, content_words, inside_quotation, normalize, sentence_spans, sentences


def test_splits_on_sentence_ends_but_not_abbreviations() -> None:
    text = "Mr. Smith met U.S. officials on Jan. 5. They agreed. Then Dr. Who left."
    assert sentences(text) == [
        "Mr. Smith met U.S. officials on Jan. 5.",
        "They agreed.",
        "Then Dr. Who left.",
    ]


@pytest.mark.parametrize(
    "expected",
    [
        pytest.param(
            [
                "Pelosi said Reps. Jim Banks and Jim Jordan could not serve.",
                "Sens. Joe Manchin and Kyrsten Sinema agreed.",
            ],
            id="a plural title before names",
        ),
        pytest.param(
            ["Liberals have made the bill, H.R. 1, their top priority.", "It passed the House."],
            id="an initialism before a number",
        ),
        pytest.param(
            ["The House passed H. Res. 601 and S. Con. Res. 14, the budget resolution.", "It then adjourned."],
            id="a short abbreviation before a number or another",
        ),
    ],
)
def test_an_abbreviation_inside_a_sentence_does_not_end_it(expected: list[str]) -> None:
    assert sentences(" ".join(expected)) == expected


def test_a_sentence_ending_on_a_short_word_before_a_capitalised_one_still_ends() -> None:
    assert sentences("The winner was Max. Then the rain came.") == ["The winner was Max.", "Then the rain came."]


def test_keeps_closing_quotes_and_footnote_digits_with_their_sentence() -> None:
    text = 'He said, "We will handle it."12 This is next.'
    assert sentences(text) == ['He said, "We will handle it."12', "This is next."]


def test_line_breaks_end_sentences() -> None:
    assert sentences("Headline without a stop\nBody text here.") == [
        "Headline without a stop",
        "Body text here.",
    ]


def test_lowercase_continuation_is_not_a_new_sentence() -> None:
    assert sentences("It cost 3.5 billion. and more") == ["It cost 3.5 billion. and more"]


@given(st.text())
def test_spans_are_ordered_trimmed_and_disjoint(text: str) -> None:
    previous_end = 0
    for start, end in sentence_spans(text):
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        previous_end = end


def test_content_words_drop_stopwords_and_fold_case() -> None:
    assert content_words("Who offered Musk political asylum?") == ["offered", "musk", "political", "asylum"]


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_normalises_as_the_general_folding_does(text: str) -> None:
    assert normalize(text) == _fold(text)


def test_accents_and_curly_quotes_are_folded() -> None:
    assert normalize("Café  “Élan” Musk’s") == 'cafe "elan" musk\'s'


def test_a_place_between_opening_and_closing_quotes_is_inside_a_quotation() -> None:
    text = 'She said "we will be back today at dawn" and left.'
    assert inside_quotation(text, text.index("today"))
    assert not inside_quotation(text, text.index("left"))


def test_the_end_of_a_quotation_begun_in_an_earlier_sentence_opens_none() -> None:
    text = 'The doses go to other countries," Biden said on Monday.'
    assert not inside_quotation(text, text.index("Monday"))


def test_curly_quotes_open_and_close_by_their_shape() -> None:
    text = "“We won,” she said, “and today we rest.”"
    assert inside_quotation(text, text.index("today"))
    assert not inside_quotation(text, text.index("she"))
