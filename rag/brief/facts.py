"""What spaCy's parse says of each claim: the people it names (aliases merged across articles),
how it describes them, its figures, its dates (resolved by dateparser against the article's own
date), the actions it states or denies and who does them, and who speaks a quote.

Nothing here is a word list about any story: names and figures are spaCy's entities, roles and
negation come from the dependency parse, dates from dateparser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from nicknames import NickNamer

from rag.brief.date_roles import bounds_a_period, depth_of, describes_a_thing, measured_from
from rag.brief.model import Claim
from rag.brief.names import person_aliases, person_key
from rag.brief.numbers import bound_of, with_digits
from rag.brief.roles import Role, apposed_role, role_of
from rag.brief.standalone import reports_speech, said_by, stands_alone
from rag.dates import RELATIVE_PARTS_OF_DAY, DateMention, DateResolver, an_age, day_spans, duration, tense_of
from rag.nlp import Pipeline
from rag.text import STOPWORDS, content_stems, inside_quotation, normalize, stem

FIGURE_LABELS = frozenset({"MONEY", "CARDINAL", "PERCENT", "QUANTITY"})
_QUOTE = re.compile(r"[\"“]([^\"“”]{20,300})[\"”]")


@dataclass(frozen=True)
class Figure:
    label: str
    value: str  # normalised for comparison: "nearly $3.5 trillion" → "$ 3.5 trillion"
    text: str
    counts: str = ""  # what it counts or prices ("workers" in "1,200 workers"), as a stem
    bound: str = ""  # "least" for "more than 40", "most" for "up to 40": the amount is a bound
    frame: str = ""  # the clause that tells what it counts, the amount as N ("forcing N residents from their homes")
    period: str = ""  # the dates and spans of time in that clause ("over five years")
    verb: str = ""  # the verb that governs it, as a stem ("forc")


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
    standalone: bool = True  # makes sense without its neighbours, its relative days dated
    reaction: bool = False  # tells what someone said, not what happened
    names: frozenset[str] = frozenset()  # the people, organisations and places it names
    by_surname: frozenset[str] = frozenset()  # the people it calls by their surname alone ("Bush" for Cori Bush)
    says: frozenset[str] = frozenset()  # the people it quotes: the subject of its verb of saying
    lengths: frozenset[str] = frozenset()  # the lengths of time it gives ("5 year" for "five years")
    exact_lengths: frozenset[str] = frozenset()  # those of `lengths` no bound ("more than") qualifies
    # Its content words, stemmed from their lemmas when the pipeline gives them ("wrote" and
    # "writing" are one word), else from the words as written.
    stems: frozenset[str] = frozenset()

    @property
    def informative(self) -> bool:
        return bool(self.figures or self.people or self.dates)

    @property
    def amounts_given(self) -> set[str]:
        """Every amount its figures hold (`amounts`): "67-32" gives 67 and 32."""
        return {x for f in self.figures for x in amounts(f.value)}

    @property
    def particulars(self) -> frozenset[str]:
        """What pins a claim to one fact: the names it gives, its amounts, the days and months it
        writes in figures ("June 30", not "Tuesday") and its lengths of time."""
        written_days = {d.date for d in self.dates if any(c.isdigit() for c in d.text)}
        return self.names | {f.value for f in self.figures} | written_days | self.lengths


def read_facts(
    claims: Sequence[Claim],
    nlp: Pipeline,
    dates_by_key: dict[int, str | None],
    reference_year: int | None,
    nicknames: NickNamer | None = None,
) -> list[ClaimFacts]:
    docs = nlp.parse([c.text for c in claims])
    nicknames = nicknames or NickNamer()  # its table is read once a briefing (8 ms)
    aliases = person_aliases((doc for doc in docs), nicknames)
    resolver = DateResolver()
    found = []
    for claim, doc in zip(claims, docs, strict=True):
        facts = ClaimFacts()
        for entity in doc.ents:
            # A person's surname the recogniser took for a company here ("Stansbury, a state
            # representative, led …") is still that person, with the office an apposition gives
            # (only that: the parse around such a name is often wrong, "a figure Raman said").
            taken_for_a_name = entity.label_ in ("ORG", "PRODUCT") and len(entity) == 1
            if (entity.label_ == "PERSON" or taken_for_a_name) and (name := aliases.get(person_key(entity))):
                if name not in facts.people:
                    facts.people.append(name)
                if entity.label_ == "PERSON" and said_by(entity):
                    facts.says |= {name}
                surname_alone = len(name.split()) >= 2 and person_key(entity) == name.split()[-1]
                if entity.label_ == "PERSON" and surname_alone:
                    facts.by_surname |= {name}
                role = apposed_role(entity, name) if taken_for_a_name else role_of(entity, name, nicknames)
                if role is not None:
                    facts.roles.append(role)
            elif entity.label_ in FIGURE_LABELS:
                value = figure_value(entity)
                if value:
                    counted, bound = _counted(entity), bound_of(entity.text)
                    facts.figures.append(Figure(entity.label_, value, entity.text, counted, bound, *frame_of(entity)))
        for span in unlabelled_amounts(doc):
            facts.figures.append(Figure("CARDINAL", figure_value(span), span.text, _counted(span), "", *frame_of(span)))
        lengths, exact, undated = set(), set(), False
        for span in day_spans(doc):
            if duration(span) and (length := figure_value(span)):
                lengths.add(f"{length} {stem(span.root.lower_)}")
                if not _bounded(span):
                    exact.add(f"{length} {stem(span.root.lower_)}")
            if not duration(span) and not an_age(span):
                counted_from = dates_by_key.get(claim.key)
                if _said_relative_day(span):
                    # A speaker's "today" is the day they spoke: the day the sentence gives their
                    # words, else unknown (the article may be of the next day).
                    counted_from = _day_of_saying(doc, resolver, counted_from, reference_year)
                    undated |= counted_from is None
                    if counted_from is None:
                        continue
                mention = resolver.resolve(span.text, counted_from, reference_year, tense_of(span))
                if mention is not None:
                    facts.dates.append(
                        replace(
                            mention,
                            of=_dated_verb(span),
                            of_a_thing=describes_a_thing(span),
                            depth=depth_of(span),
                            bounds_a_period=bounds_a_period(span),
                            measured_from=measured_from(span),
                        )
                    )
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
        # Relative days pass only where the article's date lets the summary write their dates in.
        facts.reaction = reports_speech(doc)
        named = {person_key(e) for e in doc.ents if e.label_ in ("ORG", "GPE", "FAC", "LOC", "NORP")}
        facts.names = frozenset({*facts.people, *named} - {""})
        facts.lengths = frozenset(lengths)
        facts.exact_lengths = frozenset(exact)
        facts.stems = _content_stems(claim.text, doc, nlp.lemmas(doc))
        facts.standalone = stands_alone(claim.text, doc, days_dated=bool(dates_by_key.get(claim.key)) and not undated)
        found.append(facts)
    return found


def _content_stems(text: str, doc: Any, lemmas: list[str] | None) -> frozenset[str]:
    if lemmas is None:
        return frozenset(content_stems(text))
    return frozenset(
        stem(lemma.lower())
        for token, lemma in zip(doc, lemmas, strict=True)
        if token.is_alpha and token.lower_ not in STOPWORDS and lemma.lower() not in STOPWORDS
    )


# -- people ---------------------------------------------------------------------------------


# -- days -----------------------------------------------------------------------------


_SPEAKERS_DAYS = frozenset({"today", "tonight", "tomorrow", "yesterday"})


def _said_relative_day(span: Any) -> bool:
    """ "“Today, the agency is updating its guidance,” she said": a day named relative to now, in
    someone's words."""
    named = any(t.lower_ in _SPEAKERS_DAYS for t in span) or re.search(RELATIVE_PARTS_OF_DAY, span.text)
    return bool(named) and inside_quotation(span.doc.text, span.start_char)


