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
    of_a_thing: bool = False  # it qualifies a noun ("the Nov. 29 holdup"), not the sentence's event
    depth: int = 0  # how far below the sentence's main verb it hangs in the parse
    bounds_a_period: bool = False  # "since March", "until April": where a state begins or ends
    measured_from: bool = False  # "the lowest since March": no event of March, news of the sentence's day

    @property
    def states_year(self) -> bool:
        """Whether the words themselves give the year ("June 5, 2024", not "June 5")."""
        return states_year(self.text)


# Days news names relative to its own date: the calendar's words.
RELATIVE_DAYS = frozenset(
    "today tonight tomorrow yesterday monday tuesday wednesday thursday friday saturday sunday".split()
)
# Parts of the day news names relative to its own date ("last night", "this morning"), in lower
# case but for a first letter ("CBS This Morning" is a show).
RELATIVE_PARTS_OF_DAY = r"(?-i:[Ll]ast night|[Tt]his (?:morning|afternoon|evening))"


def names_a_relative_day(text: str) -> bool:
    """ "on Tuesday", "tomorrow", "last night": a day named relative to the article's date."""
    named = RELATIVE_DAYS & set(re.findall(r"[a-z]+", text.lower()))
    return bool(named or re.search(rf"\b{RELATIVE_PARTS_OF_DAY}\b", text))


def day_spans(doc: Any) -> list[Any]:
    """The parts of a parsed sentence that name a day: its DATE entities, the TIME entities
    that name one ("Wednesday night", "later today", "last night"), and day words the recogniser
    left out ("in a three-hour period Wednesday") or took into an entity of another kind at the
    sentence's start."""
    spans = [e for e in doc.ents if e.label_ == "DATE" or (e.label_ == "TIME" and names_a_relative_day(e.text))]
    spans += [doc[t.i : t.i + 1] for t in doc if t.lower_ in RELATIVE_DAYS and (not t.ent_type_ or _opens(t))]
    spans = sorted(spans, key=lambda span: span.start)
    # "on Super Tuesday in March 2020": the day of the month and year that follow, not the
    # Tuesday before the article.
    return [
        span
        for span, following in zip(spans, [*spans[1:], None][: len(spans)], strict=True)
        if following is None
        or not _joined(span, following)
        or _names_the_calendar(span.text)
        or not _names_the_calendar(following.text)
    ]


def _opens(token: Any) -> bool:
    """Whether a day word opens its sentence, or the quotation that does, inside an entity of
    another kind ("“Today I'm announcing …”", which the recogniser may take for a title): there
    it is the day, not a show's name."""
    return token.ent_type_ not in ("DATE", "TIME") and all(t.is_punct for t in token.doc[: token.i])


def _joined(span: Any, following: Any) -> bool:
    """Whether two date spans are one date's parts: "Tuesday in March 2020", "Tuesday, March 3"."""
    between = span.doc[span.end : following.start]
    return len(between) <= 2 and all(t.lower_ in ("in", "of", ",") for t in between)


def _names_the_calendar(text: str) -> bool:
    """Whether a date's text gives a month or a year ("March 2020", "Jan. 8"), not only a day."""
    return states_year(text) or any(w[:3] in MONTHS for w in re.findall(r"[a-z]+", text.lower()))


def _calendar_words(text: str) -> bool:
    """Whether a date's text has anything that dates: a month, a weekday, a relative day, a year
    or a date in figures ("3/14"). A bare number ("H.R. 1") names no date."""
    found = re.findall(r"[a-z]+", text.lower())
    return (
        _names_the_calendar(text)
        or any(w[:3] in _WEEKDAYS or w in RELATIVE_DAYS or w in _RELATIVE_WORDS for w in found)
        or bool(re.search(r"\d+[/.-]\d+", text))
    )


# English names whatever the locale, as dateparser is asked to read English.
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = frozenset("mon tue wed thu fri sat sun".split())
_RELATIVE_WORDS = frozenset({"ago", "last", "next", "this", "week", "weekend", "month", "year", "season"})


