"""Offline evaluation: retrieval, answers, abstention, citations and latency on a gold set.

Metrics follow the usual definitions: hit@k / MRR@10 / nDCG@10 with a retrieved chunk relevant
when its article is a supporting one; evidence-hit@k as MultiHop-RAG measures it (a retrieved
chunk contains the evidence sentence); answer accuracy as RGB scores it (an accepted answer
contained in the normalised answer) and token F1 as SQuAD scores it; citation recall and
precision in the ALCE sense, judged by our own support checker.
"""

from __future__ import annotations

import hashlib
import math
import re
import statistics
import string
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.embed import Embedder
from rag.eval.gold import GoldSet, Question
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import ingest, manifest_for
from rag.retrieve import RetrievalParams, retrieve
from rag.store.protocol import IndexStore
from rag.store.registry import eval_spec, open_index
from rag.store.spec import StoreSpec
from rag.text import normalize
from rag.types import Answer, Hit

if TYPE_CHECKING:
    from rag.app import Rag

RETRIEVAL_DEPTH = 10


def eval_index(
    gold: GoldSet,
    embedder: Embedder,
    params: ChunkParams,
    cache: Path,
    progress: Any = None,
    store: StoreSpec | None = None,
    api_key: str | None = None,
) -> IndexStore:
    """The gold set's corpus indexed once, in `cache` (the eval cache), keyed by its content and
    the settings; in the kind of store `store` names (rag.store.registry.eval_spec)."""
    manifest = manifest_for(embedder, params)
    digest = hashlib.sha256(gold.corpus_path.read_bytes())
    digest.update(manifest.describe().encode())
    directory = cache / f"{gold.name}-{digest.hexdigest()[:16]}"
    opened = open_index(eval_spec(store or StoreSpec(), directory), directory, manifest, create=True, api_key=api_key)
    if opened.counts()["articles"] < len(gold.corpus_ids) or gold.stories:
        opened.acquire_lock(wait=True)
        try:
            ingest(opened, embedder, [gold.corpus_path], params, progress=progress)
            if gold.stories:  # the index's own stories, to score against the gold grouping
                from rag.ingest.boilerplate import update as find_boilerplate
                from rag.stories.kept import update

                stories = update(opened, embedder)
                story_of = {doc_id: str(stories.story_of(doc_id)) for doc_id in stories.article_ids}
                find_boilerplate(opened, opened.sources(), story_of)
        finally:
            opened.release_lock()
    return opened


# -- answer scoring ---------------------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation + "‘’“”")


def squad_normalize(text: str) -> str:
    return " ".join(_ARTICLES.sub(" ", normalize(text).translate(_PUNCT)).split())


def answer_accuracy(prediction: str, accepted: Sequence[str]) -> float:
    """1 when an accepted answer appears in the prediction (RGB's measure)."""
    text = squad_normalize(prediction)
    return float(any(squad_normalize(a) and squad_normalize(a) in text for a in accepted))


def token_f1(prediction: str, accepted: Sequence[str]) -> float:
    """The best SQuAD token F1 of the prediction against any accepted answer."""
    predicted = squad_normalize(prediction).split()
    best = 0.0
    for answer in accepted:
        truth = squad_normalize(answer).split()
        common = sum((Counter(predicted) & Counter(truth)).values())
        if common:
            precision, recall = common / len(predicted), common / len(truth)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


# -- retrieval scoring ------------------------------------------------------------------------


def retrieval_scores(question: Question, hits: Sequence[Hit]) -> dict[str, float]:
    supporting = set(question.supporting_ids)
    ranked = [h.doc_id for h in hits[:RETRIEVAL_DEPTH]]
    first = next((i for i, d in enumerate(ranked) if d in supporting), None)
    seen: set[str] = set()
    dcg = 0.0
    for rank, doc in enumerate(ranked):
        if doc in supporting and doc not in seen:
            seen.add(doc)
            dcg += 1 / math.log2(rank + 2)
    ideal = sum(1 / math.log2(r + 2) for r in range(min(len(supporting), RETRIEVAL_DEPTH)))
    scores = {
        "hit@1": float(first is not None and first < 1),
        "hit@5": float(first is not None and first < 5),
        "hit@10": float(first is not None),
        "recall@10": len(seen) / len(supporting),
        "mrr@10": 1 / (first + 1) if first is not None else 0.0,
        "ndcg@10": dcg / ideal if ideal else 0.0,
    }
    if question.evidence:
        for k in (1, 5, 10):
            texts = [normalize(h.text) for h in hits[:k]]
            found = sum(any(_contains_fact(t, normalize(e.fact)) for t in texts) for e in question.evidence)
            scores[f"evidence-hit@{k}"] = float(found > 0)
            scores[f"evidence-recall@{k}"] = found / len(question.evidence)
    return scores