def _day_of_saying(doc: Any, resolver: DateResolver, article_date: str | None, year: int | None) -> str | None:
    """The day a sentence says its quoted words were said: its first day outside the quotation
    ("…,” the governor tweeted on Monday)."""
    for span in day_spans(doc):
        if duration(span) or an_age(span) or inside_quotation(doc.text, span.start_char):
            continue
        mention = resolver.resolve(span.text, article_date, year, tense_of(span))
        if mention is not None and mention.precision == "day":
            return mention.date
    return None


# -- figures --------------------------------------------------------------------------


def _bounded(span: Any) -> bool:
    """ "more than two months", "for up to 90 days": a bound written in the span or just before it."""
    doc = span.doc
    return any(bound_of(doc[start : span.end].text) for start in range(max(0, span.start - 3), span.start + 1))


def unlabelled_amounts(doc: Any) -> list[Any]:
    """Amounts the recogniser left out ("more than 1 billion doses"): runs of number words
    outside any entity that give a figure in digits with a scale word or of two digits or more
    (not the 7 of "Group of 7")."""
    found = []
    start = None
    for token in [*doc, None]:
        if token is not None and token.like_num and not token.ent_type_:
            start = token.i if start is None else start
            continue
        if start is not None:
            span = doc[start : token.i if token is not None else len(doc)]
            digits = "".join(c for c in span.text if c.isdigit())
            if digits and (len(span) > 1 or len(digits) >= 2):
                found.append(span)
            start = None
    return found


