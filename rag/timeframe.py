"""When a question asks about: "this week", "yesterday", "last month", "on Tuesday", read
against a reference date (the question's as-of date, or the newest article's).

The phrases come from dateparser's own English data (its `relative-type` table and its month
and weekday names), read as data so that a question pays a few milliseconds, not dateparser's
one-second import.

>>> window = time_window("Which show was green-lit last week?", dt.date(2022, 6, 16))
>>> (window.start.isoformat(), window.end.isoformat())
('2022-06-02', '2022-06-09')
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 31, "year": 366}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january february march april may june july august september october november december").split()


@dataclass(frozen=True)
class Window:
    """The days a question is about (inclusive), and the phrase that said so."""

    start: dt.date
    end: dt.date
    phrase: str

    def distance(self, day: dt.date) -> int:
        """Days from `day` to the window; 0 inside it."""
        if day < self.start:
            return (self.start - day).days
        if day > self.end:
            return (day - self.end).days
        return 0


@functools.cache
def _relative_phrases() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for every English relative date phrase dateparser knows (longest first), and
    each phrase's meaning: "N unit ago", "in N unit" or "last|this|next weekday"."""
    info = _english_data()
    meanings = {
        phrase.lower(): meaning
        for meaning, phrases in info["relative-type"].items()
        for phrase in phrases
        if len(phrase) > 3  # "now", "mo": too short to tell from other words
    }
    alternatives = "|".join(re.escape(p) for p in sorted(meanings, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b"), meanings


def _english_data() -> dict[str, Any]:
    spec = importlib.util.find_spec("dateparser")
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "data" / "date_translation_data" / "en.py"
        if path.exists():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                    value = ast.literal_eval(node.value)
                    if isinstance(value, dict) and "relative-type" in value:
                        return value
    from dateparser.data.date_translation_data import en  # slower, but the same table

    return dict(en.info)


def time_window(question: str, reference: dt.date) -> Window | None:
    """The period a question points to relative to `reference`, or None if it names none."""
    text = question.lower()
    pattern, meanings = _relative_phrases()
    for match in pattern.finditer(text):
        if not _common_noun(question, match.start()):
            continue  # "Business Today", "Black Friday": a name, not a time
        window = _meaning_window(meanings[match.group(0)], reference)
        if window is not None:
            return Window(window[0], window[1], match.group(0))
    for index, name in enumerate(WEEKDAYS):
        # A bare weekday is a time only as "on Tuesday"; "Monday Night Football" is a name.
        for match in re.finditer(rf"\bon ({name})\b", text):
            following = question[match.end() :].split(maxsplit=1)
            if not (following and following[0][:1].isupper()):  # "on Saturday Night Live": a name
                day = _last_weekday(reference, index)
                return Window(day, day, match.group(1))
    return None


def _common_noun(question: str, start: int) -> bool:
    """Whether the words at `start` are written as ordinary words: in lower case, or opening the
    question. Weekdays are capitalised in English, so only their first word is looked at."""
    first = question[start : start + 1]
    return start == 0 or not first.isupper()


def _meaning_window(meaning: str, reference: dt.date) -> tuple[dt.date, dt.date] | None:
    parts = meaning.split()
    if len(parts) == 3 and parts[2] == "ago" and parts[1] in _UNIT_DAYS:
        count, unit = int(parts[0]), parts[1]
        if unit == "day":
            day = reference - dt.timedelta(days=count)
            return day, day
        if unit == "month":  # calendar months: "this month" so far, "last month" the one before
            first = reference.replace(day=1)
            for _ in range(count):
                first = (first - dt.timedelta(days=1)).replace(day=1)
            last = reference if count == 0 else (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            return first, last
        if unit == "year":
            year = reference.year - count
            return dt.date(year, 1, 1), reference if count == 0 else dt.date(year, 12, 31)
        days = _UNIT_DAYS[unit]  # weeks and fortnights: the days just before, as news says them
        end = reference - dt.timedelta(days=count * days)
        return end - dt.timedelta(days=days), end
    if len(parts) == 2 and parts[1] in WEEKDAYS and parts[0] in ("last", "this"):
        day = _last_weekday(reference, WEEKDAYS.index(parts[1]))
        if parts[0] == "last" and day == reference:
            day -= dt.timedelta(days=7)
        return day, day
    return None  # the future ("next week", "tomorrow"): news archives do not hold it


def _last_weekday(reference: dt.date, weekday: int) -> dt.date:
    return reference - dt.timedelta(days=(reference.weekday() - weekday) % 7)
