"""Which candidate answers are sides of a disagreement: answers that fill the same statement
differently in two articles, or another answer stated nearly as strongly by sources that never
give the first beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.reader.candidates import Candidate
from rag.text import content_words, stem
from rag.types import Hit

# Names the small recogniser confuses with one another; a nationality ("Ukrainian") stands
# beside its country rather than against it.
CROSS_LABEL_NAMES = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT"})


@dataclass(frozen=True)
class SideSettings:
    # A second answer stated at least this strongly, against the first's strongest statement,
    # by passages that never mention the first, is a rival.
    rival_share: float = 0.5
    max_sides: int = 3
    # ... and whose support in all is at least this share of the first's, or which is the
    # strongest answer in at least this many articles.
    rival_total: float = 0.5
    rival_articles: int = 2
    # Two sentences are the same statement when this share of their content words (other than
    # the answers) is shared; the leading candidates searched for such pairs.
    same_statement: float = 0.5
    same_statement_across_labels: float = 0.8
    aligned_candidates: int = 8


def find_rivals(
    best: Candidate, others: Sequence[Candidate], hits: dict[int, Hit], settings: SideSettings
) -> list[Candidate]:
    """Other answers of the same type, stated nearly as strongly, that no passage gives as an
    answer together with one already taken: alternatives, not two people of the same story."""
    if best.label == "NP":
        return []  # untyped noun phrases differ in too many ways to be rival answers
    rivals: list[Candidate] = []
    strongest = max(best.strengths.values())
    leads = _articles_led(best, others, hits)
    for other in others:
        # One source stating another answer as strongly as the best source states this one is
        # a disagreement, however many sources repeat the first.
        if other.label != best.label or max(other.strengths.values()) < settings.rival_share * strongest:
            continue
        support, rival_support = sum(best.strengths.values()), sum(other.strengths.values())
        if rival_support < settings.rival_total * support and len(leads.get(id(other), ())) < settings.rival_articles:
            continue  # one source among many naming someone else is one more name, not a dispute
        if not any(_companions(other, side, settings) for side in (best, *rivals)):
            rivals.append(other)
        if len(rivals) + 1 >= settings.max_sides:
            break
    return rivals


def _articles_led(best: Candidate, others: Sequence[Candidate], hits: dict[int, Hit]) -> dict[int, set[str]]:
    """For each candidate (by id), the articles in which it is the strongest answer."""
    leader: dict[int, Candidate] = {}
    for candidate in (best, *others):
        for key, weight in candidate.weights.items():
            if key not in leader or weight > leader[key].weights[key]:
                leader[key] = candidate
    led: dict[int, set[str]] = {}
    for key, candidate in leader.items():
        led.setdefault(id(candidate), set()).add(hits[key].doc_id)
    return led


def _companions(a: Candidate, b: Candidate, settings: SideSettings) -> bool:
    """Whether some passage gives both as answers, each nearly as strongly as its best source."""
    top_a, top_b = max(a.weights.values()), max(b.weights.values())
    return any(
        a.weights[k] >= settings.rival_share * top_a and b.weights[k] >= settings.rival_share * top_b
        for k in a.weights.keys() & b.weights.keys()
    )


def aligned_sides(candidates: Sequence[Candidate], hits: dict[int, Hit], settings: SideSettings) -> list[Candidate]:
    """Answers that fill the same statement differently: two articles saying the same thing in
    the same words but for one answer ("… was signed in Lisbon" against "… was signed
    in Porto"). The strongest such pair among the leading candidates, with any third answer
    aligned with either; the first of them is the stronger."""
    top = list(candidates[: settings.aligned_candidates])
    pairs = [
        (a.score + b.score, i, j)
        for i, a in enumerate(top)
        for j, b in enumerate(top)
        if i < j and (need := _statement_overlap(a, b, settings)) is not None and _restate(a, b, hits, need)
    ]
    if not pairs:
        return []
    _, i, j = max(pairs)
    sides = [top[i], top[j]]
    for other in top:
        if len(sides) >= settings.max_sides:
            break
        needs = [_statement_overlap(other, s, settings) for s in sides]
        if other not in sides and all(n is not None for n in needs):
            if any(_restate(s, other, hits, n) for s, n in zip(sides, needs, strict=True) if n is not None):
                sides.append(other)
    return sides


def _same_kind(a: Candidate, b: Candidate) -> bool:
    return a.label == b.label and a.label != "NP"


def _statement_overlap(a: Candidate, b: Candidate, settings: SideSettings) -> float | None:
    """How alike two statements must be for `a` and `b` to fill one slot in them; None when they
    cannot. Answers of one type need statements worded alike; two names the recogniser files
    under different labels (it calls one player a person and her rival a place) need
    statements worded almost the same, the wording then saying they are alike."""
    if _same_kind(a, b):
        return settings.same_statement
    if a.label in CROSS_LABEL_NAMES and b.label in CROSS_LABEL_NAMES:
        return settings.same_statement_across_labels
    return None


def _restate(a: Candidate, b: Candidate, hits: dict[int, Hit], need: float) -> bool:
    """Whether an article states `a` in a sentence that another article words the same way,
    but with `b` where `a` stands, and neither sentence names the other answer."""
    own = {stem(w) for c in (a, b) for f in c.forms for w in content_words(f)}
    for first in a.statements:
        if first in b.statements:
            continue
        first_stems = {stem(w) for w in content_words(first.text)} - own
        for second in b.statements:
            if hits[first.key].doc_id == hits[second.key].doc_id or second in a.statements:
                continue
            second_stems = {stem(w) for w in content_words(second.text)} - own
            union = first_stems | second_stems
            if union and len(first_stems & second_stems) / len(union) >= need:
                return True
    return False