def _contains_fact(text: str, fact: str) -> bool:
    if fact in text:
        return True
    words = fact.split()
    # A fact split across two chunks still counts when most of it is in one.
    return len(words) >= 8 and sum(w in text for w in words) / len(words) >= 0.9 and words[0] in text


# -- the run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    answer: Answer
    retrieval: dict[str, float]
    timings: dict[str, float]
    read_ids: tuple[str, ...] = ()  # the articles of the passages the model was given


def run_eval(
    gold: GoldSet,
    rag: Rag,
    params: RetrievalParams,
    limit: int | None = None,
    kinds: Sequence[str] = (),
    on_question: Callable[[int, int], None] | None = None,
) -> list[QuestionResult]:
    questions = [q for q in gold.questions if not kinds or q.kind in kinds or q.kind.split(":")[0] in kinds]
    questions = questions[:limit] if limit else questions
    results = []
    depth = max(params.k, RETRIEVAL_DEPTH)
    for number, question in enumerate(questions, start=1):
        started = time.perf_counter()
        asked = _with(params, k=depth, relevance_floor=-1.0, filters=params.filters.as_of(question.as_of))
        with rag.store() as store:
            ranked = retrieve(store, rag.embedder, question.question, asked)
        timings = {"retrieve": time.perf_counter() - started}
        hits = list(ranked.hits[: params.k]) if ranked.best_dense >= params.relevance_floor else []
        result = rag.answer_from(question.question, hits, timings)
        scores = retrieval_scores(question, ranked.hits) if question.answerable else {}
        read_ids = tuple(dict.fromkeys(hit.doc_id for _, hit in result.context.passages))
        results.append(QuestionResult(question, result.answer, scores, result.answer.timings, read_ids))
        if on_question:
            on_question(number, len(questions))
    return results


def _with(params: RetrievalParams, **changes: Any) -> RetrievalParams:
    from dataclasses import replace

    return replace(params, **changes)


def summarize(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """Metrics over all results and per kind."""
    report = _metrics(results)
    by_kind: dict[str, list[QuestionResult]] = defaultdict(list)
    for result in results:
        by_kind[result.question.kind].append(result)
    report["by_kind"] = {kind: _metrics(items) for kind, items in sorted(by_kind.items())}
    return report


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def _metrics(results: Sequence[QuestionResult]) -> dict[str, Any]:
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    retrieval_keys = sorted({k for r in answerable for k in r.retrieval})
    retrieval = {k: _mean([r.retrieval[k] for r in answerable if k in r.retrieval]) for k in retrieval_keys}
    accuracy = [0.0 if r.answer.abstained else answer_accuracy(r.answer.text, r.question.answers) for r in answerable]
    # Token F1 as SQuAD scores it: of the short answer where the reader gave one.
    f1 = [0.0 if r.answer.abstained else token_f1(_answer_span(r.answer), r.question.answers) for r in answerable]
    abstained_right = sum(r.answer.abstained for r in unanswerable)
    abstained_wrong = sum(r.answer.abstained for r in answerable)
    predicted = abstained_right + abstained_wrong
    precision = abstained_right / predicted if predicted else None
    recall = abstained_right / len(unanswerable) if unanswerable else None
    f1_abstain = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall and precision + recall
        else None
    )
    sentences = [s for r in results if not r.answer.abstained for s in r.answer.sentences]
    citations = sum(len(s.citations) for s in sentences)
    latency: dict[str, dict[str, float]] = {}
    for stage in ("retrieve", "generate", "cite"):
        samples = sorted(r.timings[stage] for r in results if stage in r.timings)
        if samples:
            latency[stage] = {
                "p50": round(statistics.median(samples) * 1000, 1),
                "p95": round(samples[min(len(samples) - 1, int(0.95 * len(samples)))] * 1000, 1),
            }
    return {
        "n": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "retrieval": retrieval,
        "answers": {"accuracy": _mean(accuracy), "f1": _mean(f1)},
        "abstention": {
            "precision": _round(precision),
            "recall": _round(recall),
            "f1": _round(f1_abstain),
            "false_abstain_rate": _round(abstained_wrong / len(answerable) if answerable else None),
        },
        "citations": {
            "recall": _mean([float(s.supported) for s in sentences]),
            "precision": round(sum(len(s.supported_by) for s in sentences) / citations, 4) if citations else None,
        },
        "latency_ms": latency,
        **_disagreement(results),
    }


