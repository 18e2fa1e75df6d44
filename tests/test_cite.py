"""Citation parsing, validation and support checking."""

from rag.cite import SupportSettings, check_answer, parse_citations, support
from rag.types import Hit

PASSAGE_1 = (
    "Dmitry Novikov, first deputy chairman of the State Duma's International Affairs Committee, floated the "
    "asylum offer. He told TASS that Russia could offer it."
)
PASSAGE_2 = 'Kremlin spokesman Dmitry Peskov said, "This is a domestic issue of the United States."'


def passages() -> list[tuple[int, Hit]]:
    return [
        (1, Hit(1, 1, "a", "Asylum", "Outlet A", "2025-06-06", "https://a.test", PASSAGE_1, 1.0)),
        (2, Hit(2, 2, "b", "Kremlin", "Outlet B", None, None, PASSAGE_2, 0.5)),
    ]


def test_markers_in_every_common_form_are_parsed() -> None:
    parsed = parse_citations("One [1]. Two [1, 2]. Three [2][1]. Four.[2] Five. [1]")
    assert [(p.text, p.keys) for p in parsed] == [
        ("One.", (1,)),
        ("Two.", (1, 2)),
        ("Three.", (2, 1)),
        ("Four.", (2,)),
        ("Five.", (1,)),
    ]


def test_keys_that_name_no_passage_are_removed_and_reported() -> None:
    checked = check_answer("Novikov floated the asylum offer [1][7].", passages(), None)
    assert checked.sentences[0].citations == (1,)
    assert checked.invalid_citations == (7,)
    assert [s.key for s in checked.sources] == [1]


def test_a_sentence_without_citation_is_marked_unsupported() -> None:
    checked = check_answer("Novikov floated the asylum offer.", passages(), None)
    assert checked.sentences[0].supported is False
    assert checked.sources == ()


def test_a_cited_sentence_its_passage_does_not_support_is_marked() -> None:
    checked = check_answer("Musk accepted the offer and moved to Moscow [2].", passages(), None)
    assert checked.sentences[0].citations == (2,)
    assert checked.sentences[0].supported is False


def test_a_supported_sentence_gets_the_exact_quoted_span() -> None:
    checked = check_answer("Peskov called it a domestic issue of the United States [2].", passages(), None)
    assert checked.sentences[0].supported
    [source] = checked.sources
    assert source.quote in PASSAGE_2
    assert "domestic issue" in source.quote


def test_paraphrase_is_supported_through_word_overlap() -> None:
    result = support("Novikov told TASS Russia could offer asylum.", PASSAGE_1, None, SupportSettings())
    assert result.supported


def test_the_abstention_sentence_is_recognised() -> None:
    checked = check_answer("The sources do not answer this question.", passages(), None)
    assert checked.abstained and checked.sentences == () and checked.sources == ()