def figure_value(entity: Any) -> str:
    """The amount itself, without the words that hedge it ("about", "nearly", "up to"): its
    numbers, scale words and currency or percent signs."""
    kept = [
        "percent" if t.text == "%" else t.text.replace(",", "").lower()
        for t in entity
        if t.like_num or t.pos_ == "NUM" or t.tag_ == "$" or t.text in ("%", "percent")
    ]
    return " ".join(with_digits(kept))


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
    """The noun a figure counts or prices ("1,200 workers" → "worker", "a $4 million budget"
    → "budget"), the unit it measures in ("8,400 acres" → "acr"), or the verb it measures
    ("rose 5.4 percent" → "rose")."""
    units = [t for t in entity if t.pos_ == "NOUN" and not t.like_num]
    if entity.label_ == "QUANTITY" and units:
        return stem(units[-1].lower_)
    root = entity.root
    while root.dep_ == "conj" and root.head.ent_type_ == entity.label_:  # "0.9% in May and 5.4% over the year"
        root = root.head
    head = root.head
    while (head.dep_ in ("compound", "amod", "nummod") or head.pos_ == "ADP") and head.head.i != head.i:
        head = head.head
    return stem(head.lower_) if head.i != root.i and head.pos_ in ("NOUN", "PROPN", "VERB") else ""


# The dependents that say what a verb's event is and what it acts on; the clauses hung on it
# (another event, a relative clause, a reason) are left out.
_FRAME_DEPENDENTS = frozenset(
    "nsubj nsubjpass dobj dative attr oprd acomp xcomp prt agent aux auxpass neg prep pobj pcomp "
    "compound amod det poss nummod quantmod case advmod npadvmod".split()
)


def frame_of(amount: Any) -> tuple[str, str, str]:
    """What an amount counts in which event, as words to compare across outlets: the clause of
    the verb that governs it, with the amount itself written "N" ("about 1,200 residents were
    forced from their homes" → "N residents were forced from their homes"); the dates and spans
    of time that clause gives, which say over what period it counts; and that verb, as a stem."""
    verb = amount.root
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        verb = verb.head
    path = {t.i for t in amount}
    step = amount.root
    while step.i != verb.i:
        path.add(step.i)
        step = step.head
    kept = set(path)
    pending = [verb]
    while pending:
        token = pending.pop()
        kept.add(token.i)
        pending.extend(c for c in token.children if c.dep_ in _FRAME_DEPENDENTS or c.i in path)
    words: list[str] = []
    for i in sorted(kept):
        inside = amount.start <= i < amount.end
        if not inside:
            words.append(amount.doc[i].text)
        elif not words or words[-1] != "N":
            words.append("N")
    period = [e.text.lower() for e in amount.doc.ents if e.label_ == "DATE" and e.start in kept and e != amount]
    return " ".join(words), " ".join(period), stem(verb.lower_) if verb.pos_ in ("VERB", "AUX") else ""


def _dated_verb(entity: Any) -> str:
    """The verb a date says when of: "ordered on Tuesday" → "order"."""
    for token in entity.root.ancestors:
        if token.pos_ in ("VERB", "AUX"):
            return stem(token.lower_)
    return ""


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
    if span is not None and (name := aliases.get(person_key(span))):
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
        and (key := person_key(e)) in aliases
    ]
    speakers = set(outside)
    return (outside[0] if len(speakers) == 1 else None), match.group(1)