def states_year(text: str) -> bool:
    return bool(re.search(r"\b\d{4}\b", text))


def duration(entity: Any) -> bool:
    """ "three years", "130-day": a length of time, not a date."""
    root = entity.root
    counted = any(t.like_num or t.pos_ == "NUM" for t in entity if t.i != root.i)
    return bool(counted and (root.pos_ == "NOUN" or (root.pos_ == "ADJ" and "-" in entity.text)))


def an_age(entity: Any) -> bool:
    """ "Vance, 34,": a bare number the recogniser took for a date names no day."""
    return bool(re.fullmatch(r"\d{1,2}", entity.text.strip()))


# How the parse hangs a word on a noun to qualify it ("nmod": "the Jan. 6 committee").
def _have(token: Any) -> bool:
    """The auxiliary of the perfect. The pipeline runs without its lemmatizer, and the rules
    that lemmatize auxiliaries leave the bare "have" of "would have" unlemmatized."""
    return bool(token.lemma_ == "have" or token.lower_ in ("have", "'ve"))


def tense_of(entity: Any) -> str | None:
    """Whether the verb a date belongs to tells of the past ("arrested on Wednesday", "had
    answered by Tuesday") or of what is to come ("will be paraded on Tuesday", "would file by
    Friday", "plans a rally on Monday", "have until Friday", "due to be presented on Saturday",
    "expect to finish by Friday"), from its tags in the parse: "past", "future", or None when
    the parse does not say; "present" for a verb in the present, which tells what is planned
    for a day ("holds a rally on Monday") but of a month may tell either ("a big drop from July").
    A verb without tense of its own ("demolishing") takes its head's."""
    head = entity.root.head
    if head.dep_ == "prep" and head.lower_ == "for" and head.i != entity.root.i:
        return "future"  # "a strike for Thursday", "a hearing set for Jan. 9": what is scheduled
    if head.dep_ == "prep" and head.lower_ == "since" and head.i != entity.root.i:
        return "past"  # "the worst since January": what has held from then to now
    preposition = next((a for a in entity.root.ancestors if a.pos_ == "ADP"), None)
    if preposition is not None and preposition.lower_ == "of" and preposition.head.lower_ == "as":
        return "past"  # "as of Tuesday afternoon": what held by then
    if any(_when_in_the_past(c) for c in entity.root.children if c.dep_ in ("relcl", "acl")):
        return "past"  # "July, when more than 1 million jobs were created"
    verbs = [t for t in entity.root.ancestors if t.pos_ in ("VERB", "AUX")][:4]
    if head.pos_ in ("NOUN", "PROPN") and verbs and _present_copula(verbs[0]):
        # "The order Wednesday … is the first legal blow": the copula tells what the thing is
        # now, not when it happens; the parse does not say.
        return None
    if head.dep_ == "prep" and head.lower_ == "by" and head.i != entity.root.i:
        # A deadline ("expected results by Friday") is to come, unless what it bounds is
        # already done ("by Tuesday, Kardovia had answered").
        perfect = bool(verbs) and verbs[0].tag_ == "VBN"
        done = perfect and any(_have(c) for c in verbs[0].children if c.dep_ == "aux")
        # Put before a verb in the past, it bounds what had happened by then ("By July, the
        # reports grew gloomier"); after one, it can be what was expected ("expected results by
        # Friday").
        fronted = bool(verbs) and verbs[0].tag_ == "VBD" and head.i < verbs[0].i
        return "past" if done or fronted else "future"
    for verb in verbs:
        helpers = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
        if any(h.tag_ == "MD" for h in helpers):  # will, would, should, may ...: yet to happen
            return "past" if any(_have(h) for h in helpers) else "future"  # ... unless "would have"
        if any(h.tag_ == "TO" for h in helpers):
            if verb.dep_ in ("acl", "relcl") or (verb.dep_ == "xcomp" and verb.head.dep_ in ("acl", "relcl")):
                if head.dep_ == "prep" and head.lower_ in _END_BOUNDS and head.head.i == verb.i:
                    # "an effort to evacuate allies before Aug. 31", "a proposal to fund the
                    # government into December": the end a plan sets, whenever the plan was told
                    return None
                # "a contract to run the center": what the noun is for, not when; "the first
                # to report it on Thursday", "migrants trying to cross in June": who did it,
                # as the verb it hangs on tells
                continue
            governor = next((a for a in verb.ancestors if a.pos_ in ("VERB", "AUX")), None)
            if verb.dep_ == "xcomp" and governor is not None and governor.pos_ == "VERB" and governor.tag_ == "VBD":
                # What someone did, or set out to do, told in the past ("voted to advance the bill
                # on Wednesday", "started to creep up in July", "said loudly enough to be heard …
                # on Friday"): the parse does not say which. A copula keeps what is due ("was
                # due to be released on Friday").
                return None
            if verb.dep_ == "ROOT":
                # An infinitive no clause governs: the parse missed the sentence's own verb, and
                # took it for one joined to this ("a protest Saturday to support …, was smaller").
                told = next((c for c in verb.children if c.dep_ == "conj" and c.tag_ in ("VBD", "VBZ", "VBP")), None)
                if told is not None:
                    return "past" if told.tag_ == "VBD" else "present"
            return "future"  # planned, hoped, due
        finite = next((h for h in helpers if h.tag_ in ("VBD", "VBZ", "VBP")), verb)
        if finite.tag_ == "VBD":
            return "past"
        if finite.tag_ in ("VBZ", "VBP"):  # the present of news tells what is planned, bar the perfect
            return "past" if _have(finite) and verb.tag_ == "VBN" else "present"
        if verb.tag_ == "VBN":
            return "past"  # "the complaint, filed Monday"
    return None


