"""The values every reader produces: articles, skipped files with their reasons, and the
normalisation they share (dates, content hashes, titles from text)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.types import Article

MAX_TITLE_CHARS = 160  # a title read from the text's first line
MAX_GIVEN_TITLE_CHARS = 300  # a title the source gives: headlines run longer than first lines

STATED_DATE = re.compile(
    r"\b(?:date|dated|published|posted|updated)\b[:\s]*(?:on\s+)?"
    r"(\d{4}-\d{2}-\d{2}|[A-Za-z]{3,9}\.? \d{1,2},? \d{4})",
    re.IGNORECASE,
)
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_WORD_DATE = re.compile(r"\b([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})\b")


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Files read to the end with nothing skipped: an article once read from one of them and
    # not read now was removed from it (what `ingest --prune` removes too).
    complete_files: list[str] = field(default_factory=list)


def parse_date(value: object) -> str | None:
    """Normalise '2025-06-07', '2025-06-07T10:00Z', 'June 7, 2025', 'Jun. 7 2025', a date object
    or Unix time in seconds (or milliseconds) to ISO; a date that does not exist is None.

    >>> parse_date("2025-02-30") is None, parse_date(1749254400), parse_date("June 7, 2025")
    (True, '2025-06-07', '2025-06-07')
    """
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    if match := _ISO_DATE.search(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _WORD_DATE.search(value):
        month_name, day_text, year_text = match.groups()
        month = _MONTHS.get(month_name.lower(), 0)
        year, day = int(year_text), int(day_text)
    else:
        return None
    if not 1800 <= year <= 2200:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:  # February 30th, month 13
        return None


def _from_epoch(seconds: float) -> str | None:
    """Unix time to a date; an eight-digit whole number that reads as YYYYMMDD is that date
    (as Unix time it would fall in 1970, before any digital news archive)."""
    if seconds.is_integer() and 10_000_101 <= seconds <= 22_001_231:
        number = int(seconds)
        try:
            return dt.date(number // 10_000, number // 100 % 100, number % 100).isoformat()
        except ValueError:
            pass
    if abs(seconds) > 1e11:  # milliseconds, as JavaScript and many feeds write them
        seconds /= 1000
    try:
        day = dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date()
    except (OverflowError, OSError, ValueError):
        return None
    return day.isoformat() if 1800 <= day.year <= 2200 else None


def content_hash(*parts: str | None) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update((part or "").encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


_SURROGATE = re.compile("[\ud800-\udfff]")
_WORD = re.compile(r"[^\W_]")


def utf8_safe(text: str) -> str:
    """`text` with lone surrogates (from JSON escapes or undecodable file names) replaced, so
    that it can be stored, tokenised and printed."""
    return _SURROGATE.sub("\ufffd", text)


def path_key(path: Path) -> str:
    """A file's resolved path as stored text: undecodable bytes in its name as \\xNN escapes."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        resolved = path.absolute()
    return os.fsencode(resolved).decode("utf-8", "backslashreplace")


def make_article(
    key: str,
    doc_id: str,
    text: str,
    title: str | None = None,
    source: str | None = None,
    date: str | None = None,
    url: str | None = None,
    path: str | None = None,
) -> Article:
    text, key, doc_id = utf8_safe(text), utf8_safe(key), utf8_safe(doc_id)
    title, source, url = (utf8_safe(v) if v else v for v in (title, source, url))
    title = cap_title((title or "").strip(), MAX_GIVEN_TITLE_CHARS) or _title_from_text(text)
    return Article(
        key=key,
        doc_id=doc_id,
        title=title,
        text=text,
        content_hash=content_hash(text, title, source, date, url),
        source=(source or "").strip() or None,
        date=date,
        url=(url or "").strip() or None,
        path=path,
    )


def cap_title(title: str, limit: int = MAX_TITLE_CHARS) -> str:
    """A title kept to `limit` characters, cut at a word and marked with an ellipsis: a title is
    metadata, printed with every passage and read with every question."""
    if len(title) <= limit:
        return title
    cut = title[:limit].rsplit(" ", 1)[0] or title[:limit]
    return cut.rstrip(",;:—-") + "…"


def has_words(text: str) -> bool:
    """Whether the text holds a letter or a digit: one of only spaces, zero-width or other
    invisible characters and punctuation gives nothing to search, chunk or quote."""
    return _WORD.search(text) is not None


NO_WORDS = "no words in the text (only spaces, invisible characters or punctuation)"


def short(exc: Exception) -> str:
    return str(exc).split("\n")[0][:80]


def _title_from_text(text: str) -> str:
    """The first line, skipping a short section label ("Political News") above a headline."""
    lines = [line.strip().lstrip("#").strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return ""
    title: str = lines[0]
    if len(lines) > 1 and len(title.split()) <= 3 and 3 < len(lines[1].split()) <= 25:
        title = lines[1]
    title = STATED_DATE.sub("", title).strip() or title
    return cap_title(title)
