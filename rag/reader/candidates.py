"""Candidate answers in the evidence sentences: the named entities (or, when the question does
not say what type, the noun phrases) that could answer a question, each scored by the passages
that state it, their sentence scores, its closeness in the parse tree to the question's words,
and whether it is the subject of the question's verb. Aliases are merged."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rag.dates import DateMention, DateResolver
from rag.nlp import Pipeline
from rag.reader.question import NAMES, QuestionType
from rag.reader.spans import joined_places, name_only, unrecognised_names, usual_labels, without_owner
from rag.text import STOPWORDS, content_words, normalize, stem, words
from rag.types import Hit

STOP_STEMS = frozenset(stem(w) for w in STOPWORDS)


@dataclass(frozen=True)
class ScoringSettings:
    # Steps in the parse tree over which closeness to the question's words halves a weight.
    proximity_steps: float = 3.0
    # Weight of an answer from a passage that lacks the numbers and names the question gives
    # ("in 2021", "at Wimbledon"), raised to the share of them it lacks.
    missing_number: float = 0.3
    # Weight of an answer of a secondary type ("who" asked, a group or a country found).
    secondary_label: float = 0.3
    # Weight for an answer that is the subject of a verb the question uses ("who signed …":
    # the one who signed).
    role_bonus: float = 2.0
    # The leading dates read by dateparser to find two that are one day.
    dated_candidates: int = 8


@dataclass(frozen=True)
class ScoredSentence:
    """A passage sentence scored against the question (see ExtractiveLLM.score)."""

    key: int
    text: str
    coverage: float
    similarity: float
    score: float


@dataclass
class Candidate:
    text: str
    label: str
    weights: dict[int, float] = field(default_factory=dict)  # passage key -> best weight there
    # passage key -> how strongly that passage states it: its weight there before the bonus for
    # playing the asked part, which ranks answers within a sentence, not across sources
    strengths: dict[int, float] = field(default_factory=dict)
    evidence: dict[int, ScoredSentence] = field(default_factory=dict)  # passage key -> best sentence
    forms: set[str] = field(default_factory=set)
    statements: list[ScoredSentence] = field(default_factory=list)  # every sentence stating it

    @property
    def score(self) -> float:
        return sum(self.weights.values())

    def keys(self) -> tuple[int, ...]:
        """The passages stating it, strongest first."""
        return tuple(sorted(self.weights, key=lambda k: (-self.weights[k], k)))


def find_candidates(
    question: str,
    kind: QuestionType,
    evidence: Sequence[ScoredSentence],
    hits: dict[int, Hit],
    nlp: Pipeline,
    settings: ScoringSettings,
    dates: DateResolver | None = None,
) -> list[Candidate]:
    """Answers of the expected type in the evidence, strongest first, aliases merged: names by
    their words, and, with `dates`, dates that fall on the same day ("Nov. 18" in a paper of
    that November and "November 18, 2020")."""
    asked = {stem(part) for w in words(question) for part in (w, *w.split("-"))}
    found: dict[str, Candidate] = {}
    docs = nlp.parse([e.text for e in evidence])
    parsed = nlp.parse_one(question)
    heads = {stem(t.lower_) for t in parsed if t.pos_ in ("NOUN", "PROPN", "VERB", "NUM")}
    # A name holding only the question's verbs ("Halvorsen Build" for "which firm will build …")
    # does not restate it.
    named_in_question = asked - {stem(t.lower_) for t in parsed if t.pos_ == "VERB"}
    owners = {stem(t.lower_) for t in parsed if t.dep_ == "poss" and t.pos_ == "PROPN"}
    given = {stem(w) for t in parsed if t.pos_ == "PROPN" or t.like_num for w in words(t.text)} - STOP_STEMS
    landmarks = _landmarks(heads or asked, docs)
    entities = [[n for e in joined_places(doc) if (n := name_only(e)) is not None] for doc in docs]
    unseen: set[tuple[int, int, int]] = set()
    if kind.primary:
        for number, (doc, spans) in enumerate(zip(docs, entities, strict=True)):
            for span in unrecognised_names(doc, spans, kind.primary):
                spans.append(span)
                unseen.add((number, span.start, span.end))
    usual = usual_labels(entities)
    passage_stems = (
        {key: {stem(w) for w in words(hits[key].text)} for key in {e.key for e in evidence}} if given else {}
    )
    for number, (sentence, doc, named) in enumerate(zip(evidence, docs, entities, strict=True)):
        lacking = len(given - passage_stems[sentence.key]) / len(given) if given else 0.0
        off_topic = settings.missing_number**lacking
        # Closeness to the telling words where the sentence has them; else to any word the
        # question names, one halving further: a sentence may word the question differently.
        anchors = [t.i for t in doc if stem(t.lower_) in landmarks]
        detour = 0.0
        if not anchors:
            anchors, detour = [t.i for t in doc if stem(t.lower_) in heads], settings.proximity_steps
        for span, label in _answer_spans(doc, named, usual, kind, asked):
            span = without_owner(span, owners, asked)
            if _restates_question(span, asked if span.label_ in _MEASURES else named_in_question):
                continue  # what the question names is not its answer
            distance = min((_distance(span, i) + detour for i in anchors), default=2 * settings.proximity_steps)
            weight = sentence.score * off_topic * 0.5 ** (distance / settings.proximity_steps)
            acts = _acts_in_question(span, asked)
            # Whoever does what the question asks answers it, whatever the recogniser calls it.
            off_type = (kind.primary and label != kind.primary) or (kind.labels and label not in kind.labels)
            unrecognised = (number, span.start, span.end) in unseen
            if ((off_type or unrecognised) and not acts) or (kind.focus == "when" and _duration(span)):
                weight *= settings.secondary_label
            strength = weight
            if acts:
                weight *= settings.role_bonus
            text = _display(span)
            candidate = found.setdefault(normalize(text), Candidate(text, label))
            candidate.forms.add(text)
            if sentence not in candidate.statements:
                candidate.statements.append(sentence)
            if weight > candidate.weights.get(sentence.key, 0.0):
                candidate.weights[sentence.key] = weight
                candidate.evidence[sentence.key] = sentence
            candidate.strengths[sentence.key] = max(strength, candidate.strengths.get(sentence.key, 0.0))
    merged = _merge_aliases(sorted(found.values(), key=lambda c: (-c.score, c.text)))
    return _merge_dates(merged, hits, dates, settings.dated_candidates) if dates is not None else merged


def _landmarks(asked: set[str], docs: Sequence[Any]) -> set[str]:
    """The question's words worth measuring closeness to: its nouns, names, verbs and numbers
    (not the words modifying them) that some evidence sentences lack. A word every sentence has
    (often the name the question is about) tells nothing about where the answer stands."""
    present = [{stem(t.lower_) for t in doc if not t.is_stop and not t.is_punct} & asked for doc in docs]
    counts = {w: sum(w in p for p in present) for w in asked}
    telling = {w for w, n in counts.items() if 0 < n < 0.8 * len(docs)}
    return telling or {w for w, n in counts.items() if n}


def _answer_spans(
    doc: Any, entities: Sequence[Any], usual: dict[str, str], kind: QuestionType, asked: set[str]
) -> list[tuple[Any, str]]:
    """The spans that could answer, each with its label."""
    labelled = [(e, usual.get(normalize(e.text), e.label_)) for e in entities]
    if kind.labels and not kind.certain and not kind.primary and kind.labels <= NAMES:
        # Labels guessed from a noun ("which company"): a name the recogniser files elsewhere
        # may still answer, for less.
        return [(e, label) for e, label in labelled if label in NAMES]
    if kind.labels:
        return [(e, label) for e, label in labelled if label in kind.labels]
    # The question does not say what type: any entity, and noun phrases that hold none, without
    # the words they share with the question at their edges ("the RNA pathway" → "RNA").
    covered = {i for e in entities for i in range(e.start, e.end)}
    chunks = []
    for chunk in doc.noun_chunks:
        if covered & set(range(chunk.start, chunk.end)) or chunk.root.pos_ == "PRON":
            continue
        start, end = chunk.start, chunk.end
        while start < end and (doc[start].is_stop or doc[start].is_punct or stem(doc[start].lower_) in asked):
            start += 1
        while end > start and (doc[end - 1].is_stop or doc[end - 1].is_punct or stem(doc[end - 1].lower_) in asked):
            end -= 1
        if end > start:
            chunks.append(doc[start:end])
    return [*labelled, *((chunk, "NP") for chunk in chunks)]


# Labels whose values are measured or dated: "May 5, 2020" answers "when in 2020?", while a
# name sharing a word with the question ("the Acme board" asked, "Acme" found) restates it.
_MEASURES = frozenset({"DATE", "TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL"})


def _restates_question(span: Any, asked: set[str]) -> bool:
    terms = [stem(t) for t in content_words(span.text)]
    if not terms:
        return True
    if span.label_ in _MEASURES:  # the recogniser's own label: a span's shape, not its vote
        # "May 5, 2020" answers "when in 2020?"; "the Tang dynasty" restates "under the Tang".
        return all(t in asked for t in terms) or any(t in asked and not _has_digit(t) for t in terms)
    return any(t in asked for t in terms)


def _has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)


def _acts_in_question(span: Any, asked: set[str]) -> bool:
    """Whether the span is the subject or agent of a verb the question uses (or names the
    people who are), or of a verb whose purpose or complement is one ("X defeated Y to win the
    title": X won)."""
    root = span.root
    if root.dep_ == "appos":
        root = root.head
    if root.dep_ in ("amod", "compound", "poss") and root.head.pos_ == "NOUN":
        root = root.head  # "Acme engineers built …", "the city's officials said …": they act for it
    if root.dep_ in ("nsubj", "nsubjpass"):
        verb = root.head
    elif root.dep_ == "pobj" and root.head.dep_ == "agent":
        verb = root.head.head
    else:
        return False
    verbs = [verb, *(c for c in verb.children if c.dep_ in ("xcomp", "advcl", "conj", "ccomp") and c.pos_ == "VERB")]
    return any(v.pos_ in ("VERB", "AUX") and stem(v.lower_) in asked for v in verbs)


def _duration(span: Any) -> bool:
    """A length of time ("130-day", "three years") rather than a point in it ("May 30", "2021"):
    its head is a common noun counted by a number."""
    root = span.root
    return bool(root.pos_ == "NOUN" and any(c.like_num or c.pos_ == "NUM" for c in span if c.i != root.i))


def _display(span: Any) -> str:
    tokens = list(span)
    while tokens and tokens[0].pos_ == "DET":
        tokens = tokens[1:]
    while tokens and (tokens[-1].is_punct or tokens[-1].tag_ == "POS"):
        tokens = tokens[:-1]
    if not tokens:
        return str(span.text)
    return str(span.doc.text[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)])


