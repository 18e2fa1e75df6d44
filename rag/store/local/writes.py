"""Writes to the index database. Only a `DatabaseWriter` writes, and only the holder of the
index's write lock gets one (`Store.writer()`). Each method is one transaction that bumps the
generation, so a crash at any moment leaves either all of a batch or none of it."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence

import numpy as np

from rag.store.local.database import STATE_PREFIX
from rag.store.manifest import Manifest, write_manifest
from rag.store.protocol import BatchResult, NewArticle
from rag.types import Chunk


class DatabaseWriter:
    def __init__(self, connection: sqlite3.Connection, manifest: Manifest) -> None:
        self.connection = connection
        self.manifest = manifest

    def write_batch(
        self,
        replace_ids: Sequence[int],
        new_articles: Sequence[NewArticle],
        chunks: Sequence[tuple[int, Chunk]],
        vectors: np.ndarray,
    ) -> BatchResult:
        """Atomically delete `replace_ids` and insert articles with their chunks and vectors.

        `chunks` pairs an index into `new_articles` with a chunk; `vectors` has one row per
        chunk. The result names the removed and added chunk ids, for keeping an in-memory FAISS
        index in step.
        """
        removed: list[int] = []
        with _transaction(self.connection):
            if replace_ids:
                marks = ",".join("?" * len(replace_ids))
                removed = [
                    r[0]
                    for r in self.connection.execute(
                        f"SELECT id FROM chunks WHERE article_id IN ({marks})", list(replace_ids)
                    )
                ]
                self.connection.execute(f"DELETE FROM articles WHERE id IN ({marks})", list(replace_ids))
            article_ids = [self._insert_article(new) for new in new_articles]
            new_ids = self._insert_chunks([(article_ids[p], c) for p, c in chunks], vectors)
            embedded = [aid for aid, new in zip(article_ids, new_articles, strict=True) if new.duplicate_of is None]
            self._mark_embedded(embedded)
            self._bump_generation()
        return BatchResult(removed, article_ids, new_ids)

    def _insert_chunks(self, chunks: Sequence[tuple[int, Chunk]], vectors: np.ndarray) -> list[int]:
        ids = []
        for (article_id, chunk), vector in zip(chunks, vectors, strict=True):
            cursor = self.connection.execute(
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
            self.connection.execute(f"UPDATE articles SET embedded=1 WHERE id IN ({marks})", list(article_ids))

    def _insert_article(self, new: NewArticle) -> int:
        article = new.article
        cursor = self.connection.execute(
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
                new.minhash,
                new.duplicate_of,
            ),
        )
        return int(cursor.lastrowid or 0)

    def rekey(self, article_id: int, key: str) -> None:
        """Give a stored article a new key (its identity's format changed); nothing else moves."""
        with _transaction(self.connection):
            self.connection.execute("UPDATE articles SET key=? WHERE id=?", (key, article_id))

    def delete_articles(self, article_ids: Sequence[int]) -> list[int]:
        """Delete articles (and their chunks) atomically; returns the removed chunk ids."""
        return self.write_batch(article_ids, [], [], np.zeros((0, 0), dtype=np.float32)).removed

    def add_chunks(
        self, chunks: Sequence[tuple[int, Chunk]], vectors: np.ndarray, article_ids: Sequence[int]
    ) -> list[int]:
        """Store chunks (article id, chunk) of already stored articles and mark those embedded."""
        with _transaction(self.connection):
            ids = self._insert_chunks(chunks, vectors)
            self._mark_embedded(article_ids)
            self._bump_generation()
        return ids

    def write_state(self, name: str, value: str) -> None:
        with _transaction(self.connection):
            self.connection.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (STATE_PREFIX + name, value),
            )

    def clear_chunks(self) -> None:
        """Drop every chunk and vector (before re-embedding with other parameters)."""
        with _transaction(self.connection):
            self.connection.execute("DELETE FROM chunks")
            self.connection.execute("UPDATE articles SET embedded=0 WHERE duplicate_of IS NULL")
            write_manifest(self.connection, self.manifest)
            self._bump_generation()

    def _bump_generation(self) -> None:
        self.connection.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        # SQLite has already rolled back after some errors (a full disk): then there is nothing
        # to undo, and the original error is the one to report.
        if connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
        raise
