"""The `qdrant` store: an index held in Qdrant collections through the official qdrant-client,
on a server or cluster (`qdrant+http://HOST:6333/COLLECTION`) or in the client's local mode in a
folder (`qdrant:PATH`). Articles and chunks live in payloads; no second database is needed.
The layout and how a batch commits: rag.store.qdrant.layout."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

import rag.store.qdrant.layout as layout
import rag.store.qdrant.scans as scans
from rag.errors import RagError
from rag.store.filters import Filters
from rag.store.lock import WriteLock
from rag.store.manifest import Manifest, check_manifest, manifest_from_json
from rag.store.protocol import ArticleRecord, ArticleSummary, IndexFigures, StoredArticle, StoredText
from rag.store.qdrant.connect import CONNECTIONS, Connection
from rag.store.qdrant.folder import FolderBusy, busy_message, is_local_storage
from rag.store.qdrant.layout import DENSE, LEXICAL, META_ID, Commit
from rag.store.qdrant.sparse import query_vector
from rag.store.spec import StoreSpec
from rag.types import Hit

PAGE = 1024


class QdrantStore:
    """Use `QdrantStore.open(spec, manifest)`; close it when done."""

    def __init__(
        self,
        spec: StoreSpec,
        connection: Connection,
        manifest: Manifest,
        deferred: tuple[bool, str | None] | None = None,
    ) -> None:
        self.spec = spec
        self.connection = connection
        self.manifest = manifest
        self.chunks, self.article_points, self.meta = layout.names(spec.collection)
        # A server's readers may see a batch being written, so they read through the commit
        # record; local mode's one client takes turns and recovers when opened, so it need not.
        self.guarded = not connection.local
        self._file_lock = WriteLock(spec.path) if spec.path is not None else None
        self._lease = False
        self._writer = f"pid {os.getpid()} on {socket.gethostname()} ({secrets.token_hex(3)})"
        self._deferred = deferred  # (check, api key) of a writer that connects when it takes the lock
        self._closed = False
        self._newest: dict[tuple[int, Filters], str | None] = {}

    @classmethod
    def open(
        cls, spec: StoreSpec, manifest: Manifest, create: bool = False, check: bool = True, api_key: str | None = None
    ) -> QdrantStore:
        if create and spec.path is not None:
            try:
                spec.path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RagError(
                    f"cannot create the Qdrant folder {spec.path} ({exc.strerror}); choose another"
                ) from None
        try:
            connection = CONNECTIONS.connect(spec, create, api_key)
        except FolderBusy:
            if not create or spec.path is None:
                raise
            # A writer turned away by another process waits for the folder (or says who holds it)
            # when it takes the lock, as it would for the lock itself.
            refused = Connection.refused(str(spec.path), busy_message(spec.path, writing=False))
            return cls(spec, refused, manifest, deferred=(check, api_key))
        store = cls(spec, connection, manifest)
        try:
            store._prepare(create, check)
        except BaseException:
            store.close()
            raise
        return store

    @staticmethod
    def read_manifest(spec: StoreSpec, api_key: str | None = None) -> Manifest | None:
        if spec.path is not None and not is_local_storage(spec.path):
            return None
        connection = CONNECTIONS.connect(spec, False, api_key)
        try:
            with connection.turn() as client:
                meta = layout.names(spec.collection)[2]
                if not client.collection_exists(meta):
                    return None
                record = client.retrieve(meta, [META_ID])
            stored = Commit.of(record[0].payload if record else None).manifest
            return manifest_from_json(stored) if stored else None
        finally:
            CONNECTIONS.release(connection)

    def _prepare(self, create: bool, check: bool) -> None:
        from rag.store.qdrant.writes import create_collections, recover

        with self.connection.turn() as client:
            exists = client.collection_exists(self.meta)
            if not exists:
                if not create:
                    raise RagError(
                        f"no index at {self.location}; build one with `rag ingest PATH --store {self.location}`"
                    )
                create_collections(client, self.spec, self.manifest)
            stored = self.stored_manifest()
            if stored is None:
                raise RagError(f"index at {self.location} is empty; run `rag ingest PATH --store {self.location}`")
            if check:
                check_manifest(self.location, stored, self.manifest, f"--store {self.location}")
            if self.connection.local and self.connection.users == 1:
                recover(client, self.spec, self.commit())

    @property
    def location(self) -> str:
        return self.spec.describe()

    def close(self) -> None:
        if self._closed:
            return
        self.release_lock()
        self._closed = True
        CONNECTIONS.release(self.connection)

    def __enter__(self) -> QdrantStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    def acquire_lock(self, wait: bool = False) -> None:
        """In local mode, the folder (which one process at a time may open) and then the write
        lock among this process's stores; on a server, the write lease in the meta point. With
        `wait`, each is waited for; without, the writer holding it is named."""
        from rag.store.qdrant.writes import take_lease

        if self._deferred is not None:
            check, api_key = self._deferred
            self.connection = CONNECTIONS.connect(self.spec, True, api_key, wait=wait)
            self._deferred = None
            self._prepare(True, check)
        if self._file_lock is not None:
            self._file_lock.acquire(wait)
        elif not self._lease:
            take_lease(self.connection, self.meta, self.location, wait, self._writer)
            self._lease = True

    def release_lock(self) -> None:
        from rag.store.qdrant.writes import drop_lease

        if self._file_lock is not None:
            self._file_lock.release()
        elif self._lease:
            with self.connection.turn() as client:
                drop_lease(client, self.meta, self._writer)
            self._lease = False

    @property
    def lock_held(self) -> bool:
        return self._file_lock.held if self._file_lock is not None else self._lease

    def begin_writes(self) -> Any:
        from rag.store.qdrant.writes import QdrantWriter

        if not self.lock_held:
            raise RuntimeError("writing to the index needs its write lock: call acquire_lock() first")
        return QdrantWriter(self)

    def rebuild_vectors(self) -> None:
        """Nothing to rebuild: Qdrant keeps its own vector index in step with every write."""

    # -- the commit record -------------------------------------------------------------------

    def commit(self) -> Commit:
        with self.connection.turn() as client:
            record = client.retrieve(self.meta, [META_ID])
        return Commit.of(record[0].payload if record else None)

    def stored_manifest(self) -> Manifest | None:
        stored = self.commit().manifest
        return manifest_from_json(stored) if stored else None

    def read_state(self, name: str) -> str | None:
        with self.connection.turn() as client:
            record = client.retrieve(self.meta, [layout.state_id(name)], with_payload=True)
        return str(record[0].payload["value"]) if record and record[0].payload else None

    def chunk_filter(self, commit: Commit, filters: Filters | None = None) -> Any:
        return layout.visible(commit, "chunk_id", commit.chunks_done, filters, guarded=self.guarded)

    def article_filter(self, commit: Commit, filters: Filters | None = None, originals: bool = False) -> Any:
        return layout.visible(commit, "article_id", commit.articles_done, filters, originals, self.guarded)

    def scroll(
        self, collection: str, condition: Any, fields: Sequence[str] | bool, vectors: bool = False
    ) -> Iterator[Any]:
        """Every point of `collection` the condition allows, a page at a time."""
        offset = None
        while True:
            with self.connection.turn() as client:
                points, offset = client.scroll(
                    collection,
                    scroll_filter=condition,
                    limit=PAGE,
                    offset=offset,
                    with_payload=list(fields) if isinstance(fields, Sequence) else fields,
                    with_vectors=[DENSE] if vectors else False,
                )
            yield from points
            if offset is None:
                return

    # -- searching ---------------------------------------------------------------------------

    def dense_search(
        self, vectors: np.ndarray, k: int, filters: Filters | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        condition = self.chunk_filter(self.commit(), filters)
        scores = np.full((len(vectors), k), -np.inf, dtype=np.float32)
        ids = np.full((len(vectors), k), -1, dtype=np.int64)
        for row, vector in enumerate(vectors):
            with self.connection.turn() as client:
                found = client.query_points(
                    self.chunks, query=vector.astype(float).tolist(), using=DENSE, limit=k, query_filter=condition
                ).points
            for column, point in enumerate(found):
                scores[row, column], ids[row, column] = point.score, int(point.id)
        width = max((int((ids[r] >= 0).sum()) for r in range(len(vectors))), default=0)
        return scores[:, :width], ids[:, :width]

    def lexical_search(self, query: str, k: int, filters: Filters) -> list[tuple[int, float]]:
        from qdrant_client import models

        indices, values = query_vector(query)
        if not indices:
            return []
        with self.connection.turn() as client:
            found = client.query_points(
                self.chunks,
                query=models.SparseVector(indices=indices, values=values),
                using=LEXICAL,
                limit=k,
                query_filter=self.chunk_filter(self.commit(), filters),
            ).points
        return [(int(p.id), float(p.score)) for p in found if p.score > 0]

    def hits(self, chunk_ids: Sequence[int], scores: Sequence[float] | None = None) -> list[Hit]:
        if not chunk_ids:
            return []
        with self.connection.turn() as client:
            records = client.retrieve(self.chunks, [int(i) for i in chunk_ids], with_payload=True)
        by_id = {int(r.id): r.payload or {} for r in records}
        hits = []
        for position, chunk_id in enumerate(chunk_ids):
            payload = by_id.get(int(chunk_id))
            if payload is None:
                continue
            hits.append(
                Hit(
                    chunk_id=int(chunk_id),
                    article_id=int(payload["article_id"]),
                    doc_id=payload["doc_id"],
                    title=payload["title"],
                    source=payload.get("source"),
                    date=payload.get("date"),
                    url=payload.get("url"),
                    text=payload["text"],
                    score=float(scores[position]) if scores is not None else 0.0,
                    start=int(payload["start"]),
                    end=int(payload["end"]),
                )
            )
        return hits

    def newest_date(self, filters: Filters | None = None) -> str | None:
        filters = filters or Filters()
        commit = self.commit()
        key = (commit.generation, filters)
        if key not in self._newest:
            if len(self._newest) > 64:
                self._newest.clear()
            dates = [
                p.payload.get("date")
                for p in self.scroll(self.article_points, self.article_filter(commit, filters, True), ["date"])
            ]
            self._newest[key] = max((d for d in dates if d), default=None)
        return self._newest[key]

    # -- articles ----------------------------------------------------------------------------

    def _stored_text(self, payload: dict[str, Any]) -> StoredText:
        return StoredText(
            int(payload["article_id"]),
            payload["doc_id"],
            payload["title"],
            payload.get("source"),
            payload.get("date"),
            payload.get("url"),
            payload["text"],
        )

    def articles(self, ids: Sequence[int] | None = None, filters: Filters | None = None) -> list[StoredText]:
        commit = self.commit()
        if ids is not None:
            if not ids:
                return []
            with self.connection.turn() as client:
                records = client.retrieve(self.article_points, [int(i) for i in ids], with_payload=True)
            by_id = {int(r.id): self._stored_text(r.payload) for r in records if self._readable(commit, r.payload)}
            return [by_id[i] for i in ids if i in by_id]
        found = [
            self._stored_text(p.payload)
            for p in self.scroll(self.article_points, self.article_filter(commit, filters, True), True)
        ]
        return sorted(found, key=lambda a: (a.date is None, a.date or "", a.id))

    def _readable(self, commit: Commit, payload: dict[str, Any] | None) -> bool:
        if payload is None:
            return False
        if not self.guarded:
            return True
        return int(payload["article_id"]) <= commit.articles_done and int(payload["article_id"]) not in commit.replaced

    def all_articles(self, fields: Sequence[str] | bool, originals: bool = False) -> Iterator[dict[str, Any]]:
        for point in self.scroll(self.article_points, self.article_filter(self.commit(), None, originals), fields):
            yield point.payload

    def ids_for_doc_ids(self, doc_ids: Sequence[str]) -> list[int]:
        return scans.ids_for_doc_ids(self, doc_ids)

    def articles_by_key(self) -> dict[str, StoredArticle]:
        return scans.articles_by_key(self)

    def signatures(self) -> tuple[np.ndarray, np.ndarray]:
        return scans.signatures(self)

    def chunk_vectors(self, article_ids: Sequence[int]) -> list[tuple[int, int, int, np.ndarray]]:
        return scans.chunk_vectors(self, article_ids)

    def unembedded_articles(self) -> list[tuple[int, str]]:
        return scans.unembedded_articles(self)

    def unembedded_count(self) -> int:
        return scans.unembedded_count(self)

    def article_record(self, doc_id: str) -> ArticleRecord | None:
        from rag.store.qdrant.pages import article_record

        return article_record(self, doc_id)

    def article_list(self, query: str | None, filters: Filters, limit: int) -> list[ArticleSummary]:
        from rag.store.qdrant.pages import article_list

        return article_list(self, query, filters, limit)

    def sources(self) -> list[str]:
        return sorted({p["source"] for p in self.all_articles(["source"], True) if p.get("source")})

    def counts(self) -> dict[str, int]:
        commit = self.commit()
        articles = self.article_filter(commit)
        originals = layout.narrowed(articles, layout.flag("is_copy", False))
        return {
            "articles": self.count(self.article_points, articles),
            "duplicates": self.count(self.article_points, layout.narrowed(articles, layout.flag("is_copy", True))),
            "chunks": self.count(self.chunks, self.chunk_filter(commit)),
            "undated": self.count(self.article_points, layout.narrowed(originals, layout.no_date())),
        }

    def count(self, collection: str, condition: Any) -> int:
        with self.connection.turn() as client:
            return int(client.count(collection, count_filter=condition, exact=True).count)

    def figures(self) -> IndexFigures:
        size = sum(p.stat().st_size for p in self.spec.path.rglob("*") if p.is_file()) if self.spec.path else None
        counts = self.counts()
        return IndexFigures(
            articles=counts["articles"],
            duplicates=counts["duplicates"],
            chunks=counts["chunks"],
            model=self.manifest.fingerprint,
            dimension=self.manifest.dimension,
            chunking=self.manifest.chunking,
            bytes=size,
            index=self.location,
            store="qdrant",
            shards=self.spec.shards,
            replicas=self.spec.replicas,
        )