# Prepositions that make a date the end of a span ("before Aug. 31", "into December").
_END_BOUNDS = frozenset({"before", "until", "till", "into", "through"})


def _present_copula(verb: Any) -> bool:
    """A main verb "be" in the present, with what it says of its subject ("is the first legal
    blow", "are higher"): not an auxiliary of another verb."""
    return bool(
        verb.pos_ == "AUX"
        and verb.tag_ in ("VBZ", "VBP")
        and verb.dep_ in ("ROOT", "ccomp", "conj")
        and any(c.dep_ in ("attr", "acomp") for c in verb.children)
    )


class DateResolver:
    """dateparser, with the article's own date as the base for "Tuesday", "last week" and
    dates without a year; its import (about a second) is paid by briefings only."""

    def __init__(self) -> None:
        self._parsers: dict[tuple[dt.date | None, str], Any] = {}

    def _parser(self, base: dt.date | None, prefer: str) -> Any:
        if (base, prefer) not in self._parsers:
            from dateparser.date import DateDataParser

            settings: dict[str, Any] = {"PREFER_DATES_FROM": prefer}
            if base is not None:
                settings["RELATIVE_BASE"] = dt.datetime(base.year, base.month, base.day)
            self._parsers[base, prefer] = DateDataParser(languages=["en"], settings=settings)
        return self._parsers[base, prefer]

    def resolve(
        self, text: str, article_date: str | None, reference_year: int | None, tense: str | None = None
    ) -> DateMention | None:
        """The date `text` names, counted from the article's date: a weekday or a date without
        a year is the most recent one for an event told in the past, the next one for what is
        to come (`tense`), and the nearest when the tense is not known (a weekday, the last:
        news tells what happened, and "voted to advance the bill on Wednesday" has no tense of
        its own in the parse). A day named with an hour dateparser cannot read ("early Friday",
        "11:59 p.m. Saturday") is that day."""
        found = self._resolve(text, article_date, reference_year, tense)
        day_word = next((w for w in re.findall(r"[a-z]+", text.lower()) if w in RELATIVE_DAYS), None)
        if found is None and day_word is not None and day_word != text.lower():
            day = self._resolve(day_word, article_date, reference_year, tense)
            return DateMention(day.date, day.precision, day.inferred_year, text) if day else None
        return found

    def _resolve(
        self, text: str, article_date: str | None, reference_year: int | None, tense: str | None
    ) -> DateMention | None:
        base = _iso_date(article_date)
        inferred_base = base is None and reference_year is not None
        if inferred_base:
            base = dt.date(reference_year or 1, 12, 31)
            tense = None  # no article date to count forward or back from
        try:
            data = self._parser(base, "future" if tense in ("future", "present") else "past").get_date_data(text)
        except (ValueError, OverflowError, TypeError, KeyError):
            return None
        when, period = data["date_obj"], data["period"]
        if when is None or not _calendar_words(text):
            return None
        has_year = states_year(text)
        # A month's day without its year takes the year the tense gives it; a weekday or a
        # relative day ("tomorrow", "this morning") is counted from the article whatever the tense.
        if not has_year and base is not None and period in ("day", "month") and _names_the_calendar(text):
            if inferred_base:
                when = _nearest_year(when, dt.date(base.year, when.month, 1))  # the stories' year
            else:
                when = _year_by_tense(when, base, _planned(tense, period), period)
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
        if base is not None and not numbers and abs((base - when.date()).days) == 7:
            when = dt.datetime(base.year, base.month, base.day)  # "on Monday" in Monday's paper: that day
        return DateMention(when.date().isoformat(), "day", not has_year and inferred_base, text)


