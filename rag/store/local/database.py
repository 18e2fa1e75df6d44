"""The index database: SQLite is the source of truth for articles, chunks, their vectors and
the FTS5 table over chunk text, with a manifest of what the vectors mean.

Every write bumps the generation inside its transaction, so anything derived from the vectors
(the FAISS file) can tell whether it is current.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import RagError, database_problem
from rag.store.filters import Filters, filter_sql
from rag.store.local import connection as connections
from rag.store.manifest import Manifest, check_manifest, manifest_sql, read_manifest
from rag.store.protocol import StoredArticle, StoredText
from rag.types import Hit

DB_NAME = "rag.sqlite"
FTS_TABLE = "chunks_fts"
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"

_SCHEMA = f"""
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
    text, content='chunks', content_rowid='id', tokenize='{FTS_TOKENIZE}'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
"""


def _connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode; a reader (`read_only`) of a database it cannot write
    opens it read-only, as rag.store.local.connection tells."""
    return connections.connect(path, read_only=read_only and not _writable(path))


def _writable(path: Path) -> bool:
    return connections.writable(path)


STATE_PREFIX = "state:"  # meta keys of named state (rag.store.protocol.StoreWriter.write_state)


class Database:
    """An open index database. Reads may run anywhere; writes need the index's write lock."""

    def __init__(self, path: Path, connection: sqlite3.Connection, manifest: Manifest) -> None:
        self.path = path
        self.connection = connection
        self.manifest = manifest
        self._newest: dict[tuple[int, Filters], str | None] = {}

    @classmethod
    def open(cls, directory: Path, manifest: Manifest, create: bool = False, check: bool = True) -> Database:
        """Open (or with `create`, make) the database; refuse one built with another model
        unless `check` is off (re-embedding, which rewrites the manifest)."""
        path = directory / DB_NAME
        if not path.exists() and not create:
            raise RagError(f"no index at {directory}; build one with `rag ingest PATH --index {directory}`")
        try:
            connection = _connect(path, read_only=not create)
            stored = read_manifest(connection)
            if stored is None:
                if not create:
                    raise RagError(f"index at {directory} is empty; run `rag ingest PATH` first")
                # executescript commits by itself: schema and manifest are one script-level transaction,
                # so a crash leaves either no index or a complete empty one.
                connection.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}{manifest_sql(manifest)}COMMIT;")
            elif check:
                check_manifest(directory, stored, manifest)
        except sqlite3.DatabaseError as exc:
            raise corrupt(directory, exc) from None
        return cls(path, connection, manifest)

    @staticmethod
    def manifest_at(directory: Path) -> Manifest | None:
        path = directory / DB_NAME
        if not path.exists():
            return None
        try:
            connection = _connect(path, read_only=True)
            try:
                return read_manifest(connection)
            finally:
                connection.close()
        except sqlite3.DatabaseError as exc:
            raise corrupt(directory, exc) from None

    def close(self) -> None:
        self.connection.close()

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        """A raw read, for checks and tests."""
        return self.connection.execute(sql, parameters)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: a writer committing meanwhile is not seen until it ends."""
        if self.connection.in_transaction:
            yield
            return
        self.connection.execute("BEGIN")
        try:
            yield
        finally:
            self.connection.execute("COMMIT")

    # -- reading ---------------------------------------------------------------------------

    def generation(self) -> int:
        row = self.connection.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def articles_by_key(self) -> dict[str, StoredArticle]:
        rows = self.connection.execute(
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
            rows = self.connection.execute(f"SELECT {columns} FROM articles a WHERE a.id IN ({marks})", list(ids))
            by_id = {row[0]: StoredText(*row) for row in rows}
            return [by_id[i] for i in ids if i in by_id]
        clauses, params = filter_sql(filters or Filters())
        rows = self.connection.execute(
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
        rows = self.connection.execute(
            f"SELECT doc_id, COALESCE(duplicate_of, id) FROM articles WHERE doc_id IN ({marks})", list(doc_ids)
        ).fetchall()
        by_doc = {doc: article_id for doc, article_id in rows}
        return list(dict.fromkeys(by_doc[d] for d in doc_ids if d in by_doc))

    def signatures(self) -> tuple[np.ndarray, np.ndarray]:
        """(article ids, MinHash signatures) of the articles that are not duplicates."""
        rows = self.connection.execute(
            "SELECT id, minhash FROM articles WHERE duplicate_of IS NULL ORDER BY id"
        ).fetchall()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        sigs = np.array([np.frombuffer(r[1], dtype=np.uint64) for r in rows], dtype=np.uint64)
        return ids, sigs.reshape(len(rows), -1) if rows else np.zeros((0, 0), dtype=np.uint64)

    def counts(self) -> dict[str, int]:
        articles, duplicates, undated = self.connection.execute(
            "SELECT COUNT(*), COUNT(duplicate_of), COUNT(*) FILTER (WHERE date IS NULL AND duplicate_of IS NULL) "
            "FROM articles"
        ).fetchone()
        (chunks,) = self.connection.execute("SELECT COUNT(*) FROM chunks").fetchone()
        return {"articles": articles, "duplicates": duplicates, "chunks": chunks, "undated": undated}

    def hits(self, chunk_ids: Sequence[int], scores: Sequence[float] | None = None) -> list[Hit]:
        """The passages for chunk ids, in the order given, with their article's metadata."""
        if not chunk_ids:
            return []
        marks = ",".join("?" * len(chunk_ids))
        rows = self.connection.execute(
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
        clauses, params = filter_sql(filters)
        rows = self.connection.execute(
            f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {clauses}",
            params,
        ).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def lexical_search(self, match: str, k: int, filters: Filters) -> list[tuple[int, float]]:
        """FTS5 bm25 over chunk text: (chunk id, bm25) best first; `match` is an FTS5 query."""
        if not match:
            return []
        if filters.active():
            clauses, params = filter_sql(filters)
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
        # A failure here is a damaged index, not "no results": it reaches the user as an error.
        rows = self.connection.execute(sql, [match, *params, k]).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]

    def unembedded_articles(self) -> list[tuple[int, str]]:
        """(id, text) of articles that should have chunks and have none: copies whose original
        was removed, or every article after `clear_chunks`."""
        return [
            (int(r[0]), str(r[1]))
            for r in self.connection.execute(
                "SELECT id, text FROM articles WHERE duplicate_of IS NULL AND embedded=0 ORDER BY id"
            )
        ]

    def newest_date(self, filters: Filters | None = None) -> str | None:
        """The date of the newest (dated) article the filters allow; kept until the index
        changes, since every question that names a period asks for it (a scan of the articles)."""
        filters = filters or Filters()
        with self.snapshot():
            key = (self.generation(), filters)
            if key in self._newest:
                return self._newest[key]
            clauses, params = filter_sql(filters)
            (newest,) = self.connection.execute(
                f"SELECT MAX(a.date) FROM articles a WHERE a.duplicate_of IS NULL AND {clauses}", params
            ).fetchone()
        if len(self._newest) > 64:
            self._newest.clear()
        self._newest[key] = str(newest) if newest else None
        return self._newest[key]

    def unembedded_count(self) -> int:
        (count,) = self.connection.execute(
            "SELECT COUNT(*) FROM articles WHERE duplicate_of IS NULL AND embedded=0"
        ).fetchone()
        return int(count)

    def read_state(self, name: str) -> str | None:
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (STATE_PREFIX + name,)).fetchone()
        return str(row[0]) if row else None

    def stored_manifest(self) -> Manifest | None:
        """The manifest as written in the database (which `manifest` may differ from while
        re-embedding)."""
        return read_manifest(self.connection)

    def chunk_count(self) -> int:
        (count,) = self.connection.execute("SELECT COUNT(*) FROM chunks").fetchone()
        return int(count)

    def vector_sample(self, size: int) -> np.ndarray:
        """About `size` vectors spread over the corpus (for training inverted lists)."""
        step = max(1, self.chunk_count() // size)
        rows = self.connection.execute("SELECT vector FROM chunks WHERE id % ? = 0 LIMIT ?", (step, size)).fetchall()
        return np.frombuffer(b"".join(r[0] for r in rows), dtype=np.float32).reshape(len(rows), -1)

    def vector_sample_by_id(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, vectors) of up to `size` chunks spread over the id range."""
        rows = self.connection.execute(
            "SELECT id, vector FROM chunks WHERE id IN (SELECT MIN(id) FROM chunks UNION SELECT MAX(id) FROM chunks) "
            "OR id % ? = 0 LIMIT ?",
            (max(1, self.chunk_count() // size), size),
        ).fetchall()
        return _as_batch([r[0] for r in rows], [r[1] for r in rows])

    def chunk_vectors(self, article_ids: Sequence[int]) -> list[tuple[int, int, int, np.ndarray]]:
        """(article id, start, end, vector) of every chunk of the given articles."""
        rows: list[tuple[int, int, int, np.ndarray]] = []
        for first in range(0, len(article_ids), 500):
            batch = list(article_ids[first : first + 500])
            marks = ",".join("?" * len(batch))
            for article_id, start, end, blob in self.connection.execute(
                f"SELECT article_id, start, end, vector FROM chunks WHERE article_id IN ({marks}) ORDER BY id", batch
            ):
                rows.append((article_id, start, end, np.frombuffer(blob, dtype=np.float32)))
        return rows

    def vector_batches(self, size: int = 65536) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(chunk ids, vectors) of every chunk, in id order, `size` at a time."""
        ids: list[int] = []
        blobs: list[bytes] = []
        for chunk_id, blob in self.connection.execute("SELECT id, vector FROM chunks ORDER BY id"):
            ids.append(chunk_id)
            blobs.append(blob)
            if len(ids) >= size:
                yield _as_batch(ids, blobs)
                ids, blobs = [], []
        if ids:
            yield _as_batch(ids, blobs)


def _as_batch(ids: list[int], blobs: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    vectors = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1)
    return np.array(ids, dtype=np.int64), vectors


def corrupt(directory: Path, exc: sqlite3.DatabaseError) -> RagError:
    return RagError(database_problem(exc, directory / DB_NAME))
