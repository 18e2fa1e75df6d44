"""The JSON every door gives: `--json` on the command line, the API under /api/ and the MCP
tools share these shapes, so a key is named in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.brief.model import Briefing, Statement
    from rag.ingest.following import Followed
    from rag.ingest.pipeline import IngestReport
    from rag.store.protocol import ArticleRecord, ArticleSummary, IndexFigures
    from rag.stories.kept import StoryView
    from rag.types import Answer, Hit


def hit_json(hit: Hit) -> dict[str, Any]:
    """A passage as `rag search --json` prints it."""
    return {
        "article_id": hit.doc_id,
        "chunk_id": hit.chunk_id,
        "title": hit.title,
        "source": hit.source,
        "date": hit.date,
        "text": hit.text,
        "score": round(hit.dense_score if hit.dense_score is not None else 0.0, 4),
    }


def answer_json(answer: Answer) -> dict[str, Any]:
    """An answer as `rag ask --json` prints it."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "sentences": [
            {"text": s.text, "citations": list(s.citations), "supported": s.supported} for s in answer.sentences
        ],
        "sources": [
            {
                "key": s.key,
                "article_id": s.hit.doc_id,
                "title": s.hit.title,
                "source": s.hit.source,
                "date": s.hit.date,
                "url": s.hit.url,
                "quote": s.quote,
            }
            for s in answer.sources
        ],
        "short_answer": answer.short_answer,
        "conflicts": [
            {
                "about": c.about,
                "label": c.label,
                "answers": [
                    {"text": a.text, "citations": list(a.citations), "sources": list(a.sources)} for a in c.answers
                ],
            }
            for c in answer.conflicts
        ],
        "abstain_reason": answer.abstain_reason,
        "invalid_citations": list(answer.invalid_citations),
        "truncated": answer.truncated,
        "timings_ms": {k: round(v * 1000, 1) for k, v in answer.timings.items()},
    }


def briefing_json(briefing: Briefing) -> dict[str, Any]:
    """A briefing as `rag brief --json` prints it."""

    def statement(s: Statement) -> dict[str, Any]:
        return {"text": s.text, "citations": list(s.citations)}

    return {
        "topic": briefing.topic,
        "summary": [statement(s) | {"quotes": [statement(q) for q in s.quotes]} for s in briefing.summary],
        "agreements": [
            {
                "text": a.text,
                "citations": list(a.citations),
                "source_count": a.source_count,
                "quotes": [statement(q) for q in a.quotes],
            }
            for a in briefing.agreements
        ],
        "discrepancies": [
            {"about": d.about, "kind": d.kind, "label": d.label, "positions": [statement(p) for p in d.positions]}
            for d in briefing.discrepancies
        ],
        "single_source": [statement(s) for s in briefing.single_source],
        "timeline": [
            {
                "date": e.date,
                "event": e.event,
                "citations": list(e.citations),
                "precision": e.precision,
                "inferred_year": e.inferred_year,
            }
            for e in briefing.timeline
        ],
        "people": [
            {"name": p.name, "conflicting": p.conflicting, "descriptions": [statement(d) for d in p.descriptions]}
            for p in briefing.people
        ],
        "sources": [
            {
                "key": s.key,
                "article_id": s.article_id,
                "title": s.title,
                "source": s.source,
                "date": s.date,
                "url": s.url,
                "changed": list(s.changed),
            }
            for s in briefing.sources
        ],
    }


def ingest_report_json(report: IngestReport) -> dict[str, Any]:
    """What an ingest did, as `rag ingest --json` prints it and an upload's job reports it."""
    return {
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "duplicates": report.duplicates,
        "pruned": report.pruned,
        "chunks": report.chunks,
        "seconds": round(report.seconds, 3),
        "chunks_per_second": round(report.chunks / report.seconds, 1) if report.seconds else 0.0,
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "warnings": report.warnings,
        "duplicate_of": [{"article": a, "original": b} for a, b in report.duplicate_pairs],
    }


def article_json(record: ArticleRecord) -> dict[str, Any]:
    """One article as `/api/articles/{id}` and the MCP tool `get_article` give it: text, chunks
    and near-duplicates, each named by its document id."""
    return {
        "article_id": record.doc_id,
        "title": record.title,
        "source": record.source,
        "date": record.date,
        "url": record.url,
        "text": record.text,
        "duplicate_of": record.duplicate_of,
        "chunks": [
            {"chunk_id": c.chunk_id, "ordinal": c.ordinal, "start": c.start, "end": c.end, "tokens": c.tokens}
            for c in record.chunks
        ],
        "duplicates": [
            {"article_id": d.doc_id, "title": d.title, "source": d.source, "date": d.date} for d in record.duplicates
        ],
    }


def article_summary_json(summary: ArticleSummary) -> dict[str, Any]:
    """An article as `/api/articles` lists it: no text, its length in characters."""
    return {
        "article_id": summary.doc_id,
        "title": summary.title,
        "source": summary.source,
        "date": summary.date,
        "url": summary.url,
        "characters": summary.characters,
    }


def figures_json(figures: IndexFigures) -> dict[str, Any]:
    """The index's figures as `rag stats --json` prints them and `/api/stats` gives them;
    shards and replicas only for a store that has them."""
    shaped: dict[str, Any] = {
        "articles": figures.articles,
        "duplicates": figures.duplicates,
        "chunks": figures.chunks,
        "model": figures.model,
        "dimension": figures.dimension,
        "chunking": dict(figures.chunking),
        "bytes": figures.bytes,
        "index": figures.index,
        "store": figures.store,
    }
    if figures.shards is not None:
        shaped["shards"] = figures.shards
    if figures.replicas is not None:
        shaped["replicas"] = figures.replicas
    return shaped


def followed_json(followed: Followed) -> dict[str, Any]:
    """A followed source as `rag feeds --json` lists it."""
    return {
        "url": followed.url,
        "title": followed.title,
        "kind": followed.kind,
        "checked": followed.checked,
        "status": followed.status,
        "entries_read": followed.entries_read,
    }


def story_json(story: StoryView) -> dict[str, Any]:
    """A story as `rag stories --json` lists it."""
    return {
        "id": story.id,
        "title": story.title,
        "article_ids": list(story.article_ids),
        "sources": list(story.sources),
        "first": story.first,
        "last": story.last,
    }
