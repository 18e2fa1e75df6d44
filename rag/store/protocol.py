"""What every index store offers, whichever engine holds it: `rag.store.local.store.Store` (SQLite + FAISS
in a folder) and `rag.store.qdrant.QdrantStore` (a Qdrant collection, local or on a cluster).

Ingest, retrieval, briefings, evaluation and the server talk to an `IndexStore` only; a
`StoreWriter` (from `begin_writes`, under the store's write lock) is the only way to change one.
Every write of a batch is all or nothing as readers and a rerun see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag.store.filters import Filters
from rag.store.manifest import Manifest
from rag.store.spec import StoreSpec
from rag.types import Article, Chunk, Hit


@dataclass(frozen=True)
class StoredArticle:
    id: int
    key: str
    doc_id: str
    content_hash: str
    title: str
    source: str | None
    date: str | None
    url: str | None
    path: str | None
    duplicate_of: int | None


@dataclass(frozen=True)
class StoredText:
    id: int
    doc_id: str
    title: str
    source: str | None
    date: str | None
    url: str | None
    text: str


@dataclass(frozen=True)
class BatchResult:
    removed: list[int]
    article_ids: list[int]
    chunk_ids: list[int]


class StoreWriter(Protocol):
    def write_batch(
        self,
        replace_ids: Sequence[int],
        new_articles: Sequence[tuple[Article, bytes, int | None]],
        chunks: Sequence[tuple[int, Chunk]],
        vectors: np.ndarray,
    ) -> BatchResult:
        """Atomically delete `replace_ids` and add articles (article, MinHash blob, duplicate_of)
        with their chunks (index into `new_articles`, chunk) and one vector per chunk."""

    def rekey(self, article_id: int, key: str) -> None: ...

    def delete_articles(self, article_ids: Sequence[int]) -> None: ...

    def add_chunks(
        self, chunks: Sequence[tuple[int, Chunk]], vectors: np.ndarray, article_ids: Sequence[int]
    ) -> list[int]:
        """Chunks (article id, chunk) of stored articles, which are then marked embedded."""

    def clear_chunks(self) -> None:
        """Drop every chunk and write the store's manifest (before re-embedding)."""

    def finish(self) -> None:
        """Persist whatever the writer kept in memory (the local FAISS copy)."""


class IndexStore(Protocol):
    manifest: Manifest

    @property
    def location(self) -> str:
        """Where the index is, as a user would name it in a message."""

    def close(self) -> None: ...

    def __enter__(self) -> IndexStore: ...

    def __exit__(self, *exc: object) -> None: ...

    # -- writing
    def acquire_lock(self, wait: bool = False) -> None: ...

    def release_lock(self) -> None: ...

    def begin_writes(self) -> StoreWriter: ...

    def rebuild_vectors(self) -> None: ...

    # -- searching
    def dense_search(
        self, vectors: np.ndarray, k: int, filters: Filters | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product search: (scores, chunk ids), -1 ids where fewer than k exist."""

    def lexical_search(self, query: str, k: int, filters: Filters) -> list[tuple[int, float]]:
        """(chunk id, bm25-like score, higher is better) for the query's content words."""

    def hits(self, chunk_ids: Sequence[int], scores: Sequence[float] | None = None) -> list[Hit]: ...

    def newest_date(self, filters: Filters | None = None) -> str | None: ...

    # -- articles
    def articles(self, ids: Sequence[int] | None = None, filters: Filters | None = None) -> list[StoredText]:
        """Articles that are not duplicates: the given ids in that order, or all (filtered) by
        date then id."""

    def ids_for_doc_ids(self, doc_ids: Sequence[str]) -> list[int]: ...

    def articles_by_key(self) -> dict[str, StoredArticle]: ...

    def signatures(self) -> tuple[np.ndarray, np.ndarray]: ...

    def chunk_vectors(self, article_ids: Sequence[int]) -> list[tuple[int, int, int, np.ndarray]]: ...

    def unembedded_articles(self) -> list[tuple[int, str]]: ...

    def unembedded_count(self) -> int: ...

    def stored_manifest(self) -> Manifest | None: ...

    def article_record(self, doc_id: str) -> dict[str, Any] | None:
        """One article by document id with its text, chunks and duplicates (the API's shape)."""

    def article_list(self, query: str | None, filters: Filters, limit: int) -> list[dict[str, Any]]: ...

    def sources(self) -> list[str]: ...

    def counts(self) -> dict[str, int]: ...

    def figures(self) -> dict[str, Any]: ...


class Engine(Protocol):
    """What the registry (rag.store.registry) asks of a kind of store. `directory` is the
    --index folder, which only the local engine uses; `api_key` only a server's."""

    def open(
        self,
        spec: StoreSpec,
        directory: Path,
        manifest: Manifest,
        *,
        create: bool,
        check: bool,
        api_key: str | None,
    ) -> IndexStore: ...

    def read_manifest(self, spec: StoreSpec, directory: Path, api_key: str | None) -> Manifest | None:
        """The manifest of the index there, or None when there is none yet."""

    def exists(self, spec: StoreSpec, directory: Path, api_key: str | None) -> bool: ...

    def discard(self, spec: StoreSpec, directory: Path, remove_folder: bool, api_key: str | None) -> None:
        """Remove an index this run created and filled with nothing: only what rag made, and
        the folder only if `remove_folder` (this run made it)."""

    def eval_spec(self, spec: StoreSpec, cache_folder: Path) -> StoreSpec:
        """Where `rag eval` keeps a gold set's index in this kind of store."""