def _planned(tense: str | None, period: str) -> str | None:
    """The present of news plans a day ("votes on Tuesday"); a month it may place either way."""
    if tense == "present":
        return None if period == "month" else "future"
    return tense


def _when_in_the_past(verb: Any) -> bool:
    """A clause on a date telling what happened then ("…, when jobs were created"), not one on
    something else the date ends with ("Jan. 31, which the agency described as final")."""
    return any(c.lower_ == "when" for c in verb.children) and in_the_past(verb)


def in_the_past(verb: Any) -> bool:
    """A verb in the simple past, or a participle with a past auxiliary ("was revoked", "had
    served"), its own or that of the verb it is joined to ("was signed … and revoked")."""
    if verb.tag_ == "VBD":
        return True
    if verb.tag_ != "VBN":
        return False
    if any(c.dep_ in ("aux", "auxpass") for c in verb.children):
        return any(c.dep_ in ("aux", "auxpass") and c.tag_ == "VBD" for c in verb.children)
    return verb.dep_ == "conj" and in_the_past(verb.head)


def _year_by_tense(when: dt.datetime, base: dt.date, tense: str | None, period: str) -> dt.datetime:
    """The year of a date given without one: the latest not after the article for the past,
    the first not before it for the future, else the nearest ("Jan. 31" in an August paper)."""
    if tense is None:
        return _nearest_year(when, base)
    # "in March": the month the article is in counts as either past or to come
    edge = dt.datetime(base.year, base.month, 1 if period == "month" else base.day)
    if period == "month":
        when = when.replace(day=1)
    candidates = _in_years_around(when, base)
    if tense == "past":
        return max((c for c in candidates if c <= edge), default=_nearest_year(when, base))
    return min((c for c in candidates if c >= edge), default=_nearest_year(when, base))


def _nearest_year(when: dt.datetime, base: dt.date) -> dt.datetime:
    candidates = _in_years_around(when, base)
    return min(candidates, key=lambda c: abs((c.date() - base).days)) if candidates else when


def _in_years_around(when: dt.datetime, base: dt.date) -> list[dt.datetime]:
    """`when` in the year before the article's, its own and the next (no February 29th where
    there is none)."""
    candidates = []
    for year in (base.year - 1, base.year, base.year + 1):
        try:
            candidates.append(when.replace(year=year))
        except ValueError:
            continue
    return candidates


def _iso_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
