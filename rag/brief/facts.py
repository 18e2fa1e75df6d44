"""What spaCy's parse says of each claim: the people it names (aliases merged across articles),
how it describes them, its figures, its dates (resolved by dateparser against the article's own
date), the actions it states or denies and who does them, and who speaks a quote.

Nothing here is a word list about any story: names and figures are spaCy's entities, roles and
negation come from the dependency parse, dates from dateparser.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rag.brief.model import Claim
from rag.nlp import Pipeline
from rag.text import normalize, stem

FIGURE_LABELS = frozenset({"MONEY", "CARDINAL", "PERCENT", "QUANTITY"})
_FORMER = re.compile(r"^(?:former|ex)$|^ex-", re.IGNORECASE)
_QUOTE = re.compile(r"[\"“]([^\"“”]{20,300})[\"”]")


@dataclass(frozen=True)
class Role:
    """How one sentence describes a person: "port authority spokesman", "the deputy chair of the
    committee". `head` is the office ("spokesman", "chair"); `former` whether it is past."""

    person: str
    description: str
    head: str
    former: bool
    modifiers: frozenset[str]
    rank: frozenset[str] = frozenset()  # ordinals: "first deputy chair" is not "deputy chair"


@dataclass(frozen=True)
class Figure:
    label: str
    value: str  # normalised for comparison: "nearly $3.5 trillion" → "$ 3.5 trillion"
    text: str
    counts: str = ""  # what it counts or prices ("jobs" in "194,000 jobs"), as a stem


@dataclass(frozen=True)
class DateMention:
    date: str  # YYYY-MM-DD, YYYY-MM or YYYY, by precision
    precision: str  # day | month | year
    inferred_year: bool  # the text gave no year: it comes from the article's date
    text: str
    of: str = ""  # the verb it dates ("ordered" in "ordered on Tuesday"), as a stem


@dataclass(frozen=True)
class Action:
    """A verb a claim states or denies, with its subject (a person's canonical name, or the
    subject noun)."""

    verb: str  # stem
    surface: str
    subject: str
    negated: bool
    hypothetical: bool  # inside an if-clause: not a claim that it happened


@dataclass
class ClaimFacts:
    people: list[str] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    speaker: str | None = None  # the one person named outside a quote the claim carries
    quote: str | None = None

    @property
    def informative(self) -> bool:
        return bool(self.figures or self.people or self.dates)


def read_facts(
    claims: Sequence[Claim], nlp: Pipeline, dates_by_key: dict[int, str | None], reference_year: int | None
) -> list[ClaimFacts]:
    docs = nlp.parse([c.text for c in claims])
    aliases = person_aliases(doc for doc in docs)
    resolver = DateResolver()
    found = []
    for claim, doc in zip(claims, docs, strict=True):
        facts = ClaimFacts()
        for entity in doc.ents:
            if entity.label_ == "PERSON" and (name := aliases.get(_person_key(entity))):
                if name not in facts.people:
                    facts.people.append(name)
                role = role_of(entity, name)
                if role is not None:
                    facts.roles.append(role)
            elif entity.label_ in FIGURE_LABELS:
                value = _figure_value(entity)
                if value:
                    facts.figures.append(Figure(entity.label_, value, entity.text, _counted(entity)))
            elif entity.label_ == "DATE" and not _duration(entity):
                mention = resolver.resolve(entity.text, dates_by_key.get(claim.key), reference_year)
                if mention is not None:
                    facts.dates.append(replace(mention, of=_dated_verb(entity)))
        for token in doc:
            # A surname the recogniser missed or took for a company here ("Lindqvist said …")
            # is still that person.
            if (
                token.pos_ == "PROPN"
                and token.ent_type_ in ("", "ORG", "PRODUCT")
                and (name := aliases.get(token.text))
            ):
                if name not in facts.people:
                    facts.people.append(name)
        facts.actions = actions_of(doc, aliases)
        facts.speaker, facts.quote = _speaker(claim.text, doc, aliases)
        found.append(facts)
    return found


