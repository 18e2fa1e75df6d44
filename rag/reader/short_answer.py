"""The offline reader: from the best-supported passage sentences to a short answer (an entity,
a date, a number, a yes or a no), or to the sources' disagreement said out loud.

Candidates come from rag.reader.candidates. Two answers are a disagreement when two articles word the
same statement with a different answer, or when another answer is stated nearly as strongly by
sources that never give the first beside it; so are a sentence that asserts what another
denies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rag.dates import DateResolver
from rag.llm.protocol import ReplySentence
from rag.nlp import Pipeline
from rag.reader.candidates import Candidate, ScoredSentence, ScoringSettings, find_candidates
from rag.reader.question import YES_NO, QuestionType
from rag.reader.sides import SideSettings, aligned_sides, find_rivals
from rag.text import content_words, normalize, stem
from rag.types import Conflict, ConflictAnswer, Hit, update_or_contradiction

DISAGREE = "The sources disagree:"


@dataclass(frozen=True)
class ReaderSettings:
    # Sentences scoring at least this share of the best one are read for candidates.
    evidence_relative: float = 0.7
    max_evidence: int = 12
    # A passage with no evidence sentence lends its best one when it scores this share of the
    # best evidence.
    source_floor: float = 0.55
    # Rivals are looked for only when the leading answer is stated at least this strongly, as a
    # share of the best evidence sentence's score.
    disputed_strength: float = 0.25
    sides: SideSettings = field(default_factory=SideSettings)
    # A yes or a no needs one sentence stating this share of the question's content words.
    yes_no_coverage: float = 0.6
    evidence_per_side: int = 2
    max_parts: int = 4  # articles a multi-part yes/no question is checked against
    scoring: ScoringSettings = field(default_factory=ScoringSettings)


@dataclass(frozen=True)
class Reading:
    """What the reader makes of the evidence: `lead` opens the answer and is not itself a
    claim ("Yes.", "The sources disagree:"); `sentences` are checked against their passages."""

    short_answer: str | None
    sentences: tuple[ReplySentence, ...]
    lead: str = ""
    conflicts: tuple[Conflict, ...] = ()
    abstain_reason: str | None = None


def read_evidence(
    question: str,
    kind: QuestionType,
    passages: Sequence[tuple[int, Hit]],
    evidence: Sequence[ScoredSentence],
    nlp: Pipeline,
    settings: ReaderSettings | None = None,
    multi_part: bool = False,
    dates: DateResolver | None = None,
    every_sentence: Sequence[ScoredSentence] = (),
) -> Reading | None:
    """A short answer or a stated disagreement for `question`; None when the question asks for
    neither (why, how) and the evidence sentences should simply be quoted.

    A `multi_part` question (one that draws on several articles for its parts) expects
    different articles to name different things, so only answers that fill the same statement
    differently count as a disagreement there.

    `every_sentence` (all the passages' sentences, scored) lets each passage speak: its best
    sentence, when it scores near the best ones, is read for the same statement as the
    leading answer's with another answer in it."""
    settings = settings or ReaderSettings()
    chosen = _evidence(evidence, settings)
    if not chosen:
        return None
    hits = dict(passages)
    if kind.form == YES_NO:
        return _yes_no(question, chosen, hits, nlp, settings, multi_part)
    if not kind.wants_entity:
        return None
    if denies_its_verb(nlp.parse_one(question)) and not any(negated(d) for d in nlp.parse([e.text for e in chosen])):
        # "Which firm did not bid?" answered from "Acme bid" would name exactly the wrong one.
        return Reading(None, (), abstain_reason="the question asks what did not happen; the sources only say what did")
    candidates = find_candidates(question, kind, chosen, hits, nlp, settings.scoring, dates)
    if not candidates and kind.labels and not kind.certain:
        kind = replace(kind, labels=frozenset(), primary="")  # the guessed type was wrong: any answer
        candidates = find_candidates(question, kind, chosen, hits, nlp, settings.scoring, dates)
    if not candidates:
        # Abstaining here, even only when no passage names anything of the type, cost a right
        # answer and gained no right abstention on squad2_dev: quote the sentences instead.
        return None
    aligned = aligned_sides(candidates, hits, settings.sides)
    others = [] if aligned else _each_source(every_sentence, chosen, settings)
    if others:
        # The other passages are heard for one thing only: the same statement with another
        # answer. Naming something else in passing does not make an outlet a side.
        wide = find_candidates(question, kind, [*chosen, *others], hits, nlp, settings.scoring, dates)
        lead = {normalize(f) for f in candidates[0].forms}
        aligned = aligned_sides(wide, hits, settings.sides)
        if not any(lead & {normalize(f) for f in side.forms} for side in aligned):
            aligned = []
    if aligned:
        best, rivals = aligned[0], aligned[1:]
    else:
        best = candidates[0]
        # Two things two sources name, for a question that does not say what type of answer it
        # wants, are two things, not two answers; nor is a rival to an answer no source states
        # firmly.
        weak = max(best.strengths.values()) < settings.disputed_strength * chosen[0].score
        rivals = (
            [] if multi_part or not kind.labels or weak else find_rivals(best, candidates[1:], hits, settings.sides)
        )
    if not rivals:
        answer = ReplySentence(f"**{best.text}**", _stating(best, hits))
        return Reading(best.text, (answer, *_evidence_sentences(best, settings)))
    sides = [best, *rivals]
    cited = [_stating(c, hits) for c in sides]
    conflict = Conflict(
        about=question.strip(),
        answers=tuple(ConflictAnswer(c.text, keys, _outlets(keys, hits)) for c, keys in zip(sides, cited, strict=True)),
        label=_label([c.keys() for c in sides], hits),
    )
    sentences: list[ReplySentence] = []
    for side, position in zip(sides, conflict.answers, strict=True):
        note = f"({'; '.join(position.sources)})" if position.sources else ""
        sentences.append(ReplySentence(f"**{side.text}**", position.citations, note))
    for side in sides:
        sentences.extend(_evidence_sentences(side, settings, limit=1))
    return Reading(best.text, tuple(sentences), DISAGREE, (conflict,))


def _evidence(evidence: Sequence[ScoredSentence], settings: ReaderSettings) -> list[ScoredSentence]:
    ranked = sorted(evidence, key=lambda e: (-e.score, e.key))
    if not ranked:
        return []
    floor = ranked[0].score * settings.evidence_relative
    return [e for e in ranked if e.score >= floor][: settings.max_evidence]


def _each_source(
    every_sentence: Sequence[ScoredSentence], chosen: Sequence[ScoredSentence], settings: ReaderSettings
) -> list[ScoredSentence]:
    """The best sentence of each passage the evidence leaves out, where it scores at least
    `source_floor` of the best evidence."""
    if not chosen:
        return []
    floor = chosen[0].score * settings.source_floor
    heard = {e.key for e in chosen}
    best: dict[int, ScoredSentence] = {}
    for sentence in every_sentence:
        if sentence.key in heard or sentence.score < floor:
            continue
        if sentence.key not in best or sentence.score > best[sentence.key].score:
            best[sentence.key] = sentence
    return sorted(best.values(), key=lambda e: (-e.score, e.key))


def _stating(candidate: Candidate, hits: dict[int, Hit]) -> tuple[int, ...]:
    """The passages to cite for an answer as displayed: those that state it in those words (a
    passage naming only "Okafor" supports "Okafor", not "Anna Okafor"); the strongest at least."""
    wanted = {stem(w) for w in content_words(candidate.text)}
    full = [k for k in candidate.keys() if wanted <= {stem(w) for w in content_words(hits[k].text)}]
    return tuple(sorted(full or candidate.keys()[:1]))


def _evidence_sentences(
    candidate: Candidate, settings: ReaderSettings, limit: int | None = None
) -> list[ReplySentence]:
    chosen: list[ReplySentence] = []
    seen: set[str] = set()
    for key in candidate.keys():
        sentence = candidate.evidence[key]
        folded = normalize(sentence.text)
        if folded in seen:
            continue
        seen.add(folded)
        chosen.append(ReplySentence(sentence.text, (key,)))
        if len(chosen) >= (limit or settings.evidence_per_side):
            break
    return chosen


def _outlets(keys: Sequence[int], hits: dict[int, Hit]) -> tuple[str, ...]:
    described: list[str] = []
    for key in keys:
        hit = hits[key]
        text = ", ".join(part for part in (hit.source, hit.date) if part)
        if text and text not in described:
            described.append(text)
    return tuple(described)


def _label(sides: Sequence[Sequence[int]], hits: dict[int, Hit]) -> str:
    return update_or_contradiction([[hits[k].date for k in keys] for keys in sides])


# -- yes/no ----------------------------------------------------------------------------------


def negated(doc: Any) -> bool:
    """Whether a parsed sentence denies what it states ("has not responded", "never said",
    "no reply")."""
    return any(t.dep_ == "neg" or (t.dep_ == "det" and t.lower_ == "no") for t in doc)


def denies_its_verb(doc: Any) -> bool:
    """Whether the main verb of a parsed sentence is negated ("Which firm did not bid?"), not
    only a word inside it ("… a number that is not 2", "no census")."""
    roots = [t for t in doc if t.dep_ == "ROOT"]
    return any(c.dep_ == "neg" for root in roots for c in root.children)


def _yes_no(
    question: str,
    evidence: Sequence[ScoredSentence],
    hits: dict[int, Hit],
    nlp: Pipeline,
    settings: ReaderSettings,
    multi_part: bool = False,
) -> Reading | None:
    """Yes or No when a sentence states the question's content directly; both, with their
    sources, when one article asserts what another denies; otherwise None (quote)."""
    direct = [e for e in evidence if e.coverage >= settings.yes_no_coverage]
    asks_negated = negated(nlp.parse_one(question))
    if not direct and multi_part:
        return _parts_asserted(question, evidence, hits, nlp, settings, asks_negated)
    if not direct:
        return None
    docs = nlp.parse([e.text for e in direct])
    verdicts = ["No" if negated(doc) != asks_negated else "Yes" for doc in docs]
    sides: dict[str, list[ScoredSentence]] = {}
    for sentence, verdict in zip(direct, verdicts, strict=True):
        sides.setdefault(verdict, []).append(sentence)
    if len(sides) == 1 or not _different_articles(sides, hits):
        verdict = verdicts[0]
        chosen = sides[verdict][: settings.evidence_per_side]
        return Reading(verdict, tuple(ReplySentence(e.text, (e.key,)) for e in chosen), f"{verdict}.")
    answers = []
    sentences = []
    for verdict in ("Yes", "No"):
        side = sides[verdict][: settings.evidence_per_side]
        keys = tuple(dict.fromkeys(e.key for e in side))
        outlets = _outlets(keys, hits)
        answers.append(ConflictAnswer(f"{verdict}: {side[0].text}", keys, outlets))
        note = f"({'; '.join(outlets)})" if outlets else ""
        sentences.append(ReplySentence(side[0].text, (side[0].key,), note))
    conflict = Conflict(question.strip(), tuple(answers), _label([a.citations for a in answers], hits))
    return Reading(None, tuple(sentences), DISAGREE, (conflict,))


def _parts_asserted(
    question: str,
    evidence: Sequence[ScoredSentence],
    hits: dict[int, Hit],
    nlp: Pipeline,
    settings: ReaderSettings,
    asks_negated: bool,
) -> Reading | None:
    """A question in several parts ("Does A report X, and B report Y?") is a Yes when the best
    sentence of each article read together state most of its words and none denies what it
    asks; with a denial among them the sentences are quoted instead."""
    best: dict[str, ScoredSentence] = {}
    for sentence in evidence:
        best.setdefault(hits[sentence.key].doc_id, sentence)
    parts = list(best.values())[: settings.max_parts]
    if len(parts) < 2:
        return None
    asked = {stem(w) for w in content_words(question)}
    stated = {stem(w) for e in parts for w in content_words(e.text)}
    if not asked or len(asked & stated) / len(asked) < settings.yes_no_coverage:
        return None
    if any(negated(doc) != asks_negated for doc in nlp.parse([e.text for e in parts])):
        return None
    return Reading("Yes", tuple(ReplySentence(e.text, (e.key,)) for e in parts), "Yes.")


def _different_articles(sides: dict[str, list[ScoredSentence]], hits: dict[int, Hit]) -> bool:
    yes = {hits[e.key].doc_id for e in sides["Yes"]}
    no = {hits[e.key].doc_id for e in sides["No"]}
    return bool(yes - no and no - yes)
