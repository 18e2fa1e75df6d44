"""The reads behind the server's article pages, on a Qdrant store (rag.store.local.pages is the
local store's)."""

from __future__ import annotations

from typing import Any

from rag.store.filters import Filters
from rag.store.protocol import ArticleRecord, ArticleSummary, ChunkSpan
from rag.store.qdrant.layout import QdrantView, narrowed


def _summary(payload: dict[str, Any]) -> ArticleSummary:
    return ArticleSummary(
        doc_id=payload["doc_id"],
        title=payload["title"],
        source=payload.get("source"),
        date=payload.get("date"),
        url=payload.get("url"),
        characters=len(payload["text"]),
    )


def article_record(store: QdrantView, doc_id: str) -> ArticleRecord | None:
    from qdrant_client import models

    commit = store.commit()
    base = store.article_filter(commit)

    def where(*conditions: Any) -> Any:
        return narrowed(base, *conditions)

    same_doc = models.FieldCondition(key="doc_id", match=models.MatchValue(value=doc_id))
    found = sorted(
        store.scroll(store.article_points, where(same_doc), True),
        key=lambda p: (bool(p.payload.get("is_copy")), int(p.id)),
    )
    if not found:
        return None
    article = found[0].payload
    article_id = int(article["article_id"])
    of_article = models.FieldCondition(key="article_id", match=models.MatchValue(value=article_id))
    chunk_base = store.chunk_filter(commit)
    chunk_filter = narrowed(chunk_base, of_article)
    chunks = sorted(
        (
            p.payload
            for p in store.scroll(store.chunks, chunk_filter, ["chunk_id", "ordinal", "start", "end", "n_tokens"])
        ),
        key=lambda c: c["ordinal"],
    )
    copy_of = models.FieldCondition(key="duplicate_of", match=models.MatchValue(value=article_id))
    copies = sorted(
        (p.payload for p in store.scroll(store.article_points, where(copy_of), True)), key=lambda c: c["article_id"]
    )
    original = article.get("duplicate_of")
    originals = store.articles([int(original)]) if original else []
    original_doc = originals[0].doc_id if originals else None
    return ArticleRecord(
        doc_id=article["doc_id"],
        title=article["title"],
        source=article.get("source"),
        date=article.get("date"),
        url=article.get("url"),
        text=article["text"],
        duplicate_of=original_doc,
        chunks=tuple(
            ChunkSpan(
                chunk_id=c["chunk_id"], ordinal=c["ordinal"], start=c["start"], end=c["end"], tokens=c["n_tokens"]
            )
            for c in chunks
        ),
        duplicates=tuple(_summary(d) for d in copies),
    )


def article_list(store: QdrantView, query: str | None, filters: Filters, limit: int) -> list[ArticleSummary]:
    """Articles (not duplicates) by date, newest first; with `query`, those whose title or text
    holds it (as the local store's `instr`: a case-folded substring)."""
    needle = query.lower() if query else None
    fields = ["article_id", "doc_id", "title", "source", "date", "url", "text"]
    rows = [
        p.payload
        for p in store.scroll(store.article_points, store.article_filter(store.commit(), filters, True), fields)
        if needle is None or needle in p.payload["title"].lower() or needle in p.payload["text"].lower()
    ]
    rows.sort(key=lambda r: -int(r["article_id"]))
    dated = sorted((r for r in rows if r.get("date")), key=lambda r: str(r["date"]), reverse=True)  # stable
    rows = dated + [r for r in rows if not r.get("date")]
    return [_summary(r) for r in rows[:limit]]
