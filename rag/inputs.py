"""What a user asks, checked before any work: the question's text, and the outlets and dates
that become retrieval filters. Shared by the command line, `rag serve` and `rag mcp`; the
messages name the command line's flags, which the API's fields mirror."""

from __future__ import annotations

from rag.errors import RagError
from rag.store.filters import Filters


def filters_from(source: list[str] | None, since: str | None, until: str | None, as_of: str | None = None) -> Filters:
    from rag.ingest.files import parse_date

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
    return Filters(tuple(source or ()), dates[0], dates[1]).as_of(dates[2])


def check_question(text: str) -> None:
    from rag.text import words

    if not text.strip():
        raise RagError('the question is empty; ask something, e.g. rag ask "who opened the bridge?"')
    if len(text) > 4000:
        raise RagError(f"the question is {len(text)} characters long; keep it under 4,000")
    if not words(text):
        raise RagError("the question has no words in it; ask in words")
