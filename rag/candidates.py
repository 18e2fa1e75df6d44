"""Candidate answers in the evidence sentences: the named entities (or, when the question does
not say what type, the noun phrases) that could answer a question, each scored by the passages
that state it, their sentence scores, its closeness in the parse tree to the question's words,
and whether it is the subject of the question's verb. Aliases are merged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rag.nlp import Pipeline
from rag.question import QuestionType
from rag.text import content_words, normalize, stem, words
from rag.types import Hit


@dataclass(frozen=True)
class ScoringSettings:
    # Steps in the parse tree over which closeness to the question's words halves a weight.
    proximity_steps: float = 3.0
    # Weight of an answer from a passage that lacks a number the question gives ("in 2021").
    missing_number: float = 0.3
    # Weight of an answer of a secondary type ("who" asked, a group or a country found).
    secondary_label: float = 0.3
    # Weight for an answer that is the subject of a verb the question uses ("who signed …":
    # the one who signed).
    role_bonus: float = 2.0


@dataclass(frozen=True)
class Evidence:
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
    evidence: dict[int, Evidence] = field(default_factory=dict)  # passage key -> best sentence
    forms: set[str] = field(default_factory=set)
    statements: list[Evidence] = field(default_factory=list)  # every sentence stating it

    @property
    def score(self) -> float:
        return sum(self.weights.values())

    def keys(self) -> tuple[int, ...]:
        """The passages stating it, strongest first."""
        return tuple(sorted(self.weights, key=lambda k: (-self.weights[k], k)))


def find_candidates(
    question: str,
    kind: QuestionType,
    evidence: Sequence[Evidence],
    hits: dict[int, Hit],
    nlp: Pipeline,
    settings: ScoringSettings,
) -> list[Candidate]:
    """Answers of the expected type in the evidence, strongest first, aliases merged."""
    asked = {stem(part) for w in words(question) for part in (w, *w.split("-"))}
    found: dict[str, Candidate] = {}
    docs = nlp.parse([e.text for e in evidence])
    heads = {stem(t.lower_) for t in nlp.parse_one(question) if t.pos_ in ("NOUN", "PROPN", "VERB", "NUM")}
    landmarks = _landmarks(heads or asked, docs)
    numbers = {w for w in words(question) if any(c.isdigit() for c in w)}
    for sentence, doc in zip(evidence, docs, strict=True):
        passage_words = set(words(hits[sentence.key].text)) if numbers else set()
        off_number = settings.missing_number if numbers - passage_words else 1.0
        anchors = [t.i for t in doc if stem(t.lower_) in landmarks]
        for span in _answer_spans(doc, kind, asked):
            terms = content_words(span.text)
            if not terms or any(stem(t) in asked for t in terms):
                continue  # what the question names is not its answer
            distance = min((_distance(span, i) for i in anchors), default=2 * settings.proximity_steps)
            weight = sentence.score * off_number * 0.5 ** (distance / settings.proximity_steps)
            if _acts_in_question(span, asked):
                weight *= settings.role_bonus
            if (kind.primary and span.label_ != kind.primary) or (kind.focus == "when" and _duration(span)):
                weight *= settings.secondary_label
            text = _display(span)
            candidate = found.setdefault(normalize(text), Candidate(text, span.label_ or "NP"))
            candidate.forms.add(text)
            if sentence not in candidate.statements:
                candidate.statements.append(sentence)
            if weight > candidate.weights.get(sentence.key, 0.0):
                candidate.weights[sentence.key] = weight
                candidate.evidence[sentence.key] = sentence
    return _merge_aliases(sorted(found.values(), key=lambda c: (-c.score, c.text)))


def _landmarks(asked: set[str], docs: Sequence[Any]) -> set[str]:
    """The question's words worth measuring closeness to: its nouns, names, verbs and numbers
    (not the words modifying them) that some evidence sentences lack. A word every sentence has
    (often the name the question is about) tells nothing about where the answer stands."""
    present = [{stem(t.lower_) for t in doc if not t.is_stop and not t.is_punct} & asked for doc in docs]
    counts = {w: sum(w in p for p in present) for w in asked}
    telling = {w for w, n in counts.items() if 0 < n < 0.8 * len(docs)}
    return telling or {w for w, n in counts.items() if n}


def _answer_spans(doc: Any, kind: QuestionType, asked: set[str]) -> list[Any]:
    entities = _joined_places(doc)
    if kind.labels:
        return [e for e in entities if e.label_ in kind.labels]
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
    return [*entities, *chunks]


def _acts_in_question(span: Any, asked: set[str]) -> bool:
    """Whether the span is the subject or agent of a verb the question uses, or of a verb
    whose purpose or complement is one ("X defeated Y to win the title": X won)."""
    root = span.root
    if root.dep_ == "appos":
        root = root.head
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


def _joined_places(doc: Any) -> list[Any]:
    """Entities, with "Porto, Portugal"-style runs of places (a place, a comma, a place) as one,
    and a name the recogniser cut in two ("Anna" + "Okafor") made whole again."""
    joined: list[Any] = []
    for entity in doc.ents:
        previous = joined[-1] if joined else None
        span = None
        if previous is not None and entity.label_ == previous.label_ == "GPE" and entity.start == previous.end + 1:
            if doc[previous.end].text == ",":
                span = doc.char_span(previous.start_char, entity.end_char, label="GPE")
        elif previous is not None and entity.start == previous.end and doc[previous.end - 1].pos_ == "PROPN":
            label = "PERSON" if "PERSON" in (entity.label_, previous.label_) else previous.label_
            span = doc.char_span(previous.start_char, entity.end_char, label=label)
        if span is not None:
            joined[-1] = span
        else:
            joined.append(entity)
    return joined


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
    Okafor", "Porto" in "Porto, Portugal") is the same answer: its support joins that one."""
    merged: list[Candidate] = []
    word_sets = {id(c): set(content_words(c.text)) for c in candidates}
    for candidate in candidates:
        mine = word_sets[id(candidate)]
        host = next(
            (
                m
                for m in merged
                if m.label == candidate.label and (mine <= word_sets[id(m)] or word_sets[id(m)] <= mine)
            ),
            None,
        )
        if host is None:
            merged.append(candidate)
            continue
        if len(mine) > len(word_sets[id(host)]):
            host.text = candidate.text  # the fuller name reads better
            word_sets[id(host)] = mine
        for key, weight in candidate.weights.items():
            if weight > host.weights.get(key, 0.0):
                host.weights[key] = weight
                host.evidence[key] = candidate.evidence[key]
        host.forms |= candidate.forms
        host.statements += [e for e in candidate.statements if e not in host.statements]
    return sorted(merged, key=lambda c: (-c.score, c.text))