def _distance(span: Any, index: int) -> int:
    """Steps in the dependency tree from the span's head word to a token: "Port officials
    have closed …" puts the officials one step from "closed", however long the sentence."""
    if span.start <= index < span.end:
        return 0
    token = span.doc[index]
    up = {t.i: depth for depth, t in enumerate([span.root, *span.root.ancestors])}
    for depth, ancestor in enumerate([token, *token.ancestors]):
        if ancestor.i in up:
            return depth + up[ancestor.i]
    return len(span.doc)


def _merge_aliases(candidates: list[Candidate]) -> list[Candidate]:
    """A candidate whose words all appear in a stronger or longer one ("Okafor" in "Anna
    Okafor", "Porto" in "Porto, Portugal", "Acme Co." in "Acme Company") is the same answer:
    its support joins that one."""
    merged: list[Candidate] = []
    word_sets = {id(c): set(content_words(c.text)) for c in candidates}
    for candidate in candidates:
        mine = word_sets[id(candidate)]
        host = next(
            (
                m
                for m in merged
                if m.label == candidate.label
                and (_within(candidate.text, mine, word_sets[id(m)]) or _within(m.text, word_sets[id(m)], mine))
            ),
            None,
        )
        if host is None:
            merged.append(candidate)
            continue
        if len(mine) > len(word_sets[id(host)]):
            host.text = candidate.text  # the fuller name reads better
            word_sets[id(host)] = mine
        _absorb(host, candidate)
    return sorted(merged, key=lambda c: (-c.score, c.text))


