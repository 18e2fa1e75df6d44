"""Writes to a Qdrant store, each batch committed by one upsert of the meta point (see
rag.store.qdrant.layout): a writer killed at any moment leaves what readers see unchanged, and the
next writer (or, in local mode, the next open) removes the half-written rest."""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from rag.errors import IndexBusyError
from rag.store.manifest import Manifest, manifest_json
from rag.store.protocol import BatchResult, NewArticle
from rag.store.qdrant.connect import Connection
from rag.store.qdrant.layout import (
    DENSE,
    LEXICAL,
    META_ID,
    PAYLOAD_INDEXES,
    Commit,
    QdrantView,
    day_number,
    flag,
    names,
    state_id,
)
from rag.store.qdrant.sparse import average_length, document_vector
from rag.store.spec import StoreSpec
from rag.types import Article, Chunk

UPSERT_BATCH = 256
LEASE_SECONDS = 900.0  # a writer that has not committed for this long is taken to have died


def create_collections(client: Any, spec: StoreSpec, manifest: Manifest) -> None:
    """The three collections; the meta point is written last, so its presence means the rest exist."""
    from qdrant_client import models

    chunks, articles, meta = names(spec.collection)
    sharding = {"shard_number": spec.shards, "replication_factor": spec.replicas}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # local mode: "payload indexes have no effect", and shards
        if not client.collection_exists(chunks):
            client.create_collection(
                chunks,
                vectors_config={DENSE: models.VectorParams(size=manifest.dimension, distance=models.Distance.DOT)},
                sparse_vectors_config={LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)},
                **sharding,
            )
        if not client.collection_exists(articles):
            client.create_collection(articles, vectors_config={}, **sharding)
        for collection, fields in ((chunks, PAYLOAD_INDEXES["chunks"]), (articles, PAYLOAD_INDEXES["articles"])):
            for name, kind in fields.items():
                client.create_payload_index(collection, name, field_schema=kind)
        if not client.collection_exists(meta):
            client.create_collection(meta, vectors_config={}, replication_factor=spec.replicas)
        client.upsert(meta, [_meta_point(Commit(manifest=manifest_json(manifest)))], wait=True)


def _meta_point(commit: Commit) -> Any:
    from qdrant_client import models

    return models.PointStruct(id=META_ID, vector={}, payload=commit.payload())


def _by_ids(key: str, ids: Sequence[int]) -> Any:
    from qdrant_client import models

    return models.FilterSelector(
        filter=models.Filter(must=[models.FieldCondition(key=key, match=models.MatchAny(any=[int(i) for i in ids]))])
    )


def _above(key: str, mark: int) -> Any:
    from qdrant_client import models

    return models.FilterSelector(
        filter=models.Filter(must=[models.FieldCondition(key=key, range=models.Range(gt=mark))])
    )


def recover(client: Any, spec: StoreSpec, commit: Commit) -> Commit:
    """Remove what lies above the commit marks and finish the deletions and marks it names."""
    chunks, articles, meta = names(spec.collection)
    client.delete(chunks, points_selector=_above("chunk_id", commit.chunks_done), wait=True)
    client.delete(articles, points_selector=_above("article_id", commit.articles_done), wait=True)
    if commit.marking:
        client.set_payload(articles, payload={"embedded": True}, points=list(commit.marking), wait=True)
    if commit.replaced:
        _delete_articles(client, spec, commit.replaced)
    if commit.replaced or commit.marking:
        commit = replace(commit, replaced=(), marking=())
        client.upsert(meta, [_meta_point(commit)], wait=True)
    return commit


def _delete_articles(client: Any, spec: StoreSpec, article_ids: Sequence[int]) -> None:
    """Delete articles with their chunks; their copies become originals to embed (as the local
    store's ON DELETE SET NULL makes them)."""
    chunks, articles, _ = names(spec.collection)
    client.set_payload(
        articles,
        payload={"duplicate_of": None, "is_copy": False, "embedded": False},
        points=_by_ids("duplicate_of", article_ids),
        wait=True,
    )
    client.delete(chunks, points_selector=_by_ids("article_id", article_ids), wait=True)
    client.delete(articles, points_selector=_by_ids("article_id", article_ids), wait=True)


