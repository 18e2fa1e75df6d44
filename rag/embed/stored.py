"""Sentence vectors kept on disk, so that a passage sentence the reader scores is embedded once,
not once per process: the CLI's next question and a restarted server find it there.

A vector depends only on the model and the text (the ONNX model gives the same bits for a text
alone or in any batch), so the file is keyed by the model's fingerprint and each row by a hash
of the text; it lives in the model cache and serves every index. It is a cache: a file that
cannot be opened or written (read-only, locked by another process for long) is passed by, and
the vectors are computed as before. Oldest rows go first once it holds `limit` sentences.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.embed import Embedder, WrappedEmbedder

DEFAULT_LIMIT = 100_000  # about 160 MB of 384-dimension vectors


def vectors_path(cache: Path, embedder: str, fingerprint: str) -> Path:
    """The file for one embedder (its settings name: two backends of one model may differ in
    the last bit) and its weights."""
    digest = hashlib.sha256(f"{embedder}\n{fingerprint}".encode()).hexdigest()[:16]
    return cache / "sentence-vectors" / f"{digest}.sqlite"


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class StoredVectors(WrappedEmbedder):
    """An embedder that looks in its file before asking `inner`, and keeps what `inner` gives."""

    def __init__(self, inner: Embedder, path: Path, limit: int = DEFAULT_LIMIT) -> None:
        self.inner = inner
        self.path = path
        self.limit = limit
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._failed = False

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [_key(t) for t in texts]
        found = self._read(list(dict.fromkeys(keys)))
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if missing:
            made = self.inner.embed(missing)
            fresh = {_key(t): row for t, row in zip(missing, made, strict=True)}
            self._write(fresh)
            found.update(fresh)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = found[key]
        return out

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is None and not self._failed:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=0.1, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
                self._db = db
            except (OSError, sqlite3.Error):
                self._failed = True
        return self._db

    def _read(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        with self._lock:
            db = self._connection()
            if db is None or not keys:
                return {}
            try:
                rows = db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(keys))})", keys
                ).fetchall()
            except sqlite3.Error:
                return {}
        found = {bytes(k): np.frombuffer(v, dtype=np.float32) for k, v in rows}
        return {k: v for k, v in found.items() if v.shape == (self.dimension,)}

    def _write(self, vectors: dict[bytes, np.ndarray]) -> None:
        with self._lock:
            db = self._connection()
            if db is None:
                return
            try:
                db.execute("BEGIN IMMEDIATE")
                db.executemany(
                    "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                    [(k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in vectors.items()],
                )
                (last,) = db.execute("SELECT COALESCE(MAX(rowid), 0) FROM vectors").fetchone()
                db.execute("DELETE FROM vectors WHERE rowid <= ?", (last - self.limit,))
                db.execute("COMMIT")
            except sqlite3.Error:  # locked by another process past the timeout: not kept this time
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
