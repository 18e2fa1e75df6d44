"""What every index store offers, whichever engine holds it: `rag.store.local.store.Store` (SQLite + FAISS
in a folder) and `rag.store.qdrant.QdrantStore` (a Qdrant collection, local or on a cluster).

The offer comes in narrow protocols, so that a caller names only what it uses:

    Searcher      dense and lexical search, the passages of chunk ids, the newest date
    Catalogue     the articles: their texts, one article's record, a list, outlets, counts, figures
    IngestState   what an ingest run compares against: keys, signatures, vectors, the manifest
    StoreWriter   the only way to change a store (from `begin_writes`, under its write lock)

`IndexStore` is all three readers plus opening, closing and locking. Every write of a batch is
all or nothing as readers and a rerun see it. The records here are plain values; the JSON the
doors give is shaped from them in rag.shapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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
class ChunkSpan:
    """A chunk of a stored article: where it lies in the text and how many tokens it holds."""

    chunk_id: int
    ordinal: int
    start: int
    end: int
    tokens: int


@dataclass(frozen=True)
class ArticleSummary:
    """An article as a list shows it: no text, only its length in characters."""

    doc_id: str
    title: str
    source: str | None
    date: str | None
    url: str | None
    characters: int


@dataclass(frozen=True)
class ArticleRecord:
    """One article with its text, its chunks and its near-duplicates; `duplicate_of` is the
    document id of the article it copies, if it is a copy."""

    doc_id: str
    title: str
    source: str | None
    date: str | None
    url: str | None
    text: str
    duplicate_of: str | None
    chunks: tuple[ChunkSpan, ...]
    duplicates: tuple[ArticleSummary, ...]


@dataclass(frozen=True)
class IndexFigures:
    """What `rag stats` reports: counts, the model and chunking, bytes on disk (None on a
    server), where the index is and which kind of store; shards and replicas where the
    store has them."""

    articles: int
    duplicates: int
    chunks: int
    model: str
    dimension: int
    chunking: dict[str, int]
    bytes: int | None
    index: str
    store: str
    shards: int | None = None
    replicas: int | None = None


@dataclass(frozen=True)
class NewArticle:
    """An article to store: its MinHash signature (as bytes) and, for a near-duplicate, the id
    of the stored article it copies (a copy gets no chunks)."""

    article: Article
    minhash: bytes
    duplicate_of: int | None = None


@dataclass(frozen=True)
class BatchResult:
    removed: list[int]
    article_ids: list[int]
    chunk_ids: list[int]


class StoreWriter(Protocol):
    def write_batch(
        self,
        replace_ids: Sequence[int],
        new_articles: Sequence[NewArticle],
        chunks: Sequence[tuple[int, Chunk]],
        vectors: np.ndarray,
    ) -> BatchResult:
        """Atomically delete `replace_ids` and add `new_articles` with their chunks (index into
        `new_articles`, chunk) and one vector per chunk."""

    def rekey(self, article_id: int, key: str) -> None: ...

    def delete_articles(self, article_ids: Sequence[int]) -> None: ...

    def add_chunks(
        self, chunks: Sequence[tuple[int, Chunk]], vectors: np.ndarray, article_ids: Sequence[int]
    ) -> list[int]:
        """Chunks (article id, chunk) of stored articles, which are then marked embedded."""

    def write_state(self, name: str, value: str) -> None:
        """Keep a named piece of the index's own state (its stories, the feeds it follows) as
        text, replacing what was kept under that name; one write, all or nothing."""

    def clear_chunks(self) -> None:
        """Drop every chunk and write the store's manifest (before re-embedding)."""

    def finish(self) -> None:
        """Persist whatever the writer kept in memory (the local FAISS copy)."""


class Searcher(Protocol):
    def dense_search(
        self, vectors: np.ndarray, k: int, filters: Filters | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product search: (scores, chunk ids), -1 ids where fewer than k exist."""

    def lexical_search(self, query: str, k: int, filters: Filters) -> list[tuple[int, float]]:
        """(chunk id, bm25-like score, higher is better) for the query's content words."""

    def hits(self, chunk_ids: Sequence[int], scores: Sequence[float] | None = None) -> list[Hit]: ...

    def newest_date(self, filters: Filters | None = None) -> str | None: ...


class Catalogue(Protocol):
    def articles(self, ids: Sequence[int] | None = None, filters: Filters | None = None) -> list[StoredText]:
        """Articles that are not duplicates: the given ids in that order, or all (filtered) by
        date then id."""

    def ids_for_doc_ids(self, doc_ids: Sequence[str]) -> list[int]: ...

    def article_record(self, doc_id: str) -> ArticleRecord | None:
        """One article by document id (the original, where a copy shares its id)."""

    def article_list(self, query: str | None, filters: Filters, limit: int) -> list[ArticleSummary]:
        """Articles (not duplicates) by date, newest first; with `query`, those whose title or
        text holds it (a case-folded substring)."""

    def sources(self) -> list[str]: ...

    def counts(self) -> dict[str, int]:
        """{"articles": …, "duplicates": …, "chunks": …, "undated": …}; articles counts the copies
        too, undated only originals without a date."""

    def figures(self) -> IndexFigures: ...


class IngestState(Protocol):
    def articles_by_key(self) -> dict[str, StoredArticle]: ...

    def signatures(self) -> tuple[np.ndarray, np.ndarray]: ...

    def chunk_vectors(self, article_ids: Sequence[int]) -> list[tuple[int, int, int, np.ndarray]]: ...

    def unembedded_articles(self) -> list[tuple[int, str]]: ...

    def unembedded_count(self) -> int: ...

    def stored_manifest(self) -> Manifest | None: ...

    def read_state(self, name: str) -> str | None:
        """The named piece of state last written (`StoreWriter.write_state`); None if never."""


class IndexStore(Searcher, Catalogue, IngestState, Protocol):
    manifest: Manifest

    @property
    def location(self) -> str:
        """Where the index is, as a user would name it in a message."""

    def close(self) -> None: ...

    def __enter__(self) -> IndexStore: ...

    def __exit__(self, *exc: object) -> None: ...

    def acquire_lock(self, wait: bool = False) -> None: ...

    def release_lock(self) -> None: ...

    def begin_writes(self) -> StoreWriter: ...

    def rebuild_vectors(self) -> None: ...


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
        shared: dict[object, object] | None = None,
    ) -> IndexStore:
        """`shared` is None for a one-shot reader; a long-lived one (a server) passes the same
        dict to every connection it opens, in which a store keeps what pays to hold in memory
        across many requests."""
        ...

    def read_manifest(self, spec: StoreSpec, directory: Path, api_key: str | None) -> Manifest | None:
        """The manifest of the index there, or None when there is none yet."""

    def exists(self, spec: StoreSpec, directory: Path, api_key: str | None) -> bool: ...

    def discard(self, spec: StoreSpec, directory: Path, remove_folder: bool, api_key: str | None) -> None:
        """Remove an index this run created and filled with nothing: only what rag made, and
        the folder only if `remove_folder` (this run made it)."""

    def eval_spec(self, spec: StoreSpec, cache_folder: Path) -> StoreSpec:
        """Where `rag eval` keeps a gold set's index in this kind of store."""