def take_lease(connection: Connection, meta: str, location: str, wait: bool, me: str) -> None:
    """The server's write lease, in the meta point, for the writer named `me` (one name per
    store, so that two stores of one process exclude each other too): advisory (two writers
    starting in the same instant can both take it), released on close, and taken over once it
    is stale. A writer waiting for it lets go of the client between looks."""
    while True:
        with connection.turn() as client:
            record = client.retrieve(meta, [META_ID])
            payload = (record[0].payload if record else None) or {}
            holder, since = payload.get("writer"), float(payload.get("writer_since") or 0)
            if not holder or holder == me or time.time() - since > LEASE_SECONDS:
                lease = {"writer": me, "writer_since": time.time()}
                client.set_payload(meta, payload=lease, points=[META_ID], wait=True)
                return
        if not wait:
            raise IndexBusyError(
                f"index at {location} is being written by {holder}; "
                "wait for it to finish, or pass --wait to queue behind it"
            )
        time.sleep(1.0)


def drop_lease(client: Any, meta: str, me: str) -> None:
    """Let go of the lease, unless another writer took it over meanwhile (as stale)."""
    record = client.retrieve(meta, [META_ID])
    if ((record[0].payload if record else None) or {}).get("writer") == me:
        client.set_payload(meta, payload={"writer": None, "writer_since": None}, points=[META_ID], wait=True)


class QdrantWriter:
    """The writes of one ingest run; the caller holds the store's lock."""

    def __init__(self, store: QdrantView) -> None:
        self.store = store
        self.spec = store.spec
        with store.connection.turn() as client:
            self.commit = recover(client, self.spec, store.commit())

    def write_batch(
        self,
        replace_ids: Sequence[int],
        new_articles: Sequence[NewArticle],
        chunks: Sequence[tuple[int, Chunk]],
        vectors: np.ndarray,
    ) -> BatchResult:
        commit = self.commit
        article_ids = list(range(commit.articles_done + 1, commit.articles_done + 1 + len(new_articles)))
        points = [
            _article_point(article_id, new.article, new.minhash, new.duplicate_of)
            for article_id, new in zip(article_ids, new_articles, strict=True)
        ]
        owners = [(article_ids[position], new_articles[position].article) for position, _ in chunks]
        with self.store.connection.turn() as client, self._undone_on_failure(client):
            self._upsert(client, self.store.article_points, points)
            chunk_ids, pending = self._store_chunks(client, owners, chunks, vectors)
            done = article_ids[-1] if article_ids else commit.articles_done
            self._commit(client, replace(pending, articles_done=done, replaced=tuple(int(i) for i in replace_ids)))
        return BatchResult([], article_ids, chunk_ids)

    def add_chunks(
        self, chunks: Sequence[tuple[int, Chunk]], vectors: np.ndarray, article_ids: Sequence[int]
    ) -> list[int]:
        with self.store.connection.turn() as client, self._undone_on_failure(client):
            stored = client.retrieve(self.store.article_points, sorted({a for a, _ in chunks}), with_payload=True)
            by_id = {int(r.id): r.payload for r in stored}
            owners = [(article_id, _article_of(by_id[article_id])) for article_id, _ in chunks]
            chunk_ids, pending = self._store_chunks(client, owners, chunks, vectors)
            self._commit(client, replace(pending, marking=tuple(int(i) for i in article_ids)))
        return chunk_ids

    def _store_chunks(
        self, client: Any, owners: list[tuple[int, Article]], chunks: Sequence[tuple[int, Chunk]], vectors: np.ndarray
    ) -> tuple[list[int], Commit]:
        """Chunks upserted under ids above the commit mark, and the commit that would show them."""
        commit = self.commit
        chunk_ids = list(range(commit.chunks_done + 1, commit.chunks_done + 1 + len(chunks)))
        length = commit.average_length or (average_length([c.text for _, c in chunks]) if chunks else None)
        self._upsert(client, self.store.chunks, _chunk_points(chunk_ids, owners, chunks, vectors, length or 1.0))
        done = chunk_ids[-1] if chunk_ids else commit.chunks_done
        return chunk_ids, replace(commit, chunks_done=done, average_length=length)

    def rekey(self, article_id: int, key: str) -> None:
        with self.store.connection.turn() as client:
            client.set_payload(self.store.article_points, payload={"key": key}, points=[int(article_id)], wait=True)

    def delete_articles(self, article_ids: Sequence[int]) -> None:
        with self.store.connection.turn() as client:
            self._commit(client, replace(self.commit, replaced=tuple(int(i) for i in article_ids)))

    def write_state(self, name: str, value: str) -> None:
        from qdrant_client import models

        point = models.PointStruct(id=state_id(name), vector={}, payload={"state": name, "value": value})
        with self.store.connection.turn() as client:
            client.upsert(self.store.meta, [point], wait=True)

    def clear_chunks(self) -> None:
        """Every chunk dropped and every original marked unembedded; the new manifest is written
        last, so a run killed before it clears again."""
        from qdrant_client import models

        with self.store.connection.turn() as client:
            client.delete(self.store.chunks, points_selector=models.FilterSelector(filter=models.Filter()), wait=True)
            originals = models.Filter(must=[flag("is_copy", False)])
            client.set_payload(self.store.article_points, payload={"embedded": False}, points=originals, wait=True)
            self._commit(client, replace(self.commit, manifest=manifest_json(self.store.manifest), average_length=None))

    def finish(self) -> None:
        """Nothing is kept in memory: every batch is in Qdrant when it returns."""

    @contextlib.contextmanager
    def _undone_on_failure(self, client: Any) -> Iterator[None]:
        """A batch that fails before its commit is removed at once, not at the next open: this
        process's readers of a local-mode store do not read through the commit record."""
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):
                recover(client, self.spec, self.commit)
            raise

    def _upsert(self, client: Any, collection: str, points: list[Any]) -> None:
        for first in range(0, len(points), UPSERT_BATCH):
            client.upsert(collection, points[first : first + UPSERT_BATCH], wait=True)

    def _commit(self, client: Any, commit: Commit) -> None:
        """One upsert makes the batch visible; then the deletions and marks it names are done
        and the record is cleared of them."""
        commit = replace(commit, generation=commit.generation + 1, writer_since=time.time() if commit.writer else None)
        client.upsert(self.store.meta, [_meta_point(commit)], wait=True)
        self.commit = recover(client, self.spec, commit)


