"""Opinion keeps its author: a sentence from a column, an editorial or an op-ed is a view, and a
briefing that shows it says whose ("… a barrier to voting (opinion of Jane Roe)."), never states
it as fact.

An article is opinion by how news sites file and label it: a section of their address named for
opinion ("/opinion/", "/opinions/", "/commentary/", "/editorials/", "/columns/", "/op-ed/"), a
title that says so ("Opinion: …", "Editorial | …"), or the name it is published under: an outlet's
opinion section, as its feed or a news aggregator names it ("Wall Street Journal (Opinion)",
"NYT > Opinion").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from rag.brief.model import Agreement, BriefSource, Statement

_SECTIONS = frozenset(
    "opinion opinions commentary editorial editorials column columns columnists op-ed op-eds oped opeds".split()
)
_TITLE_LABEL = re.compile(r"^\s*(opinion|editorial|commentary|column|op-ed)\s*[:|]", re.IGNORECASE)


def is_opinion(url: str | None, title: str | None, source: str | None = None) -> bool:
    if url:
        path = urlsplit(url).path.lower()
        if any(part in _SECTIONS for part in path.split("/")):
            return True
    if source and _SECTIONS & _words(source):
        return True
    return bool(title and _TITLE_LABEL.match(title))


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+(?:-[a-z]+)?", text.lower()))


def _author(source: str) -> str:
    """The outlet without the name of its opinion section: "Wall Street Journal (Opinion)" is
    the Wall Street Journal's view."""
    parts = [part.strip() for part in re.split(r"[()\[\]|>]", source) if part.strip()]
    outlet = [part for part in parts if not _words(part) <= _SECTIONS]
    return outlet[0] if outlet else source


def opinion_keys(sources: Sequence[BriefSource]) -> frozenset[int]:
    """The keys of the sources that are opinion pieces."""
    return frozenset(s.key for s in sources if is_opinion(s.url, s.title, s.source))


def with_authors(statements: Iterable[Statement], sources: Sequence[BriefSource]) -> list[Statement]:
    """The statements, each that only opinion pieces give closed by whose opinion it is; one
    that a news report also gives is news, and stands as it is."""
    opinion = {s.key: _author(s.source or "unnamed outlet") for s in sources if is_opinion(s.url, s.title, s.source)}
    shown = []
    for statement in statements:
        if statement.citations and all(k in opinion for k in statement.citations):
            authors = ", ".join(dict.fromkeys(opinion[k] for k in statement.citations))
            text = statement.text.rstrip()
            end = len(text) - 1 if text.endswith(".") else len(text)  # after a closing quote
            statement = replace(statement, text=f"{text[:end]} (opinion of {authors}){text[end:]}")
        shown.append(statement)
    return shown


def with_authors_agreed(agreements: Iterable[Agreement], sources: Sequence[BriefSource]) -> list[Agreement]:
    """The agreements, each that only opinion pieces state closed by whose opinion it is, as
    `with_authors` closes a statement."""
    agreements = list(agreements)
    shown = with_authors((Statement(a.text, a.citations) for a in agreements), sources)
    return [replace(a, text=statement.text) for a, statement in zip(agreements, shown, strict=True)]
