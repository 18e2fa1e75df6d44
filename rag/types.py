"""Typed values passed between the pipeline's stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One article as read from a file or a JSONL record.

    `key` identifies where it came from (a resolved file path, or `jsonl-path#id`), so that a
    changed file replaces its earlier version; `content_hash` is the identity of its text.
    """

    key: str
    doc_id: str
    title: str
    text: str
    content_hash: str
    source: str | None = None
    date: str | None = None
    url: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class Chunk:
    """A window of an article: `article.text[start:end] == text`."""

    ordinal: int
    start: int
    end: int
    text: str
    n_tokens: int


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with everything needed to cite it."""

    chunk_id: int
    article_id: int
    doc_id: str
    title: str
    source: str | None
    date: str | None
    url: str | None
    text: str
    score: float
    start: int = 0
    end: int = 0
    dense_score: float | None = None
    lexical_rank: int | None = None


@dataclass(frozen=True)
class Source:
    """A passage as cited in an answer: its key in the prompt and the exact span quoted."""

    key: int
    hit: Hit
    quote: str


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer: the keys it cites, and which of them support it."""

    text: str
    citations: tuple[int, ...]
    supported: bool
    support_score: float = 0.0
    supported_by: tuple[int, ...] = ()
    note: str = ""  # shown after the citations and not checked, e.g. the outlets behind an answer


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    abstained: bool
    sentences: tuple[AnswerSentence, ...]
    sources: tuple[Source, ...]
    invalid_citations: tuple[int, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    truncated: bool = False  # the model's reply was cut at the length rag accepts
    short_answer: str | None = None  # the entity, date, number or yes/no the question asks for
    conflicts: tuple[Conflict, ...] = ()
    abstain_reason: str | None = None
    lead: str = ""  # opens the answer and is not a claim: "Yes.", "The sources disagree:"


@dataclass(frozen=True)
class ConflictAnswer:
    """One side of a disagreement: the answer, the passage keys behind it, and their outlets and
    dates ("Reuters, 2025-06-05")."""

    text: str
    citations: tuple[int, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Conflict:
    """Sources that answer the same question differently. `label` is "update" when one side
    was published later than the other, "contradiction" otherwise."""

    about: str
    answers: tuple[ConflictAnswer, ...]
    label: str = "contradiction"


def update_or_contradiction(sides: list[list[str | None]]) -> str:
    """How sources that differ relate, from the publication dates behind each side: an
    *update* when every side is dated and each side's reports all come after the one before
    it; a *contradiction* otherwise."""
    spans = []
    for dates in sides:
        known = [d for d in dates if d]
        if not dates or len(known) < len(dates):
            return "contradiction"
        spans.append((min(known), max(known)))
    spans.sort()
    return "update" if all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False)) else "contradiction"