# -- people ---------------------------------------------------------------------------------


def _clean_tokens(entity: Any) -> list[Any]:
    tokens = [t for t in entity if not t.is_punct and t.tag_ != "POS" and t.pos_ != "DET"]
    while tokens and tokens[-1].lower_ in ("'s", "’s"):
        tokens = tokens[:-1]
    while len(tokens) > 1 and tokens[0].pos_ == "NOUN":
        tokens = tokens[1:]  # "Astronomer Rosa Delgado": the recogniser took the title in
    return tokens


def _person_key(entity: Any) -> str:
    return " ".join(t.text for t in _clean_tokens(entity))


def _plausible_person(tokens: Sequence[Any]) -> bool:
    """A name is capitalised proper-noun words, without digits; spaCy's small model also calls
    headlines' capitalised phrases people, so every word must read as a name."""
    return (
        1 <= len(tokens) <= 4
        and all(t.text[:1].isupper() and not any(c.isdigit() for c in t.text) for t in tokens)
        and any(t.pos_ == "PROPN" for t in tokens)
        and all(t.pos_ in ("PROPN", "NOUN", "ADJ") or t.text.endswith(".") for t in tokens)
    )


def person_aliases(docs: Iterable[Any]) -> dict[str, str]:
    """Every way a person is written ("Biden", "Joe Biden", "Joe R. Biden") mapped to one name:
    the most frequent full form sharing the surname. A bare surname belongs to the full name
    only when one full name has that surname."""
    forms: Counter[str] = Counter()
    for doc in docs:
        for entity in doc.ents:
            if entity.label_ == "PERSON":
                tokens = _clean_tokens(entity)
                if _plausible_person(tokens):
                    forms[" ".join(t.text for t in tokens)] += 1
    by_surname: dict[str, list[str]] = defaultdict(list)
    for form in forms:
        by_surname[form.split()[-1].lower()].append(form)
    aliases: dict[str, str] = {}
    for variants in by_surname.values():
        full = sorted((v for v in variants if len(v.split()) > 1), key=lambda v: (-forms[v], -len(v), v))
        firsts = {v.split()[0].lower() for v in full}
        for variant in variants:
            if len(variant.split()) > 1:
                # "Joe Biden" and "Joe R. Biden" are one person; "Hunter Biden" another.
                same = [f for f in full if f.split()[0].lower() == variant.split()[0].lower()]
                aliases[variant] = same[0]
            elif len(firsts) == 1 and full:
                aliases[variant] = full[0]
            elif not full:
                aliases[variant] = variant
        if len(firsts) == 1 and full:
            aliases.setdefault(full[0].split()[-1], full[0])  # the surname alone, as it is written
    return aliases


def role_of(entity: Any, name: str) -> Role | None:
    """The description the parse attaches to a person's mention: a title before the name
    ("port spokesman Tomas Berg"), an apposition ("Berg, the port's spokesman" or
    "the spokesman, Dmitry Peskov"), or a copula or "serves as" ("Peskov is the spokesman")."""
    root = entity.root
    title = [t for t in _title_before(entity) if t.text not in name.split()]
    if title and _is_office(title[-1]):
        return _role(name, title, title[-1])
    for child in root.children:
        if child.dep_ == "appos" and _is_office(child):
            return _role(name, _phrase(child), child)
    if root.dep_ == "appos" and _is_office(root.head):
        return _role(name, [t for t in _phrase(root.head) if t.i < entity.start or t.i >= entity.end], root.head)
    verb = root.head
    if root.dep_ == "nsubj":
        for child in verb.children:
            if verb.pos_ == "AUX" and child.dep_ == "attr" and _is_office(child):
                return _role(name, _phrase(child), child)
            if child.dep_ == "prep" and child.lower_ == "as" and verb.pos_ == "VERB":
                for target in child.children:
                    if target.dep_ == "pobj" and _is_office(target):
                        return _role(name, _phrase(target), target)
    return None


