"""The reads of a Qdrant store that scan its articles or chunks: document ids, keys, duplicate
signatures, briefing vectors and what is not yet embedded."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.store.protocol import StoredArticle
from rag.store.qdrant.layout import DENSE, QdrantView, flag, narrowed


def ids_for_doc_ids(store: QdrantView, doc_ids: Sequence[str]) -> list[int]:
    from qdrant_client import models

    if not doc_ids:
        return []
    condition = store.article_filter(store.commit())
    wanted = models.FieldCondition(key="doc_id", match=models.MatchAny(any=list(doc_ids)))
    condition = narrowed(condition, wanted)
    by_doc: dict[str, int] = {}
    for point in sorted(
        store.scroll(store.article_points, condition, ["doc_id", "duplicate_of"]), key=lambda p: int(p.id)
    ):
        by_doc[point.payload["doc_id"]] = int(point.payload.get("duplicate_of") or point.id)
    return list(dict.fromkeys(by_doc[d] for d in doc_ids if d in by_doc))


def articles_by_key(store: QdrantView) -> dict[str, StoredArticle]:
    fields = [
        "article_id",
        "key",
        "doc_id",
        "content_hash",
        "title",
        "source",
        "date",
        "url",
        "path",
        "duplicate_of",
    ]
    return {
        p["key"]: StoredArticle(
            int(p["article_id"]),
            p["key"],
            p["doc_id"],
            p["content_hash"],
            p["title"],
            p.get("source"),
            p.get("date"),
            p.get("url"),
            p.get("path"),
            p.get("duplicate_of"),
        )
        for p in store.all_articles(fields)
    }


def signatures(store: QdrantView) -> tuple[np.ndarray, np.ndarray]:
    rows = sorted((int(p["article_id"]), p["minhash"]) for p in store.all_articles(["article_id", "minhash"], True))
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    sigs = np.array([np.frombuffer(bytes.fromhex(r[1]), dtype=np.uint64) for r in rows], dtype=np.uint64)
    return ids, sigs.reshape(len(rows), -1) if rows else np.zeros((0, 0), dtype=np.uint64)


def chunk_vectors(store: QdrantView, article_ids: Sequence[int]) -> list[tuple[int, int, int, np.ndarray]]:
    from qdrant_client import models

    commit = store.commit()
    rows: list[tuple[int, int, int, int, np.ndarray]] = []
    for first in range(0, len(article_ids), 500):
        batch = [int(i) for i in article_ids[first : first + 500]]
        base = store.chunk_filter(commit)
        wanted = models.FieldCondition(key="article_id", match=models.MatchAny(any=batch))
        condition = narrowed(base, wanted)
        for point in store.scroll(store.chunks, condition, ["article_id", "start", "end"], vectors=True):
            p = point.payload
            vector = np.asarray(point.vector[DENSE], dtype=np.float32)
            rows.append((int(point.id), int(p["article_id"]), int(p["start"]), int(p["end"]), vector))
    return [row[1:] for row in sorted(rows, key=lambda r: r[0])]


def unembedded_articles(store: QdrantView) -> list[tuple[int, str]]:
    points = store.scroll(store.article_points, _unembedded(store), ["article_id", "text"])
    return sorted((int(p.payload["article_id"]), str(p.payload["text"])) for p in points)


def unembedded_count(store: QdrantView) -> int:
    return store.count(store.article_points, _unembedded(store))


def _unembedded(store: QdrantView) -> Any:
    """Originals that should have chunks and have none."""
    return narrowed(store.article_filter(store.commit(), None, originals=True), flag("embedded", False))
