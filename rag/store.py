"""An open index folder: the database (the truth), the FAISS index derived from it, and the
write lock. This is the seam another store implementation plugs into.

Layout of an index folder:
    rag.sqlite       articles, chunks (with float32 vectors), FTS5 table, manifest
    vectors-G.faiss  FAISS IndexIDMap2 over the chunk vectors as of SQLite generation G
    write.lock       held by the one process allowed to write

Readers need no write access: they read SQLite and the FAISS file, or build the FAISS index in
memory when its file is stale. Writers take the lock, then get a `DatabaseWriter`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.database import DB_NAME, Database, StoredArticle, StoredText
from rag.errors import RagError
from rag.filters import Filters
from rag.lock import LOCK_NAME, WriteLock
from rag.manifest import Manifest
from rag.vector_index import VectorIndex, faiss_path
from rag.writes import DatabaseWriter

if TYPE_CHECKING:
    import faiss

__all__ = ["DB_NAME", "LOCK_NAME", "Filters", "Manifest", "Store", "StoredArticle", "StoredText", "faiss_path"]


class Store:
    """Use `Store.open(...)`; `store.db` reads, `store.writer()` writes (under the lock)."""

    def __init__(self, directory: Path, db: Database) -> None:
        self.directory = directory
        self.db = db
        self.manifest = db.manifest
        self.lock = WriteLock(directory)
        self.vectors = VectorIndex(directory, db, lambda: self.lock.held)

    @classmethod
    def open(cls, directory: Path, manifest: Manifest, create: bool = False, check: bool = True) -> Store:
        """Open (or with `create`, make) the index; refuse one built with another model
        unless `check` is off (re-embedding, which rewrites the manifest)."""
        if directory.exists() and not directory.is_dir():
            raise RagError(f"the index path {directory} is a file, not a folder; pass --index with a folder")
        if create:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RagError(
                    f"cannot create the index folder {directory} ({exc.strerror}); choose another --index"
                ) from None
        return cls(directory, Database.open(directory, manifest, create=create, check=check))

    @staticmethod
    def read_manifest(directory: Path) -> Manifest | None:
        return Database.manifest_at(directory)

    def close(self) -> None:
        self.db.close()
        self.lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------

    def acquire_lock(self, wait: bool = False) -> None:
        self.lock.acquire(wait)

    def release_lock(self) -> None:
        self.lock.release()

    def writer(self) -> DatabaseWriter:
        """The database's writer; only the holder of the write lock may have it."""
        if not self.lock.held:
            raise RuntimeError("writing to the index needs its write lock: call acquire_lock() first")
        return DatabaseWriter(self.db.connection, self.manifest)

    def rebuild_faiss(self) -> faiss.Index:
        self.writer()  # checks the lock
        return self.vectors.rebuild()

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
        params = None
        if filters is not None and filters.active():
            allowed = self.db.allowed_chunk_ids(filters)
            if allowed.size == 0:
                return empty.astype(np.float32), empty
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))  # type: ignore[call-arg]
        scores, ids = index.search(np.ascontiguousarray(vectors, dtype=np.float32), min(k, index.ntotal), params=params)
        return scores, ids

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.iterdir() if p.is_file())

    def figures(self) -> dict[str, Any]:
        """What `rag stats` reports: counts, model, chunking and bytes on disk."""
        return {
            **self.db.counts(),
            "model": self.manifest.fingerprint,
            "dimension": self.manifest.dimension,
            "chunking": self.manifest.chunking,
            "bytes": self.size_bytes(),
            "index": str(self.directory),
        }