def _article_point(article_id: int, article: Article, minhash: bytes, original: int | None) -> Any:
    from qdrant_client import models

    return models.PointStruct(
        id=article_id,
        vector={},
        payload={
            "article_id": article_id,
            "key": article.key,
            "content_hash": article.content_hash,
            **_labels(article),
            "path": article.path,
            "text": article.text,
            "minhash": minhash.hex(),
            "duplicate_of": original,
            "is_copy": original is not None,
            "embedded": original is None,
        },
    )


def _labels(article: Article) -> dict[str, Any]:
    """What an article's points and its chunks' points both carry: what a hit shows, and what
    the outlet and date filters read."""
    return {
        "doc_id": article.doc_id,
        "title": article.title,
        "source": article.source,
        "source_lc": article.source.lower() if article.source else None,
        "date": article.date,
        "day": day_number(article.date),
        "url": article.url,
    }


def _article_of(payload: dict[str, Any]) -> Article:
    """Enough of a stored article to label its chunks."""
    return Article(
        key=payload["key"],
        doc_id=payload["doc_id"],
        title=payload["title"],
        text="",
        content_hash=payload["content_hash"],
        source=payload.get("source"),
        date=payload.get("date"),
        url=payload.get("url"),
    )


def _chunk_points(
    chunk_ids: list[int],
    owners: list[tuple[int, Article]],
    chunks: Sequence[tuple[int, Chunk]],
    vectors: np.ndarray,
    length: float,
) -> list[Any]:
    from qdrant_client import models

    points = []
    for chunk_id, (article_id, article), (_, chunk), vector in zip(chunk_ids, owners, chunks, vectors, strict=True):
        indices, values = document_vector(chunk.text, length)
        points.append(
            models.PointStruct(
                id=chunk_id,
                vector={
                    DENSE: np.asarray(vector, dtype=np.float32).tolist(),
                    LEXICAL: models.SparseVector(indices=indices, values=values),
                },
                payload={
                    "chunk_id": chunk_id,
                    "article_id": article_id,
                    "ordinal": chunk.ordinal,
                    "start": chunk.start,
                    "end": chunk.end,
                    "n_tokens": chunk.n_tokens,
                    "text": chunk.text,
                    **_labels(article),
                },
            )
        )
    return points
