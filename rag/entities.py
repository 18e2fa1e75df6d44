"""Names, roles, dates and numbers pulled out of sentences: the slots a briefing compares."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from rag.text import normalize

_CAP = r"[A-Z][\w’'\-]*(?:\.[A-Z]\.?)?"
_NAME = re.compile(rf"\b{_CAP}(?:[ \t]+(?:{_CAP}))+")
_LEADING_FUNCTION = frozenset(
    """The A An In On At As And But Or If While When After Before Despite During Meanwhile However Although
    Another Even Top Former Russian American Presidential Kremlin Tech Elon's Still Speaking Drawing By Since
    Trump's Musk's Russia's Moscow's This That These Those His Her Their Its Our We I He She They It""".split()
)
ROLE_WORDS = frozenset(
    """president chairman chair chairwoman chairperson spokesman spokeswoman spokesperson senator head leader
    minister ceo founder adviser advisor strategist lawmaker editor-in-chief editor chancellor official
    financier billionaire blogger whistleblower executive director secretary governor mayor ambassador
    general member deputy chief commander prime premier envoy judge governor-general mogul entrepreneur
    ally host correspondent analyst professor""".split()
)
QUALIFIERS = frozenset({"former", "ex", "first", "acting", "interim", "deputy", "vice", "senior", "current"})
_ROLE_BEFORE = re.compile(
    r"((?:(?:former|ex-|then-|first|acting|deputy|vice|senior|top|the|tech|state|federal|nationalist|"
    r"foreign|finance|defense|defence|prime|chief|space\s+agency|[A-Z][\w.’'\-]*)\s+){0,4}"
    r"(?:president|chairman|chair|spokesman|spokeswoman|spokesperson|senator|head|leader|minister|CEO|"
    r"founder|adviser|advisor|strategist|lawmaker|editor-in-chief|chancellor|official|financier|billionaire|"
    r"blogger|whistleblower|executive|director|secretary|governor|mayor|ambassador|chief|commander|mogul|"
    r"entrepreneur|President|Chairman|Chancellor|Senator|Minister|Secretary))\s+$"
)
_NEGATION = re.compile(
    r"\b(?:not|never|no longer|nor|neither|without)\b|n[’']t\b"
    r"|\b(?:silent|denied|denies|deny|refused|refuses|unlikely)\b",
    re.IGNORECASE,
)
_MONEY = re.compile(r"[$€£]\s?\d[\d,.]*(?:\s?(?:million|billion|trillion|bn|m|k))?", re.IGNORECASE)
_NUMBER_UNIT = re.compile(
    r"\b(\d[\d,.]*)(?:[-\s])(percent|per cent|%|days?|years?|people|votes|points|seats|troops|shares)\b", re.I
)
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
_MONTH_ABBR = {m[:3]: i for m, i in MONTHS.items()} | {"sept": 9}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DAY_DATE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)\s+(\d{1,2})(?:st|nd|rd|th)?"
    r"(?:,?\s+(\d{4}))?\b"
)
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_YEAR = re.compile(r"\b(?:in|since|during|by|of)\s+((?:19|20)\d{2})\b")
_WEEKDAY = re.compile(r"\b(?:on|last|this)\s+(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_RELATIVE = re.compile(r"\b(yesterday|today|last week|last month|last year)\b", re.IGNORECASE)


ORG_WORDS = frozenset(
    """Committee Council Agency Party Duma House Department Ministry Court Street News Commission Act Bill
    Center Centre Union States Affairs Revolution Production Security Development Media Times Post Kremlin
    Office Bank Group Inc Corp Company University Institute Army Forces Navy Parliament Senate Congress
    Government Administration Federation Republic Kingdom Nations Organization Organisation Association
    Systems Purpose Unmanned Social Truth Industrial Big Beautiful One Wall Defense Special""".split()
)
_TITLE_OR_PLACE = frozenset(
    """President Chancellor Senator Minister Secretary Governor Mayor Judge General Prime Premier Chairman CEO
    Pope King Queen Prince Princess Sir Dr Mr Mrs Ms Russian German American British French Chinese Ukrainian
    U.S. US UK U.K. EU Russia Ukraine America China Moscow Washington Kyiv
    Former Kremlin Presidential Tesla SpaceX Roscosmos Duma State Tech""".split()
)


def people(sentence: str) -> list[str]:
    """Person-like names: 'U.S. President Donald Trump' → 'Donald Trump'; organisations dropped."""
    found = []
    for name in names(sentence):
        tokens = name.split()
        while tokens and tokens[0] in _TITLE_OR_PLACE:
            tokens = tokens[1:]
        if 2 <= len(tokens) <= 3 and not any(t in ORG_WORDS or t in _TITLE_OR_PLACE for t in tokens):
            found.append(" ".join(tokens))
    return found


def names(sentence: str) -> list[str]:
    """Multi-word proper names, e.g. 'Dmitry Medvedev', 'State Duma Committee'."""
    found = []
    for match in _NAME.finditer(sentence):
        tokens = match.group(0).split()
        while tokens and tokens[0] in _LEADING_FUNCTION:
            tokens = tokens[1:]
        while tokens and tokens[-1].endswith(("’s", "'s")) is False and tokens[-1] in _LEADING_FUNCTION:
            tokens = tokens[:-1]
        tokens = [t[:-2] if t.endswith(("’s", "'s")) else t for t in tokens]
        if len(tokens) >= 2:
            found.append(" ".join(tokens))
    return found


def is_negated(sentence: str) -> bool:
    return bool(_NEGATION.search(sentence))


def amounts(sentence: str) -> set[str]:
    """Money and counted quantities, normalised: {'$150 billion', '130 day'}."""
    found = {" ".join(m.group(0).lower().replace(",", "").split()) for m in _MONEY.finditer(sentence)}
    for number, unit in _NUMBER_UNIT.findall(sentence):
        found.add(f"{number.replace(',', '')} {unit.lower().rstrip('s')}")
    return found


@dataclass(frozen=True)
class Role:
    person: str
    description: str

    @property
    def key(self) -> frozenset[str]:
        words = set(normalize(self.description).replace("-", " ").split())
        words = {"chair" if w in {"chairman", "chairwoman", "chairperson"} else w for w in words}
        words = {"spokesperson" if w in {"spokesman", "spokeswoman"} else w for w in words}
        return frozenset(w for w in words if w in ROLE_WORDS | QUALIFIERS or w == "ex")


def roles(sentence: str, people: list[str]) -> list[Role]:
    """How a sentence describes each known person: 'Kremlin spokesman Dmitry Peskov',
    'Dmitry Novikov, deputy chair of the State Duma Committee, said', 'Novikov serves as ...'."""
    found: list[Role] = []
    for person in people:
        surname = person.split()[-1]
        for mention in re.finditer(rf"(?:{re.escape(person)}|\b{re.escape(surname)}\b)", sentence):
            before = sentence[: mention.start()]
            match = _ROLE_BEFORE.search(before[-80:])
            if match:
                tokens = match.group(1).split()
                while tokens and (tokens[0].lower() in {"the", "a", "an"} or tokens[0] in _NOT_A_ROLE_START):
                    tokens = tokens[1:]
                if tokens and len(tokens) <= 6 and _has_role(" ".join(tokens[-1:])):
                    found.append(Role(person, " ".join(tokens)))
            after = sentence[mention.end() :]
            appositive = re.match(
                r",\s+((?:the\s+|a\s+)?[^,;“”\"]{3,140}?)(?:,|\.$|\s+(?:said|told|wrote|was)\b)", after
            )
            if appositive and _has_role(appositive.group(1)) and not _CLAUSE.search(appositive.group(1)):
                found.append(Role(person, _trim_role(appositive.group(1))))
            serves = re.match(r"\s+(?:currently\s+)?(?:serves|served|is|was)\s+as\s+(?:the\s+)?([^,.;]{3,90})", after)
            if serves and _has_role(serves.group(1)):
                found.append(Role(person, _trim_role(serves.group(1))))
    return found


_NOT_A_ROLE_START = _LEADING_FUNCTION - {"Former", "Kremlin", "Presidential", "Russian", "American", "Top", "Tech"}
_CLAUSE = re.compile(r"\b(?:has|have|had|is|are|will|would|could|should|says|said|stated|told)\b")


def _has_role(text: str) -> bool:
    return any(w.strip(".,") in ROLE_WORDS for w in text.lower().split()[:4])


def _trim_role(text: str) -> str:
    text = re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.I)
    return re.split(r"\s+and\s+(?:a|an|the)\s+", text)[0].strip()


@dataclass(frozen=True)
class DateMention:
    date: str  # YYYY-MM-DD, or YYYY for a year alone
    precision: str  # "day" or "year"
    inferred_year: bool
    text: str


def dates(sentence: str, article_date: str | None, reference_year: int | None) -> list[DateMention]:
    """Dates a sentence states, resolved against the article's own date where they are relative
    (a weekday, 'yesterday') or lack a year ('June 6')."""
    base = _parse_iso(article_date)
    year_hint = base.year if base else reference_year
    found: list[DateMention] = []
    for match in _ISO.finditer(sentence):
        found.append(DateMention(match.group(0), "day", False, match.group(0)))
    for match in _DAY_DATE.finditer(sentence):
        month = _month(match.group(1))
        day = int(match.group(2))
        year = int(match.group(3)) if match.group(3) else year_hint
        if month and 1 <= day <= 31 and year:
            try:
                when = dt.date(year, month, day)
            except ValueError:
                continue
            if not match.group(3) and base and when > base + dt.timedelta(days=7):
                when = when.replace(year=when.year - 1)  # "December 30" in a January article
            found.append(DateMention(when.isoformat(), "day", not match.group(3), match.group(0)))
    if base:
        for match in _WEEKDAY.finditer(sentence):
            target = _WEEKDAYS.index(match.group(1).lower())
            back = (base.weekday() - target) % 7
            when = base - dt.timedelta(days=back)
            found.append(DateMention(when.isoformat(), "day", False, match.group(0)))
        for match in _RELATIVE.finditer(sentence):
            word = match.group(1).lower()
            offset = {"yesterday": 1, "today": 0, "last week": 7, "last month": 30, "last year": 365}[word]
            when = base - dt.timedelta(days=offset)
            found.append(DateMention(when.isoformat(), "day", False, match.group(0)))
    if not found:
        for match in _YEAR.finditer(sentence):
            found.append(DateMention(match.group(1), "year", False, match.group(0)))
    return found


def _month(token: str) -> int | None:
    key = token.lower().rstrip(".")
    return MONTHS.get(key) or _MONTH_ABBR.get(key[:4] if key.startswith("sept") else key[:3])


def _parse_iso(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