def _within(text: str, mine: set[str], theirs: set[str]) -> bool:
    """Whether every word of a name is in the other, a word written with a full stop ("Co.",
    "Intl.") standing for any word it begins."""
    shortened = {w.lower() for w in re.findall(r"(\w{2,})\.", text)}
    if len(mine) == 1 == len(theirs):
        # One word and a word made from it ("Ukraine", "Ukrainian"): the first's stem, five
        # letters or more, begins the second.
        (word,), (other,) = mine, theirs
        root = stem(word)
        if len(root) >= 5 and other.startswith(root):
            return True
    return all(w in theirs or (w in shortened and any(t.startswith(w) for t in theirs)) for w in mine)


def _absorb(host: Candidate, candidate: Candidate) -> None:
    for key, weight in candidate.weights.items():
        if weight > host.weights.get(key, 0.0):
            host.weights[key] = weight
            host.evidence[key] = candidate.evidence[key]
    for key, strength in candidate.strengths.items():
        host.strengths[key] = max(strength, host.strengths.get(key, 0.0))
    host.forms |= candidate.forms
    host.statements += [e for e in candidate.statements if e not in host.statements]


def _merge_dates(candidates: list[Candidate], hits: dict[int, Hit], dates: DateResolver, limit: int) -> list[Candidate]:
    """Dates among the leading candidates that name the same day, month or year at different
    precision or in different words are one answer, shown in its fullest wording."""
    dated = [c for c in candidates[:limit] if c.label == "DATE"]
    if len(dated) < 2:
        return candidates
    when = {id(c): dates.resolve(c.text, hits[c.keys()[0]].date, None) for c in dated}
    merged: list[Candidate] = []
    for candidate in candidates:
        mine = when.get(id(candidate))
        host = None if mine is None else next((m for m in merged if _same_day(mine, when.get(id(m)))), None)
        if host is None or mine is None:
            merged.append(candidate)
            continue
        theirs = when.get(id(host))
        if theirs is None or _fullness(mine) > _fullness(theirs):
            host.text = candidate.text  # the wording that states the year, to the day
            when[id(host)] = mine
        _absorb(host, candidate)
    return sorted(merged, key=lambda c: (-c.score, c.text))


def _fullness(mention: DateMention) -> tuple[int, bool]:
    """Precision first, then whether the words give the year themselves."""
    return (len(mention.date), mention.states_year)


def _same_day(a: DateMention, b: DateMention | None) -> bool:
    if b is None:
        return False
    if a.inferred_year or b.inferred_year:
        return a.date[5:] == b.date[5:] and len(a.date) == len(b.date) > 4
    return a.date.startswith(b.date) or b.date.startswith(a.date)
