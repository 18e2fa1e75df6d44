"""Gold sets in the neutral format (corpus.jsonl, questions.jsonl, optional stories.jsonl),
validated with the file and line of every problem; and their two halves, `tune` (thresholds in
rag/ are chosen on it) and `check` (the CI gates measure it)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from rag.errors import RagError

Half = Literal["tune", "check"]
HALVES: tuple[Half, ...] = ("tune", "check")


def half_of(item_id: str) -> Half:
    """The half a question (or story) belongs to, by the SHA-256 of its id: the same on every
    machine and Python, and unmoved when questions are added, removed or reordered.

    >>> half_of("seeds:1"), half_of("seeds:2")
    ('check', 'tune')
    """
    return "tune" if hashlib.sha256(item_id.encode("utf-8")).digest()[0] % 2 == 0 else "check"


@dataclass(frozen=True)
class Evidence:
    doc_id: str
    fact: str


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[str, ...]
    supporting_ids: tuple[str, ...]
    answerable: bool
    kind: str
    evidence: tuple[Evidence, ...] = ()
    as_of: str | None = None  # the date the question was asked: articles after it are not known
    # Counterfactual sets (RGB): false answers, and the articles that state them.
    fake_answers: tuple[str, ...] = ()
    counterfactual_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Story:
    story_id: str
    title: str
    article_ids: tuple[str, ...]
    reference_summary: str


@dataclass(frozen=True)
class GoldSet:
    directory: Path
    corpus_path: Path
    corpus_ids: frozenset[str]
    questions: tuple[Question, ...]
    stories: tuple[Story, ...] = ()

    @property
    def name(self) -> str:
        return self.directory.name

    def half(self, which: str) -> GoldSet:
        """The questions and stories of one half (`half_of` their ids); the corpus stays whole,
        so the other half's articles remain in the index as distractors."""
        if which not in HALVES:
            raise RagError(f"no half {which!r}: use one of {', '.join(HALVES)}")
        return replace(
            self,
            questions=tuple(q for q in self.questions if half_of(q.id) == which),
            stories=tuple(s for s in self.stories if half_of(s.story_id) == which),
        )


def _lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    records = []
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise RagError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RagError(f"{path}:{number}: bad JSON ({exc.msg}); fix or remove the line") from None
            if not isinstance(record, dict):
                raise RagError(f"{path}:{number}: expected a JSON object")
            records.append((number, record))
    return records


def _need(record: dict[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    if name not in record:
        raise RagError(f"{where}: missing field {name!r}")
    value = record[name]
    if not isinstance(value, kind):
        raise RagError(f"{where}: field {name!r} has the wrong type ({type(value).__name__})")
    return value


def _as_of(record: dict[str, Any], where: str) -> str | None:
    from rag.ingest.articles import parse_date

    value = record.get("as_of")
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise RagError(f"{where}: field 'as_of' is not a date ({value!r}); use YYYY-MM-DD")
    return parsed


def load_gold(directory: Path) -> GoldSet:
    corpus_path = directory / "corpus.jsonl"
    questions_path = directory / "questions.jsonl"
    for path in (corpus_path, questions_path):
        if not path.exists():
            raise RagError(f"{directory} is not a gold set: {path.name} is missing")
    corpus_ids: set[str] = set()
    for number, record in _lines(corpus_path):
        where = f"{corpus_path}:{number}"
        doc_id = str(_need(record, "id", (str, int), where))
        _need(record, "text", str, where)
        if doc_id in corpus_ids:
            raise RagError(f"{where}: duplicate id {doc_id!r}")
        corpus_ids.add(doc_id)
    questions = []
    for number, record in _lines(questions_path):
        where = f"{questions_path}:{number}"
        supporting = tuple(str(s) for s in _need(record, "supporting_ids", list, where))
        for doc_id in supporting:
            if doc_id not in corpus_ids:
                raise RagError(f"{where}: supporting id {doc_id!r} is not in corpus.jsonl")
        evidence = []
        for item in record.get("evidence") or []:
            if not isinstance(item, dict) or "doc_id" not in item or "fact" not in item:
                raise RagError(f"{where}: each evidence item needs doc_id and fact")
            evidence.append(Evidence(str(item["doc_id"]), str(item["fact"])))
        questions.append(
            Question(
                id=str(_need(record, "id", (str, int), where)),
                question=str(_need(record, "question", str, where)),
                answers=tuple(str(a) for a in _need(record, "answers", list, where)),
                supporting_ids=supporting,
                answerable=bool(_need(record, "answerable", bool, where)),
                kind=str(_need(record, "kind", str, where)),
                evidence=tuple(evidence),
                as_of=_as_of(record, where),
                fake_answers=tuple(str(a) for a in record.get("fake_answers") or ()),
                counterfactual_ids=tuple(str(i) for i in record.get("counterfactual_ids") or ()),
            )
        )
    stories = []
    stories_path = directory / "stories.jsonl"
    if stories_path.exists():
        for number, record in _lines(stories_path):
            where = f"{stories_path}:{number}"
            ids = tuple(str(s) for s in _need(record, "article_ids", list, where))
            if not ids:
                raise RagError(f"{where}: 'article_ids' is empty; a story needs at least one article of corpus.jsonl")
            for doc_id in ids:
                if doc_id not in corpus_ids:
                    raise RagError(f"{where}: article id {doc_id!r} is not in corpus.jsonl")
            stories.append(
                Story(
                    story_id=str(_need(record, "story_id", (str, int), where)),
                    title=str(record.get("title") or ""),
                    article_ids=ids,
                    reference_summary=str(_need(record, "reference_summary", str, where)),
                )
            )
    return GoldSet(directory, corpus_path, frozenset(corpus_ids), tuple(questions), tuple(stories))
