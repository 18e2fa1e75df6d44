"""An open index folder: the database (the truth), the FAISS index derived from it, and the
write lock: the `local` implementation of `rag.store.protocol.IndexStore`.

Layout of an index folder:
    rag.sqlite       articles, chunks (with float32 vectors), FTS5 table, manifest
    vectors-G.faiss  FAISS IndexIDMap2 over the chunk vectors as of SQLite generation G
    write.lock       held by the one process allowed to write

Readers need no write access: they read SQLite and the FAISS file, or build the FAISS index in
memory when its file is stale. Writers take the lock, then get a `DatabaseWriter`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.errors import RagError
from rag.store.filters import Filters
from rag.store.local import pages as database_pages
from rag.store.local import vectors as vector_kinds
from rag.store.local.connection import connect, writable
from rag.store.local.database import DB_NAME, FTS_TABLE, FTS_TOKENIZE, Database
from rag.store.local.lexical import LexicalMemory
from rag.store.local.vector_index import VectorIndex, faiss_path
from rag.store.local.writes import DatabaseWriter
from rag.store.lock import LOCK_NAME, WriteLock
from rag.store.manifest import Manifest
from rag.store.protocol import (
    ArticleRecord,
    ArticleSummary,
    BatchResult,
    IndexFigures,
    NewArticle,
    StoredArticle,
    StoredText,
)
from rag.text import content_words
from rag.types import Chunk, Hit

if TYPE_CHECKING:
    import faiss

__all__ = ["DB_NAME", "LOCK_NAME", "Filters", "Manifest", "Store", "StoredArticle", "StoredText", "faiss_path"]


def fts_words(text: str) -> list[str]:
    """The question's content words that the lexical search looks for, at most 32."""
    seen: list[str] = []
    for word in content_words(text):
        token = word.replace('"', "")
        if token and token not in seen and len(seen) < 32:
            seen.append(token)
    return seen


def fts_match(words: Sequence[str]) -> str:
    """An FTS5 OR-query of the words, each quoted so that no user text is read as FTS5 syntax:
    ['closed', 'harbour'] → '"closed" OR "harbour"'."""
    return " OR ".join(f'"{w}"' for w in words)


