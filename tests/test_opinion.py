"""Opinion keeps its author: a briefing never states a columnist's view as fact."""

from __future__ import annotations

import pytest

from rag.brief.model import Agreement, BriefSource, Statement
from rag.brief.opinion import is_opinion, with_authors, with_authors_agreed

NEWS = BriefSource(
    1, "a", "Council approves budget", "Harbor Ledger", "2025-03-01", "https://ledger.example/news/budget"
)
COLUMN = BriefSource(
    2,
    "b",
    "The budget is a gift to landlords",
    "Jane Roe",
    "2025-03-02",
    "https://post.example/opinions/2025/03/02/budget",
)
EDITORIAL = BriefSource(3, "c", "Editorial: A budget the city can afford", "Daily Meridian", "2025-03-02", None)


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("https://www.example.com/opinion/story/2021-08-16/mexico-lawsuit", "Good for Mexico"),
        ("https://example.com/2021/09/21/opinions/border/index.html", "Outrageous treatment"),
        ("https://example.com/op-ed/why-we-should-vote", "Why we should vote"),
        (None, "Opinion | What a true Memorial Day celebration looks like"),
        (None, "Editorial: Good for Mexico for suing U.S. gun makers"),
    ],
)
def test_columns_editorials_and_op_eds_are_opinion(url: str | None, title: str) -> None:
    assert is_opinion(url, title)


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("https://www.example.com/politics/2021/10/18/supreme-court/index.html", "Supreme Court sides with police"),
        ("https://example.com/news/opinion-poll-shows-lead", "Opinion poll shows lead for mayor"),
        (None, "Opinions differ on the stadium plan"),
    ],
)
def test_news_reports_are_not_opinion(url: str | None, title: str) -> None:
    assert not is_opinion(url, title)


@pytest.mark.parametrize(
    "source", ["Daily Meridian (Opinion)", "Harbor Ledger > Opinions", "Commentary | Harbor Ledger"]
)
def test_an_outlets_opinion_section_named_as_the_source_is_opinion(source: str) -> None:
    assert is_opinion("https://ledger.example/2025/03/02/budget-gift", "The budget is a gift to landlords", source)


def test_an_opinion_section_is_credited_to_its_outlet() -> None:
    section = BriefSource(4, "d", "A gift to landlords", "Daily Meridian (Opinion)", "2025-03-02", None)
    [shown] = with_authors([Statement("The budget is a gift to landlords.", (4,))], [section])
    assert shown.text == "The budget is a gift to landlords (opinion of Daily Meridian)."


def test_an_outlet_named_without_a_section_is_not_opinion() -> None:
    assert not is_opinion("https://ledger.example/2025/03/02/budget", "Council approves budget", "Harbor Ledger")


def test_a_view_only_a_column_gives_names_its_author() -> None:
    shown = with_authors([Statement("The budget is a gift to landlords.", (2,))], [NEWS, COLUMN, EDITORIAL])
    assert shown[0].text.startswith("The budget is a gift to landlords") and "opinion of Jane Roe" in shown[0].text


def test_an_editorial_names_its_outlet() -> None:
    shown = with_authors([Statement("The city can afford it.", (3,))], [NEWS, COLUMN, EDITORIAL])
    assert "opinion of Daily Meridian" in shown[0].text


def test_a_statement_a_news_report_also_gives_is_news() -> None:
    statement = Statement("The council approved the budget.", (1, 2))
    assert with_authors([statement], [NEWS, COLUMN, EDITORIAL]) == [statement]


def test_a_view_two_columns_agree_on_names_their_authors() -> None:
    agreed = Agreement("The budget is a gift to landlords.", (2, 3), 2)
    [shown] = with_authors_agreed([agreed], [NEWS, COLUMN, EDITORIAL])
    assert shown.text == "The budget is a gift to landlords (opinion of Jane Roe, Daily Meridian)."
    assert shown.citations == agreed.citations


def test_what_a_news_report_and_a_column_agree_on_is_news() -> None:
    agreed = Agreement("The council approved the budget.", (1, 2), 2)
    assert with_authors_agreed([agreed], [NEWS, COLUMN, EDITORIAL]) == [agreed]