def _title_before(entity: Any) -> list[Any]:
    """The words written just before a name that describe it ("former U.S. President" in
    "former U.S. President Donald Trump", "state-appointed financier"): the run of nouns,
    proper nouns and adjectives that ends at the name. The small parser often misattaches
    such runs, so their parts of speech decide, not the tree."""
    doc = entity.doc
    words: list[Any] = []
    index = entity.start - 1
    while index >= 0:
        token = doc[index]
        hyphen = token.text == "-" and index > 0 and not token.whitespace_ and not doc[index - 1].whitespace_
        described = token.pos_ in ("NOUN", "PROPN", "ADJ", "NUM") or token.tag_ in ("VBN", "VBG")
        if not hyphen and (not described or token.ent_type_ == "PERSON"):
            break
        if token.tag_ == "POS" or token.lower_ in ("'s", "’s"):
            break
        words.insert(0, token)
        index -= 1
    while words and (words[0].text == "-" or words[0].pos_ == "NUM"):
        words = words[1:]
    return words


def _is_office(token: Any) -> bool:
    """An office is named by a common noun ("spokesman", "chair"); a title written as a proper
    noun ("President", "Sen.") counts when it is not itself part of a named entity."""
    if token.pos_ == "NOUN":
        return token.ent_type_ not in ("PERSON", "ORG", "GPE", "NORP", "DATE", "CARDINAL")
    return token.pos_ == "PROPN" and not token.ent_type_


def _phrase(token: Any, limit: int = 12) -> list[Any]:
    """A noun's phrase without the clauses hanging off it ("the spokesman, who said …")."""
    cut = {
        t.i
        for c in token.children
        if c.dep_ in ("relcl", "acl", "advcl", "appos", "punct", "cc", "conj")
        for t in c.subtree
    }
    words = [t for t in token.subtree if t.i not in cut and not t.is_punct]
    return words[:limit] if words and words[0].i <= token.i else [token]


def _role(name: str, words: Sequence[Any], head: Any) -> Role | None:
    words = [w for w in words if w.pos_ != "DET" and w.tag_ != "POS" and w.lower_ not in ("'s", "’s")]
    if not words or len(words) > 12:
        return None
    words = sorted(words, key=lambda w: w.i)
    doc = words[0].doc
    description = doc.text[words[0].idx : words[-1].idx + len(words[-1].text)]
    former = any(_FORMER.search(w.text) for w in words)
    # What kind of office it is ("foreign", "defence"); a named body ("Senate", "U.S.") says
    # whose office, which outlets name in different ways, so it does not tell offices apart.
    modifiers = frozenset(
        normalize(w.text)
        for w in words
        if w.i != head.i and not _FORMER.search(w.text) and w.pos_ in ("ADJ", "NOUN") and not w.ent_type_
    )
    rank = frozenset(normalize(w.text) for w in words if w.ent_type_ == "ORDINAL")
    return Role(name, description, _office_word(head.text), former, modifiers, rank)


def _office_word(text: str) -> str:
    word = normalize(text).removeprefix("ex-").rstrip(".")
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def same_office(a: Role, b: Role) -> bool:
    """ "chair" and "chairman" name one office: one word begins the other."""
    return a.head.startswith(b.head) or b.head.startswith(a.head)


def roles_conflict(a: Role, b: Role) -> bool:
    """Two descriptions that cannot both be true now: the same office held and no longer held
    ("former president" against "president"), of another rank ("first deputy chair" against
    "deputy chair"), or of another kind ("foreign minister" against "defence minister").
    "Former president" and "deputy chair of the council" are two true roles, not a conflict."""
    if not same_office(a, b):
        return False
    if a.former != b.former or a.rank != b.rank:
        return True
    return bool(a.modifiers and b.modifiers and not (a.modifiers & b.modifiers))


# -- figures and dates --------------------------------------------------------------------------


