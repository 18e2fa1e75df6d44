"""Entity spans fit to be answers: names without the words the recogniser ran into, places and
split names joined, names it left out, and each name's majority label."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rag.reader.question import NAMES
from rag.text import normalize, stem

_NAME_EDGE = frozenset({"PROPN", "NOUN", "ADJ"})


def name_only(span: Any) -> Any | None:
    """A name without the words the recogniser ran into at its edges ("Ana Ruiz Wins" in a
    headline, "Porto 3-1" in a score line); None for a "person" with no proper noun at all."""
    if span.label_ not in NAMES:
        return span
    tokens = list(span)
    while tokens and tokens[-1].pos_ not in _NAME_EDGE:
        tokens.pop()
    while tokens and tokens[0].pos_ not in _NAME_EDGE | {"DET"}:
        tokens.pop(0)
    if not tokens or (span.label_ == "PERSON" and not any(t.pos_ == "PROPN" for t in tokens)):
        return None
    if len(tokens) == len(span):
        return span
    return span.doc.char_span(tokens[0].idx, tokens[-1].idx + len(tokens[-1].text), label=span.label_)


def without_owner(span: Any, owners: set[str], asked: set[str]) -> Any:
    """A name without the owner the question names at its edges, when a proper noun of its own
    is left: "Acme Skyline" answers "what is Acme's new tower called?" as "Skyline". Any other
    span comes back as it was."""
    if span.label_ not in NAMES or not owners:
        return span
    tokens = list(span)
    while tokens and stem(tokens[0].lower_) in owners:
        tokens.pop(0)
    while tokens and stem(tokens[-1].lower_) in owners:
        tokens.pop()
    if len(tokens) == len(span) or not any(t.pos_ == "PROPN" and stem(t.lower_) not in asked for t in tokens):
        return span
    trimmed = span.doc.char_span(tokens[0].idx, tokens[-1].idx + len(tokens[-1].text), label=span.label_)
    return span if trimmed is None else trimmed


def joined_places(doc: Any) -> list[Any]:
    """Entities, with "Porto, Portugal"-style runs of places (a place, a comma, a place) as one,
    and a name the recogniser cut in two ("Anna" + "Okafor") made whole again."""
    joined: list[Any] = []
    for entity in doc.ents:
        previous = joined[-1] if joined else None
        span = None
        if previous is not None and entity.label_ == previous.label_ == "GPE" and entity.start == previous.end + 1:
            if doc[previous.end].text == ",":
                span = doc.char_span(previous.start_char, entity.end_char, label="GPE")
        elif (
            previous is not None
            and entity.start == previous.end
            and doc[previous.end - 1].pos_ == "PROPN"
            and {entity.label_, previous.label_} <= NAMES
        ):
            label = "PERSON" if "PERSON" in (entity.label_, previous.label_) else previous.label_
            span = doc.char_span(previous.start_char, entity.end_char, label=label)
        if span is not None:
            joined[-1] = span
        else:
            joined.append(entity)
    return joined


def unrecognised_names(doc: Any, spans: Sequence[Any], label: str) -> list[Any]:
    """Runs of two or more capitalised nouns, at least one a proper noun, that the recogniser
    left out ("Tomasz Wrona won …"), given the label the question expects; they count for less
    unless they play the asked part."""
    covered = {i for span in spans for i in range(span.start, span.end)}
    found: list[Any] = []
    start = None
    for token in [*doc, None]:
        inside = token is not None and token.pos_ in ("PROPN", "NOUN") and token.is_title and token.i not in covered
        if inside and start is None:
            start = token.i
        elif not inside and start is not None:
            end = token.i if token is not None else len(doc)
            if end - start >= 2 and any(t.pos_ == "PROPN" for t in doc[start:end]):
                found.append(doc.char_span(doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text), label=label))
            start = None
    return [span for span in found if span is not None]


def usual_labels(entities: Sequence[Sequence[Any]]) -> dict[str, str]:
    """The label each name gets most often in the evidence: the recogniser that calls a player
    a place in one sentence and a person in two is taken at its majority."""
    counts: dict[str, dict[str, int]] = {}
    for spans in entities:
        for span in spans:
            by_label = counts.setdefault(normalize(span.text), {})
            by_label[span.label_] = by_label.get(span.label_, 0) + 1
    return {text: max(by_label, key=lambda label: by_label[label]) for text, by_label in counts.items()}
