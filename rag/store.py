"""The on-disk index: SQLite is the source of truth, the FAISS file is derived from it.

Layout of an index folder:
    rag.sqlite       articles, chunks (with float32 vectors), FTS5 table, manifest
    vectors-G.faiss  FAISS IndexIDMap2 over the chunk vectors as of SQLite generation G
    write.lock       held by the one process allowed to write

Every SQLite write bumps the generation inside its transaction. The FAISS file is named after
the generation it matches, so after a crash at any moment a reader either finds the file of the
current generation or rebuilds it from SQLite: the two can never disagree.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.errors import IndexBusyError, IndexMismatchError, RagError
from rag.types import Article, Chunk, Hit

if TYPE_CHECKING:
    import faiss

SCHEMA_VERSION = 1
DB_NAME = "rag.sqlite"
LOCK_NAME = "write.lock"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT,
    date TEXT,
    url TEXT,
    path TEXT,
    text TEXT NOT NULL,
    minhash BLOB NOT NULL,
    duplicate_of INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    embedded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
CREATE INDEX IF NOT EXISTS articles_dup ON articles(duplicate_of);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    n_tokens INTEGER NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
"""


@dataclass(frozen=True)
class Manifest:
    """What the vectors in an index mean: refusing a mismatch beats serving wrong results."""

    model: str
    fingerprint: str
    dimension: int
    chunking: dict[str, int]
    schema_version: int = SCHEMA_VERSION

    def describe(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in sorted(self.chunking.items()))
        return f"{self.fingerprint} (dim {self.dimension}; {params})"


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


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval by outlet and article date (ISO strings, inclusive)."""

    sources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None

    def active(self) -> bool:
        return bool(self.sources or self.since or self.until)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    return connection


class Store:
    """An open index folder. Use `Store.open(...)`; writers go through `Store.writer()`."""

    def __init__(self, directory: Path, connection: sqlite3.Connection, manifest: Manifest) -> None:
        self.directory = directory
        self.db = connection
        self.manifest = manifest
        self._faiss: Any = None
        self._faiss_generation = -1
        self._lock_handle: Any = None
        self.sq8 = False  # 8-bit scalar quantisation once the corpus outgrows exact search

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, directory: Path, manifest: Manifest, create: bool = False, check: bool = True) -> Store:
        """Open (or with `create`, make) the index; refuse one built with another model
        unless `check` is off (re-embedding, which rewrites the manifest)."""
        db_path = directory / DB_NAME
        if not db_path.exists() and not create:
            raise RagError(f"no index at {directory}; build one with `rag ingest PATH --index {directory}`")
        directory.mkdir(parents=True, exist_ok=True)
        try:
            connection = _connect(db_path)
            stored = _read_manifest(connection)
            if stored is None:
                if not create:
                    raise RagError(f"index at {directory} is empty; run `rag ingest PATH` first")
                # executescript commits by itself: schema and manifest are one script-level transaction,
                # so a crash leaves either no index or a complete empty one.
                connection.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}{_manifest_sql(manifest)}COMMIT;")
            elif check:
                _check_manifest(directory, stored, manifest)
        except sqlite3.DatabaseError as exc:
            raise _corrupt(directory, exc) from None
        return cls(directory, connection, manifest)

    @classmethod
    def read_manifest(cls, directory: Path) -> Manifest | None:
        db_path = directory / DB_NAME
        if not db_path.exists():
            return None
        try:
            connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
            try:
                return _read_manifest(connection)
            finally:
                connection.close()
        except sqlite3.DatabaseError as exc:
            raise _corrupt(directory, exc) from None

    def close(self) -> None:
        self.db.close()
        self.release_lock()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- locking ---------------------------------------------------------------------------

    def acquire_lock(self, wait: bool = False) -> None:
        """Become the only writer; a second writer gets a clear message (or waits with `wait`)."""
        handle = (self.directory / LOCK_NAME).open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise IndexBusyError(
                    f"index at {self.directory} is being written by {holder}; "
                    "wait for it to finish, or pass --wait to queue behind it"
                ) from None
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._lock_handle = handle

    def release_lock(self) -> None:
        if self._lock_handle is not None:
            fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
            self._lock_handle.close()
            self._lock_handle = None

    # -- reading ---------------------------------------------------------------------------

    def generation(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def articles_by_key(self) -> dict[str, StoredArticle]:
        rows = self.db.execute(
            "SELECT id, key, doc_id, content_hash, title, source, date, url, path, duplicate_of FROM articles"
        )
        return {row[1]: StoredArticle(*row) for row in rows}

    def articles(self, ids: Sequence[int] | None = None, filters: Filters | None = None) -> list[StoredText]:
        """Articles that are not duplicates, with their text: the given ids in that order, or all
        (filtered) by date then id."""
        columns = "a.id, a.doc_id, a.title, a.source, a.date, a.url, a.text"
        if ids is not None:
            if not ids:
                return []
            marks = ",".join("?" * len(ids))
            rows = self.db.execute(f"SELECT {columns} FROM articles a WHERE a.id IN ({marks})", list(ids))
            by_id = {row[0]: StoredText(*row) for row in rows}
            return [by_id[i] for i in ids if i in by_id]
        clauses, params = _filter_sql(filters or Filters())
        rows = self.db.execute(
            f"SELECT {columns} FROM articles a WHERE a.duplicate_of IS NULL AND {clauses} "
            "ORDER BY a.date IS NULL, a.date, a.id",
            params,
        )
        return [StoredText(*row) for row in rows]

    def ids_for_doc_ids(self, doc_ids: Sequence[str]) -> list[int]:
        """Store ids of the (non-duplicate) articles with these document ids, in that order."""
        if not doc_ids:
            return []
        marks = ",".join("?" * len(doc_ids))
        rows = self.db.execute(
            f"SELECT doc_id, COALESCE(duplicate_of, id) FROM articles WHERE doc_id IN ({marks})", list(doc_ids)
        ).fetchall()
        by_doc = {doc: article_id for doc, article_id in rows}
        return list(dict.fromkeys(by_doc[d] for d in doc_ids if d in by_doc))

    def signatures(self) -> tuple[np.ndarray, np.ndarray]:
        """(article ids, MinHash signatures) of the articles that are not duplicates."""
        rows = self.db.execute("SELECT id, minhash FROM articles WHERE duplicate_of IS NULL ORDER BY id").fetchall()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        sigs = np.array([np.frombuffer(r[1], dtype=np.uint64) for r in rows], dtype=np.uint64)
        return ids, sigs.reshape(len(rows), -1) if rows else np.zeros((0, 0), dtype=np.uint64)

    def counts(self) -> dict[str, int]:
        articles, duplicates = self.db.execute("SELECT COUNT(*), COUNT(duplicate_of) FROM articles").fetchone()
        (chunks,) = self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()
        return {"articles": articles, "duplicates": duplicates, "chunks": chunks}

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.iterdir() if p.is_file())

    def hits(self, chunk_ids: Sequence[int], scores: Sequence[float] | None = None) -> list[Hit]:
        """The passages for chunk ids, in the order given, with their article's metadata."""
        if not chunk_ids:
            return []
        marks = ",".join("?" * len(chunk_ids))
        rows = self.db.execute(
            "SELECT c.id, c.article_id, a.doc_id, a.title, a.source, a.date, a.url, c.text, "
            f"c.start, c.end FROM chunks c JOIN articles a ON a.id = c.article_id "
            f"WHERE c.id IN ({marks})",
            list(chunk_ids),
        ).fetchall()
        by_id = {row[0]: row for row in rows}
        hits = []
        for position, chunk_id in enumerate(chunk_ids):
            row = by_id.get(int(chunk_id))
            if row is None:
                continue
            score = float(scores[position]) if scores is not None else 0.0
            hits.append(
                Hit(
                    chunk_id=row[0],
                    article_id=row[1],
                    doc_id=row[2],
                    title=row[3],
                    source=row[4],
                    date=row[5],
                    url=row[6],
                    text=row[7],
                    score=score,
                    start=row[8],
                    end=row[9],
                )
            )
        return hits

    def allowed_chunk_ids(self, filters: Filters) -> np.ndarray:
        clauses, params = _filter_sql(filters)
        rows = self.db.execute(
            f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {clauses}",
            params,
        ).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def lexical_search(self, match: str, k: int, filters: Filters) -> list[tuple[int, float]]:
        """FTS5 bm25 over chunk text: (chunk id, bm25) best first; `match` is an FTS5 query."""
        if not match:
            return []
        if filters.active():
            clauses, params = _filter_sql(filters)
            sql = (
                "SELECT f.rowid, bm25(chunks_fts) AS rank FROM chunks_fts f "
                "JOIN chunks c ON c.id = f.rowid JOIN articles a ON a.id = c.article_id "
                f"WHERE chunks_fts MATCH ? AND {clauses} ORDER BY rank LIMIT ?"
            )
        else:  # the joins cost three times the search itself
            sql, params = (
                "SELECT rowid, bm25(chunks_fts) AS rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?",
                [],
            )
        try:
            rows = self.db.execute(sql, [match, *params, k]).fetchall()
        except sqlite3.OperationalError:
            return []
        return [(int(r[0]), float(r[1])) for r in rows]

    def dense_search(
        self, vectors: np.ndarray, k: int, filters: Filters | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product search: (scores, chunk ids), -1 ids where fewer than k exist."""
        import faiss

        index = self.faiss_index()
        if index.ntotal == 0:
            empty = np.full((len(vectors), 0), -1, dtype=np.int64)
            return empty.astype(np.float32), empty
        params = None
        if filters is not None and filters.active():
            allowed = self.allowed_chunk_ids(filters)
            if allowed.size == 0:
                empty = np.full((len(vectors), 0), -1, dtype=np.int64)
                return empty.astype(np.float32), empty
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))  # type: ignore[call-arg]
        k = min(k, index.ntotal)
        if len(vectors) < 16:
            # One query: thread start-up costs more than the scan (3.4 ms against 1.4 ms at 17k).
            faiss.omp_set_num_threads(1)
        scores, ids = index.search(np.ascontiguousarray(vectors, dtype=np.float32), k, params=params)
        return scores, ids

    # -- the derived FAISS index ----------------------------------------------------------

    def faiss_path(self, generation: int) -> Path:
        return self.directory / f"vectors-{generation}.faiss"

    def faiss_index(self) -> faiss.Index:
        """The FAISS index matching SQLite now: loaded, or rebuilt if missing, stale or corrupt.

        Reads happen inside one read transaction, so a writer committing meanwhile cannot make
        the generation and the vectors come from different moments.
        """
        import faiss

        in_transaction = self.db.in_transaction
        if not in_transaction:
            self.db.execute("BEGIN")
        try:
            generation = self.generation()
            if self._faiss is not None and self._faiss_generation == generation:
                return self._faiss
            path = self.faiss_path(generation)
            index = None
            if path.exists():
                try:
                    index = faiss.read_index(str(path))
                except (RuntimeError, MemoryError):
                    index = None
                (count,) = self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()
                if index is not None and (index.ntotal != count or index.d != self.manifest.dimension):
                    index = None
            if index is None:
                index = self._build_faiss()
                self._save_faiss(index, generation)
            self._faiss, self._faiss_generation = index, generation
            return index
        finally:
            if not in_transaction:
                self.db.execute("COMMIT")

    def rebuild_faiss(self) -> faiss.Index:
        """Rebuild the FAISS index from the vectors in SQLite and save it (`rag ingest --rebuild`)."""
        self.db.execute("BEGIN")
        try:
            generation = self.generation()
            index = self._build_faiss()
            self._save_faiss(index, generation)
        finally:
            self.db.execute("COMMIT")
        self._faiss, self._faiss_generation = index, generation
        return index

    def _build_faiss(self) -> faiss.Index:
        """An index of the kind the corpus size calls for (see rag.vectors), from SQLite."""
        from rag import vectors

        (count,) = self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()
        spec = vectors.choose(count, self.sq8)
        training = None
        if spec.kind != "flat":
            step = max(1, count // vectors.TRAIN_SAMPLE)
            rows = self.db.execute(
                "SELECT vector FROM chunks WHERE id % ? = 0 LIMIT ?", (step, vectors.TRAIN_SAMPLE)
            ).fetchall()
            training = np.frombuffer(b"".join(r[0] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        index = vectors.empty(self.manifest.dimension, spec, training)
        batch_ids: list[int] = []
        batch_vectors: list[bytes] = []
        for chunk_id, blob in self.db.execute("SELECT id, vector FROM chunks ORDER BY id"):
            batch_ids.append(chunk_id)
            batch_vectors.append(blob)
            if len(batch_ids) >= 65536:
                self._add(index, batch_ids, batch_vectors)
                batch_ids, batch_vectors = [], []
        self._add(index, batch_ids, batch_vectors)
        return index

    def _add(self, index: faiss.Index, ids: list[int], blobs: list[bytes]) -> None:
        if ids:
            vectors = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1)
            index.add_with_ids(vectors, np.array(ids, dtype=np.int64))

    def _save_faiss(self, index: faiss.Index, generation: int) -> None:
        import faiss

        path = self.faiss_path(generation)
        temporary = path.with_suffix(f".tmp{os.getpid()}")
        faiss.write_index(index, str(temporary))
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        _fsync_dir(self.directory)
        for stale in self.directory.glob("vectors-*.faiss"):
            if stale != path:
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()

    # -- writing (caller holds the lock) --------------------------------------------------

    def write_batch(
        self,
        replace_ids: Sequence[int],
        new_articles: Sequence[tuple[Article, bytes, int | None]],
        chunks: Sequence[tuple[int, Chunk]],
        vectors: np.ndarray,
    ) -> BatchResult:
        """Atomically delete `replace_ids` and insert articles with their chunks and vectors.

        `new_articles` holds (article, minhash blob, duplicate_of); `chunks` pairs an index into
        `new_articles` with a chunk; `vectors` has one row per chunk. The result names the
        removed and added chunk ids, for keeping an in-memory FAISS index in step.
        """
        removed: list[int] = []
        with _transaction(self.db):
            if replace_ids:
                marks = ",".join("?" * len(replace_ids))
                removed = [
                    r[0]
                    for r in self.db.execute(f"SELECT id FROM chunks WHERE article_id IN ({marks})", list(replace_ids))
                ]
                self.db.execute(f"DELETE FROM articles WHERE id IN ({marks})", list(replace_ids))
            article_ids = [self._insert_article(*entry) for entry in new_articles]
            new_ids = self._insert_chunks([(article_ids[p], c) for p, c in chunks], vectors)
            embedded = [aid for aid, (_, _, dup) in zip(article_ids, new_articles, strict=True) if dup is None]
            self._mark_embedded(embedded)
            self._bump_generation()
        return BatchResult(removed, article_ids, new_ids)

    def _insert_chunks(self, chunks: Sequence[tuple[int, Chunk]], vectors: np.ndarray) -> list[int]:
        ids = []
        for (article_id, chunk), vector in zip(chunks, vectors, strict=True):
            cursor = self.db.execute(
                "INSERT INTO chunks(article_id, ordinal, start, end, text, n_tokens, vector) VALUES (?,?,?,?,?,?,?)",
                (
                    article_id,
                    chunk.ordinal,
                    chunk.start,
                    chunk.end,
                    chunk.text,
                    chunk.n_tokens,
                    np.asarray(vector, dtype=np.float32).tobytes(),
                ),
            )
            ids.append(int(cursor.lastrowid or 0))
        return ids

    def _mark_embedded(self, article_ids: Sequence[int]) -> None:
        if article_ids:
            marks = ",".join("?" * len(article_ids))
            self.db.execute(f"UPDATE articles SET embedded=1 WHERE id IN ({marks})", list(article_ids))

    def _insert_article(self, article: Article, minhash: bytes, duplicate_of: int | None) -> int:
        cursor = self.db.execute(
            "INSERT INTO articles(key, doc_id, content_hash, title, source, date, url, path, text, "
            "minhash, duplicate_of) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                article.key,
                article.doc_id,
                article.content_hash,
                article.title,
                article.source,
                article.date,
                article.url,
                article.path,
                article.text,
                minhash,
                duplicate_of,
            ),
        )
        return int(cursor.lastrowid or 0)

    def delete_articles(self, article_ids: Sequence[int]) -> list[int]:
        """Delete articles (and their chunks) atomically; returns the removed chunk ids."""
        return self.write_batch(article_ids, [], [], np.zeros((0, 0), dtype=np.float32)).removed

    def unembedded_articles(self) -> list[tuple[int, str]]:
        """(id, text) of articles that should have chunks and have none: copies whose original
        was removed, or every article after `clear_chunks`."""
        return [
            (int(r[0]), str(r[1]))
            for r in self.db.execute(
                "SELECT id, text FROM articles WHERE duplicate_of IS NULL AND embedded=0 ORDER BY id"
            )
        ]

    def add_chunks(
        self, chunks: Sequence[tuple[int, Chunk]], vectors: np.ndarray, article_ids: Sequence[int]
    ) -> list[int]:
        """Store chunks (article id, chunk) of already stored articles and mark those embedded."""
        with _transaction(self.db):
            ids = self._insert_chunks(chunks, vectors)
            self._mark_embedded(article_ids)
            self._bump_generation()
        return ids

    def clear_chunks(self) -> None:
        """Drop every chunk and vector (before re-embedding with other parameters)."""
        with _transaction(self.db):
            self.db.execute("DELETE FROM chunks")
            self.db.execute("UPDATE articles SET embedded=0 WHERE duplicate_of IS NULL")
            _write_manifest(self.db, self.manifest)
            self._bump_generation()

    def _bump_generation(self) -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def save_faiss(self, index: faiss.Index) -> None:
        """Persist an in-memory index that the caller kept in step with SQLite; one whose kind
        no longer suits the corpus size (it grew past exact search) is rebuilt instead."""
        from rag import vectors

        if vectors.spec_of(index).kind != vectors.choose(index.ntotal, self.sq8).kind:
            self.rebuild_faiss()
            return
        generation = self.generation()
        self._save_faiss(index, generation)
        self._faiss, self._faiss_generation = index, generation


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _filter_sql(filters: Filters) -> tuple[str, list[object]]:
    clauses = ["1=1"]
    params: list[object] = []
    if filters.sources:
        clauses.append(f"lower(a.source) IN ({','.join('?' * len(filters.sources))})")
        params.extend(s.lower() for s in filters.sources)
    if filters.since:
        clauses.append("a.date >= ?")
        params.append(filters.since)
    if filters.until:
        clauses.append("a.date <= ?")
        params.append(filters.until)
    return " AND ".join(clauses), params


def _read_manifest(connection: sqlite3.Connection) -> Manifest | None:
    has_meta = connection.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
    if not has_meta:
        return None
    row = connection.execute("SELECT value FROM meta WHERE key='manifest'").fetchone()
    if row is None:
        return None
    data = json.loads(row[0])
    return Manifest(
        model=data["model"],
        fingerprint=data["fingerprint"],
        dimension=int(data["dimension"]),
        chunking={k: int(v) for k, v in data["chunking"].items()},
        schema_version=int(data["schema_version"]),
    )


def _manifest_json(manifest: Manifest) -> str:
    return json.dumps(
        {
            "model": manifest.model,
            "fingerprint": manifest.fingerprint,
            "dimension": manifest.dimension,
            "chunking": manifest.chunking,
            "schema_version": manifest.schema_version,
        }
    )


def _manifest_sql(manifest: Manifest) -> str:
    quoted = _manifest_json(manifest).replace("'", "''")
    return f"INSERT OR REPLACE INTO meta(key, value) VALUES ('manifest', '{quoted}');"


def _write_manifest(connection: sqlite3.Connection, manifest: Manifest) -> None:
    value = _manifest_json(manifest)
    connection.execute(
        "INSERT INTO meta(key, value) VALUES ('manifest', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        (value,),
    )


def _check_manifest(directory: Path, stored: Manifest, wanted: Manifest) -> None:
    if stored.schema_version != wanted.schema_version:
        raise IndexMismatchError(
            f"index at {directory} has schema version {stored.schema_version}, this rag reads "
            f"{wanted.schema_version}; re-ingest into a new folder with --index"
        )
    if (stored.fingerprint, stored.dimension, stored.chunking) != (
        wanted.fingerprint,
        wanted.dimension,
        wanted.chunking,
    ):
        raise IndexMismatchError(
            f"index at {directory} was built with {stored.describe()}, but this run uses "
            f"{wanted.describe()}; run `rag ingest --reembed --index {directory}` to re-embed it"
        )


def _corrupt(directory: Path, exc: sqlite3.DatabaseError) -> RagError:
    return RagError(
        f"index database {directory / DB_NAME} is unreadable ({exc}); it is corrupted or not an "
        "index: move it aside and re-ingest your files"
    )


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