def _figure_value(entity: Any) -> str:
    """The amount itself, without the words that hedge it ("about", "nearly", "up to"): its
    numbers, scale words and currency or percent signs."""
    kept = [
        "percent" if t.text == "%" else t.text.replace(",", "").lower()
        for t in entity
        if t.like_num or t.pos_ == "NUM" or t.tag_ == "$" or t.text in ("%", "percent")
    ]
    return " ".join(kept)


def amounts(value: str) -> set[str]:
    """The amounts a figure's value holds, each a number with its scale word: "51000 419000"
    (a range) → {"51000", "419000"}; "$ 3.5 trillion" → {"3.5 trillion"}."""
    found: list[str] = []
    for word in value.split():
        if any(c.isdigit() for c in word):
            found.append(word)
        elif found and word.isalpha() and word != "percent":
            found[-1] += f" {word}"
    return set(found)


def _counted(entity: Any) -> str:
    """The noun a figure counts or prices ("194,000 jobs" → "job", "a $3.5 trillion budget"
    → "budget"), or the verb it measures ("rose 5.4 percent" → "rose")."""
    root = entity.root
    while root.dep_ == "conj" and root.head.ent_type_ == entity.label_:  # "0.9% in May and 5.4% over the year"
        root = root.head
    head = root.head
    while (head.dep_ in ("compound", "amod", "nummod") or head.pos_ == "ADP") and head.head.i != head.i:
        head = head.head
    return stem(head.lower_) if head.i != root.i and head.pos_ in ("NOUN", "PROPN", "VERB") else ""


def _dated_verb(entity: Any) -> str:
    """The verb a date says when of: "ordered on Tuesday" → "order"."""
    for token in entity.root.ancestors:
        if token.pos_ in ("VERB", "AUX"):
            return stem(token.lower_)
    return ""


def _duration(entity: Any) -> bool:
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
        has_year = bool(re.search(r"\b\d{4}\b", text))
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


# -- actions and quotes -------------------------------------------------------------------------


def actions_of(doc: Any, aliases: dict[str, str]) -> list[Action]:
    """Each verb with a subject: its stem, whether it is negated ("has not responded"), and
    whether it sits in an if-clause ("if he did need it")."""
    found = []
    for token in doc:
        if token.pos_ != "VERB":
            continue
        subject = next((c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is None and token.dep_ in ("xcomp", "conj"):
            subject = next((c for c in token.head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is None or subject.pos_ == "PRON":
            continue  # "we", "he": who is meant is not in the sentence
        # "cannot restrict", "should not sign": a modal denies an obligation or a power, not
        # that the thing happened.
        modal = any(c.dep_ == "aux" and c.tag_ == "MD" for c in token.children)
        negated = not modal and (
            any(c.dep_ == "neg" for c in token.children)
            or any(c.dep_ == "neg" for c in token.head.children if token.dep_ == "xcomp")
        )
        hypothetical = any(c.dep_ == "mark" and c.lower_ == "if" for t in (token, *token.ancestors) for c in t.children)
        found.append(Action(stem(token.lower_), token.lower_, _subject_name(subject, aliases), negated, hypothetical))
    return found


def _subject_name(subject: Any, aliases: dict[str, str]) -> str:
    span = next((e for e in subject.doc.ents if e.start <= subject.i < e.end and e.label_ == "PERSON"), None)
    if span is not None and (name := aliases.get(_person_key(span))):
        return name
    # The recogniser missed the name here ("45 Berg", a footnote glued on): a word that is
    # someone's name elsewhere in the articles is still that person.
    return aliases.get(subject.text) or normalize(subject.text)


def _speaker(text: str, doc: Any, aliases: dict[str, str]) -> tuple[str | None, str | None]:
    match = _QUOTE.search(text)
    if not match:
        return None, None
    outside = [
        aliases[key]
        for e in doc.ents
        if e.label_ == "PERSON"
        and not (match.start() <= e.start_char < match.end())
        and (key := _person_key(e)) in aliases
    ]
    speakers = set(outside)
    return (outside[0] if len(speakers) == 1 else None), match.group(1)