def _answer_span(answer: Answer) -> str:
    return answer.short_answer or answer.text


def _disagreement(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """For questions with false answers planted in the corpus (RGB's counterfactual set):
    how often the answer gives a false answer alone (misled), and, where the passages read hold
    both sides, how often the answer shows both and says the sources disagree."""
    planted = [r for r in results if r.question.fake_answers]
    if not planted:
        # Where nothing was planted, a stated disagreement is most likely a false alarm.
        flagged = sum(bool(r.answer.conflicts) for r in results)
        return (
            {"disagreement": {"questions": len(results), "conflict_rate": round(flagged / len(results), 4)}}
            if results
            else {}
        )
    misled = both = shown = 0
    for r in planted:
        text = "" if r.answer.abstained else r.answer.text
        true = answer_accuracy(text, r.question.answers) > 0
        false = answer_accuracy(text, r.question.fake_answers) > 0
        misled += false and not true
        read = set(r.read_ids)
        if read & set(r.question.supporting_ids) and read & set(r.question.counterfactual_ids):
            both += 1
            shown += true and false and bool(r.answer.conflicts)
    return {
        "disagreement": {
            "questions": len(planted),
            "misled": round(misled / len(planted), 4),
            "both_sides_read": both,
            "both_shown": round(shown / both, 4) if both else None,
        }
    }


def _round(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


# -- presentation -----------------------------------------------------------------------------

HEADLINE = [
    ("retrieval", "hit@1"),
    ("retrieval", "hit@5"),
    ("retrieval", "hit@10"),
    ("retrieval", "recall@10"),
    ("retrieval", "mrr@10"),
    ("retrieval", "ndcg@10"),
    ("retrieval", "evidence-hit@10"),
    ("answers", "accuracy"),
    ("answers", "f1"),
    ("abstention", "precision"),
    ("abstention", "recall"),
    ("abstention", "f1"),
    ("abstention", "false_abstain_rate"),
    ("citations", "recall"),
    ("citations", "precision"),
    ("disagreement", "misled"),
    ("disagreement", "both_shown"),
    ("disagreement", "conflict_rate"),
]


def _get(report: dict[str, Any], group: str, name: str) -> float | None:
    value = report.get(group, {}).get(name)
    return value if isinstance(value, (int, float)) else None


def markdown(report: dict[str, Any], previous: dict[str, Any] | None = None) -> str:
    """The headline metrics overall and per kind, with deltas against `previous` if given."""
    columns = ["all", *report.get("by_kind", {})]
    sections = {"all": report, **report.get("by_kind", {})}
    old_sections = {"all": previous, **previous.get("by_kind", {})} if previous else {}
    if not report.get("n"):
        return stories_only(report)
    lines = [
        f"{report.get('dataset', 'eval')}: {report['n']} questions "
        f"({report['answerable']} answerable, {report['unanswerable']} unanswerable)",
        "",
        "| metric | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for group, name in HEADLINE:
        cells = []
        for column in columns:
            value = _get(sections[column], group, name)
            cell = "" if value is None else f"{value:.3f}"
            old = old_sections.get(column)
            old_value = _get(old, group, name) if old else None
            if value is not None and old_value is not None:
                cell += f" ({value - old_value:+.3f})"
            cells.append(cell)
        if any(cells):
            lines.append(f"| {group} {name} | " + " | ".join(cells) + " |")
    if "briefing" in report:
        from rag.eval.stories import grouping_markdown, stories_markdown

        if report.get("stories"):
            lines.append("\n" + grouping_markdown(report["stories"]))
        lines.append("\n" + stories_markdown(report["briefing"]))
    for stage, figures in report.get("latency_ms", {}).items():
        lines.append(f"\nlatency {stage}: p50 {figures['p50']} ms, p95 {figures['p95']} ms")
    return "\n".join(lines)


def stories_only(report: dict[str, Any]) -> str:
    from rag.eval.stories import stories_markdown

    return f"{report.get('dataset', 'eval')}: stories only\n\n" + stories_markdown(report.get("briefing", {}))
