"""Dates in claims, read by dateparser against the article's own date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DateMention:
    date: str  # YYYY-MM-DD, YYYY-MM or YYYY, by precision
    precision: str  # day | month | year
    inferred_year: bool  # the text gave no year: it comes from the article's date
    text: str
    of: str = ""  # the verb it dates ("ordered" in "ordered on Tuesday"), as a stem

    @property
    def states_year(self) -> bool:
        """Whether the words themselves give the year ("June 5, 2024", not "June 5")."""
        return states_year(self.text)


def states_year(text: str) -> bool:
    return bool(re.search(r"\b\d{4}\b", text))


def duration(entity: Any) -> bool:
    """ "three years", "130-day": a length of time, not a date."""
    root = entity.root
    return bool(root.pos_ == "NOUN" and any(t.like_num or t.pos_ == "NUM" for t in entity if t.i != root.i))


class DateResolver:
    """dateparser, with the article's own date as the base for "Tuesday", "last week" and
    dates without a year; its import (about a second) is paid by briefings only."""

    def __init__(self) -> None:
        self._parsers: dict[dt.date | None, Any] = {}

    def _parser(self, base: dt.date | None) -> Any:
        if base not in self._parsers:
            from dateparser.date import DateDataParser

            settings: dict[str, Any] = {"PREFER_DATES_FROM": "past"}
            if base is not None:
                settings["RELATIVE_BASE"] = dt.datetime(base.year, base.month, base.day)
            self._parsers[base] = DateDataParser(languages=["en"], settings=settings)
        return self._parsers[base]

    def resolve(self, text: str, article_date: str | None, reference_year: int | None) -> DateMention | None:
        base = _iso_date(article_date)
        inferred_base = base is None and reference_year is not None
        if inferred_base:
            base = dt.date(reference_year or 1, 12, 31)
        try:
            data = self._parser(base).get_date_data(text)
        except (ValueError, OverflowError, TypeError, KeyError):
            return None
        when, period = data["date_obj"], data["period"]
        if when is None:
            return None
        has_year = states_year(text)
        if not has_year and base is not None and period in ("day", "month"):
            if inferred_base:
                when = _nearest_year(when, dt.date(base.year, when.month, 1))  # the stories' year
            else:
                when = _nearest_year(when, base)  # "Jan. 31" in an August paper: the coming January
        if period == "year":
            return DateMention(f"{when.year:04d}", "year", False, text) if has_year else None
        if period == "month":
            return DateMention(f"{when.year:04d}-{when.month:02d}", "month", not has_year, text)
        if period == "week":
            return None  # "last week": a span, not a day to put on a timeline
        numbers = [int(n) for n in re.findall(r"\d+", text)]
        if numbers and when.day not in numbers and not re.search(r"\bago\b", text):
            return None  # "the 1990s" read as some day: the text never named that day
        if inferred_base and (not numbers or re.search(r"\bago\b", text)):
            return None  # "Tuesday", "yesterday" with no article date to count from
        if base is not None and not numbers and (base - when.date()).days == 7:
            when = dt.datetime(base.year, base.month, base.day)  # "on Monday" in Monday's paper: that day
        return DateMention(when.date().isoformat(), "day", not has_year and inferred_base, text)


def _nearest_year(when: dt.datetime, base: dt.date) -> dt.datetime:
    candidates = []
    for year in (base.year - 1, base.year, base.year + 1):
        try:
            candidates.append(when.replace(year=year))
        except ValueError:  # February 29th
            continue
    return min(candidates, key=lambda c: abs((c.date() - base).days)) if candidates else when


def _iso_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
