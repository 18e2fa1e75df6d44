"""What a user may ask, declared once and checked before any work: the question's (or query's,
or topic's) text, how many passages, how many articles, and the outlets and dates that become
retrieval filters. `Rag` checks every request with these, so the command line, `rag serve`'s
API and pages, `rag mcp` and Python callers refuse the same inputs with the same line."""

from __future__ import annotations

from dataclasses import dataclass

from rag.errors import RagError
from rag.store.filters import Filters

MAX_QUESTION_CHARS = 4000


@dataclass(frozen=True)
class Bounds:
    """An inclusive range of a count a request names, and what the count is of."""

    name: str
    low: int
    high: int
    of: str

    def check(self, value: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            raise RagError(f"{self.name}={value!r} is out of range; ask for {self.low} to {self.high} {self.of}")
        return value


SEARCH_K = Bounds("k", 1, 100, "passages")
ASK_K = Bounds("k", 1, 50, "passages")
ARTICLE_LIMIT = Bounds("limit", 1, 200, "articles")
STORY_LIMIT = Bounds("max_stories", 1, 50, "stories")


def check_question(text: str, what: str = "question") -> str:
    """The text of a question, a search query or a briefing topic, or a RagError saying what is
    wrong with it."""
    from rag.text import words

    if not text.strip():
        raise RagError(f'the {what} is empty; ask something, e.g. rag ask "who opened the bridge?"')
    if len(text) > MAX_QUESTION_CHARS:
        raise RagError(f"the {what} is {len(text):,} characters long; keep it under {MAX_QUESTION_CHARS:,}")
    if not words(text):
        raise RagError(f"the {what} has no words in it; ask in words")
    return text


def filters_from(source: list[str] | None, since: str | None, until: str | None, as_of: str | None = None) -> Filters:
    """Retrieval filters from the outlets and dates a user named (empty strings mean "any")."""
    from rag.ingest.articles import parse_date

    dates = []
    for name, value in (("--since", since), ("--until", until), ("--as-of", as_of)):
        parsed = parse_date(value) if value else None
        if value and parsed is None:
            raise RagError(f"{name} {value!r} is not a date; use YYYY-MM-DD")
        dates.append(parsed)
    if dates[0] and dates[1] and dates[0] > dates[1]:
        raise RagError(f"--since {dates[0]} is after --until {dates[1]}; swap them")
    if dates[0] and dates[2] and dates[0] > dates[2]:
        raise RagError(f"--since {dates[0]} is after --as-of {dates[2]}; nothing had been published yet")
    return Filters(tuple(s for s in source or () if s), dates[0], dates[1]).as_of(dates[2])