class Store:
    """Use `Store.open(...)`; `begin_writes()` writes (under the lock); `db` is the database."""

    def __init__(self, directory: Path, db: Database, check: bool = True, lexical: LexicalMemory | None = None) -> None:
        self.directory = directory
        self.db = db
        self._check = check
        self._file = _identity(directory / DB_NAME)
        self.manifest = db.manifest
        self.lock = WriteLock(directory)
        self.vectors = VectorIndex(directory, db, lambda: self.lock.held)
        self.lexical = lexical
        if lexical is not None:
            lexical.postings(db.generation())  # starts building them now, not at the first search

    @classmethod
    def open(
        cls,
        directory: Path,
        manifest: Manifest,
        create: bool = False,
        check: bool = True,
        shared: dict[object, object] | None = None,
    ) -> Store:
        """Open (or with `create`, make) the index; refuse one built with another model
        unless `check` is off (re-embedding, which rewrites the manifest). `shared` is a
        long-lived reader's (see `rag.store.protocol.Engine.open`): its connections share the
        lexical postings kept in memory (rag.store.local.lexical)."""
        if directory.exists() and not directory.is_dir():
            raise RagError(f"the index path {directory} is a file, not a folder; pass --index with a folder")
        if create:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RagError(
                    f"cannot create the index folder {directory} ({exc.strerror}); choose another --index"
                ) from None
            if not writable(directory / DB_NAME):
                raise RagError(
                    f"the index folder {directory} cannot be written here (a read-only file system or no write "
                    "permission); ingesting needs write access, while search, ask and stats read it as it is"
                )
        db = Database.open(directory, manifest, create=create, check=check)
        return cls(directory, db, check, None if shared is None else _lexical_memory(shared, directory))

    @staticmethod
    def read_manifest(directory: Path) -> Manifest | None:
        return Database.manifest_at(directory)

    @property
    def location(self) -> str:
        return str(self.directory)

    def close(self) -> None:
        self.db.close()
        self.lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------

    def acquire_lock(self, wait: bool = False) -> None:
        """Become the only writer. What a killed writer left half-written (a FAISS file being
        saved) goes at once, before this writer needs the space: no one else can be writing it."""
        if not self.lock.held:
            self.lock.acquire(wait)
            if not self.directory.is_dir():
                # The first ingest ahead of this writer added nothing and took its new index away,
                # folder and lock file with it: hold the lock of the folder made afresh instead.
                self.lock.release()
                self.directory.mkdir(parents=True, exist_ok=True)
                self.lock.acquire(wait)
            if _identity(self.directory / DB_NAME) != self._file:
                self._reopen()
            self.vectors.remove_leftovers()

    def _reopen(self) -> None:
        """The database this store opened was removed (or replaced) while it queued for the lock:
        a first ingest ahead of it added nothing and took its new index away. Open the one there
        now, making it afresh, so that what this writer adds is not written to a removed file."""
        self.db.close()
        self.db = Database.open(self.directory, self.manifest, create=True, check=self._check)
        self._file = _identity(self.directory / DB_NAME)
        self.vectors = VectorIndex(self.directory, self.db, lambda: self.lock.held)

    def release_lock(self) -> None:
        self.lock.release()

    def writer(self) -> DatabaseWriter:
        """The database's writer; only the holder of the write lock may have it."""
        if not self.lock.held:
            raise RuntimeError("writing to the index needs its write lock: call acquire_lock() first")
        return DatabaseWriter(self.db.connection, self.manifest)

    def begin_writes(self) -> LocalWriter:
        return LocalWriter(self)

    def rebuild_faiss(self) -> faiss.Index:
        self.writer()  # checks the lock
        return self.vectors.rebuild()

    def rebuild_vectors(self) -> None:
        self.rebuild_faiss()

    def save_faiss(self, index: faiss.Index) -> None:
        self.writer()
        self.vectors.save(index)

    # -- reading -------------------------------------------------------------------------

    def faiss_index(self) -> faiss.Index:
        return self.vectors.current()

    def dense_search(
        self, vectors: np.ndarray, k: int, filters: Filters | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product search: (scores, chunk ids), -1 ids where fewer than k exist."""
        import faiss

        index = self.faiss_index()
        empty = np.full((len(vectors), 0), -1, dtype=np.int64)
        if index.ntotal == 0:
            return empty.astype(np.float32), empty
        allowed = None
        if filters is not None and filters.active():
            allowed = self.db.allowed_chunk_ids(filters)
            if allowed.size == 0:
                return empty.astype(np.float32), empty
        queries = np.ascontiguousarray(vectors, dtype=np.float32)
        k = min(k, index.ntotal)
        if vector_kinds.is_exact(index):
            return vector_kinds.exact_search(index, queries, k, allowed)
        params = None if allowed is None else faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))  # type: ignore[call-arg]
        scores, ids = index.search(queries, k, params=params)
        return scores, ids

    def lexical_search(self, query: str, k: int, filters: Filters) -> list[tuple[int, float]]:
        """bm25 from the postings in memory when they match the index (and no filter narrows
        the search), else from FTS5: the same rows and scores either way."""
        words = fts_words(query)
        memory = self.lexical
        postings = None if memory is None or filters.active() else memory.postings(self.db.generation())
        if memory is not None and postings is not None:
            found = postings.search(memory.tokenizer.tokens(words), k)
        else:
            found = self.db.lexical_search(fts_match(words), k, filters)
        return [(chunk_id, -bm25) for chunk_id, bm25 in found]

    def hits(self, chunk_ids: Sequence[int], scores: Sequence[float] | None = None) -> list[Hit]:
        return self.db.hits(chunk_ids, scores)

    def newest_date(self, filters: Filters | None = None) -> str | None:
        return self.db.newest_date(filters)

    def articles(self, ids: Sequence[int] | None = None, filters: Filters | None = None) -> list[StoredText]:
        return self.db.articles(ids, filters)

    def ids_for_doc_ids(self, doc_ids: Sequence[str]) -> list[int]:
        return self.db.ids_for_doc_ids(doc_ids)

    def articles_by_key(self) -> dict[str, StoredArticle]:
        return self.db.articles_by_key()

    def signatures(self) -> tuple[np.ndarray, np.ndarray]:
        return self.db.signatures()

    def chunk_vectors(self, article_ids: Sequence[int]) -> list[tuple[int, int, int, np.ndarray]]:
        return self.db.chunk_vectors(article_ids)

    def unembedded_articles(self) -> list[tuple[int, str]]:
        return self.db.unembedded_articles()

    def unembedded_count(self) -> int:
        return self.db.unembedded_count()

    def stored_manifest(self) -> Manifest | None:
        return self.db.stored_manifest()

    def read_state(self, name: str) -> str | None:
        return self.db.read_state(name)

    def article_record(self, doc_id: str) -> ArticleRecord | None:
        return database_pages.article_record(self.db, doc_id)

    def article_list(self, query: str | None, filters: Filters, limit: int) -> list[ArticleSummary]:
        return database_pages.article_list(self.db, query, filters, limit)

    def sources(self) -> list[str]:
        return database_pages.sources(self.db)

    def counts(self) -> dict[str, int]:
        return self.db.counts()

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.iterdir() if p.is_file())

    def figures(self) -> IndexFigures:
        """What `rag stats` reports: counts, model, chunking and bytes on disk."""
        counts = self.db.counts()
        return IndexFigures(
            articles=counts["articles"],
            duplicates=counts["duplicates"],
            chunks=counts["chunks"],
            model=self.manifest.fingerprint,
            dimension=self.manifest.dimension,
            chunking=self.manifest.chunking,
            bytes=self.size_bytes(),
            index=str(self.directory),
            store="local",
        )


class LocalWriter:
    """The database's writes, with the in-memory FAISS copy kept in step; `finish` saves it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.writer()  # checks the lock
        self._index: faiss.Index | None = None

    @property
    def index(self) -> faiss.Index:
        if self._index is None:
            self._index = self.store.faiss_index()
        return self._index

    def write_batch(
        self,
        replace_ids: Sequence[int],
        new_articles: Sequence[NewArticle],
        chunks: Sequence[tuple[int, Chunk]],
        vectors: np.ndarray,
    ) -> BatchResult:
        index = self.index  # loaded before the write, so that it matches the generation before it
        result = self.db.write_batch(replace_ids, new_articles, chunks, vectors)
        if result.removed:
            index.remove_ids(np.array(result.removed, dtype=np.int64))  # type: ignore[arg-type]
        if result.chunk_ids:
            index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.array(result.chunk_ids, dtype=np.int64)
            )
        return result

    def rekey(self, article_id: int, key: str) -> None:
        self.db.rekey(article_id, key)

    def delete_articles(self, article_ids: Sequence[int]) -> None:
        self.write_batch(article_ids, [], [], np.zeros((0, 0), dtype=np.float32))

    def add_chunks(
        self, chunks: Sequence[tuple[int, Chunk]], vectors: np.ndarray, article_ids: Sequence[int]
    ) -> list[int]:
        index = self.index
        new_ids = self.db.add_chunks(chunks, vectors, article_ids)
        if new_ids:
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.array(new_ids, dtype=np.int64))
        return new_ids

    def write_state(self, name: str, value: str) -> None:
        self.db.write_state(name, value)

    def clear_chunks(self) -> None:
        self.db.clear_chunks()
        self._index = None  # the next write reads the (now empty) index afresh

    def finish(self) -> None:
        self.store.save_faiss(self.index)  # also mends a missing or stale file when nothing changed


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file is at `path` (device and inode), None when none is."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _lexical_memory(shared: dict[object, object], directory: Path) -> LexicalMemory:
    key = ("lexical", directory.resolve())
    memory = shared.get(key)
    if not isinstance(memory, LexicalMemory):
        memory = LexicalMemory(lambda: connect(directory / DB_NAME, read_only=True), FTS_TABLE, FTS_TOKENIZE)
        shared[key] = memory
    return memory
