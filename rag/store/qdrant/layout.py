"""How an index is laid out in Qdrant: three collections and the filters that read them.

    COLLECTION           one point per chunk: a dense vector, a sparse bm25 vector (rag.store.qdrant.sparse) and
                         a payload with its text, span and its article's metadata (so a hit needs
                         no second read)
    COLLECTION_articles  one point per article, no vectors: key, content hash, MinHash, text, ...
    COLLECTION_meta      one point: the manifest, the generation, and the commit record

The commit record makes a batch all or nothing. Ids are handed out above what is committed; a
batch writes its articles and chunks, then one upsert of the meta point commits it (moving the
high-water marks and naming the articles it replaces), and only then are the replaced ones
deleted. Readers of a server see only chunks and articles at or below the marks and not named
for deletion; a writer that starts first removes what lies above the marks and finishes any
deletions named (the recovery after a crash).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rag.store.filters import Filters
from rag.store.manifest import Manifest
from rag.store.protocol import StoredText
from rag.store.qdrant.connect import Connection
from rag.store.spec import StoreSpec

DENSE = "dense"
LEXICAL = "lexical"
META_ID = 1
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def state_id(name: str) -> int:
    """The meta collection's point for a named piece of state: ids above the commit record's,
    one per name (CRC-32 of it, so the same name always finds its point)."""
    return META_ID + 1 + zlib.crc32(name.encode("utf-8"))


def names(collection: str) -> tuple[str, str, str]:
    """(chunks, articles, meta) collection names."""
    return collection, f"{collection}_articles", f"{collection}_meta"


def day_number(date: str | None) -> int | None:
    """2025-06-07 → 20250607, for range filters that order as the ISO strings do."""
    match = _ISO_DAY.match(date or "")
    return int("".join(match.groups())) if match else None


@dataclass(frozen=True)
class Commit:
    """The meta point's record of what is committed."""

    manifest: str | None = None  # manifest JSON
    generation: int = 0
    articles_done: int = 0  # every article id at or below is committed
    chunks_done: int = 0
    replaced: tuple[int, ...] = ()  # committed as gone, perhaps not deleted yet
    marking: tuple[int, ...] = ()  # articles whose chunks are committed, perhaps not marked embedded yet
    average_length: float | None = None  # of a chunk in sparse terms (qdrant/sparse.py), fixed at first
    writer: str | None = None  # who holds the write lease on a server, and since when it last wrote
    writer_since: float | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest,
            "generation": self.generation,
            "articles_done": self.articles_done,
            "chunks_done": self.chunks_done,
            "replaced": list(self.replaced),
            "marking": list(self.marking),
            "average_length": self.average_length,
            "writer": self.writer,
            "writer_since": self.writer_since,
        }

    @classmethod
    def of(cls, payload: dict[str, Any] | None) -> Commit:
        if not payload:
            return cls()
        return cls(
            manifest=payload.get("manifest"),
            generation=int(payload.get("generation", 0)),
            articles_done=int(payload.get("articles_done", 0)),
            chunks_done=int(payload.get("chunks_done", 0)),
            replaced=tuple(int(i) for i in payload.get("replaced") or []),
            marking=tuple(int(i) for i in payload.get("marking") or []),
            average_length=payload.get("average_length"),
            writer=payload.get("writer"),
            writer_since=payload.get("writer_since"),
        )


def user_conditions(filters: Filters) -> list[Any]:
    """Outlet (case-folded) and date range, as the local store reads them."""
    from qdrant_client import models

    conditions: list[Any] = []
    if filters.sources:
        conditions.append(
            models.FieldCondition(key="source_lc", match=models.MatchAny(any=[s.lower() for s in filters.sources]))
        )
    since, until = day_number(filters.since), day_number(filters.until)
    if since is not None or until is not None:
        conditions.append(models.FieldCondition(key="day", range=models.Range(gte=since, lte=until)))
    if filters.articles is not None:
        conditions.append(models.FieldCondition(key="article_id", match=models.MatchAny(any=list(filters.articles))))
    return conditions


def no_date() -> Any:
    """Points whose article has no date."""
    from qdrant_client import models

    return models.IsEmptyCondition(is_empty=models.PayloadField(key="day"))


def visible(
    commit: Commit, id_key: str, done: int, filters: Filters | None, originals: bool = False, guarded: bool = True
) -> Any:
    """What a reader may see: allowed by the filters (with `originals`, only articles that are not
    copies of another) and, when `guarded`, committed and not replaced. None: everything."""
    from qdrant_client import models

    must: list[Any] = [models.FieldCondition(key=id_key, range=models.Range(lte=done))] if guarded else []
    must += user_conditions(filters or Filters())
    if originals:
        must.append(flag("is_copy", False))
    must_not: list[Any] = []
    if guarded and commit.replaced:
        must_not.append(models.FieldCondition(key="article_id", match=models.MatchAny(any=list(commit.replaced))))
    return models.Filter(must=must, must_not=must_not or None) if must or must_not else None


def flag(key: str, value: bool) -> Any:
    """The condition that a boolean payload field holds `value`."""
    from qdrant_client import models

    return models.FieldCondition(key=key, match=models.MatchValue(value=value))


def narrowed(base: Any, *conditions: Any) -> Any:
    """`base` (a Filter, or None for everything) with more conditions that must all hold."""
    from qdrant_client import models

    must = [*conditions, *((base.must or []) if base is not None else [])]
    return models.Filter(must=must, must_not=base.must_not if base is not None else None)


PAYLOAD_INDEXES = {
    "chunks": {"article_id": "integer", "chunk_id": "integer", "source_lc": "keyword", "day": "integer"},
    "articles": {
        "article_id": "integer",
        "key": "keyword",
        "doc_id": "keyword",
        "source_lc": "keyword",
        "day": "integer",
        "is_copy": "bool",
        "embedded": "bool",
        "duplicate_of": "integer",
    },
}


class QdrantView(Protocol):
    """What the store's helper modules (scans, pages, writes) use of an open Qdrant store."""

    spec: StoreSpec
    manifest: Manifest
    connection: Connection
    chunks: str
    article_points: str
    meta: str

    def commit(self) -> Commit: ...

    def chunk_filter(self, commit: Commit, filters: Filters | None = None) -> Any: ...

    def article_filter(self, commit: Commit, filters: Filters | None = None, originals: bool = False) -> Any: ...

    def scroll(
        self, collection: str, condition: Any, fields: Sequence[str] | bool, vectors: bool = False
    ) -> Iterator[Any]: ...

    def articles(self, ids: Sequence[int] | None = None, filters: Filters | None = None) -> list[StoredText]: ...

    def count(self, collection: str, condition: Any) -> int: ...

    def all_articles(self, fields: Sequence[str] | bool, originals: bool = False) -> Iterator[dict[str, Any]]: ...
