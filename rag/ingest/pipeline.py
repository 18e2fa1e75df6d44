"""Ingest: read files, skip what is unchanged, record near-duplicates, chunk, embed, store.

Work is committed a batch at a time, each batch one transaction of the store holding whole
articles with all their chunks, so an ingest killed at any moment keeps what it finished and a rerun
does only the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from rag.embed import Embedder
from rag.ingest import dedupe
from rag.ingest.articles import ReadResult, Skipped
from rag.ingest.chunk import ChunkParams, chunk_text
from rag.ingest.files import read_paths
from rag.store.manifest import Manifest, same_vectors
from rag.store.protocol import IndexStore, NewArticle, StoredArticle
from rag.text import number_tokens
from rag.types import Article, Chunk

BATCH_CHUNKS = 256

Progress = Callable[[int, int], None]
"""Called with (chunks embedded so far, articles read so far)."""


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    pruned: int = 0
    chunks: int = 0
    seconds: float = 0.0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate_pairs: list[tuple[str, str]] = field(default_factory=list)
    revised: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (doc_id, date before, after)
    outlets: set[str] = field(default_factory=set)  # of the articles added or changed

    @property
    def ingested_anything(self) -> bool:
        return bool(self.added or self.updated or self.duplicates or self.unchanged)


def manifest_for(embedder: Embedder, params: ChunkParams) -> Manifest:
    return Manifest(
        model=embedder.name,
        fingerprint=embedder.fingerprint(),
        dimension=embedder.dimension,
        chunking={**params.as_dict(), "max_tokens": embedder.max_tokens},
    )


@dataclass(frozen=True)
class Prepared:
    """An article's chunks and their vectors, made elsewhere (by Ray workers)."""

    chunks: tuple[Chunk, ...]
    vectors: np.ndarray


@dataclass
class _Pending:
    replace_ids: list[int] = field(default_factory=list)
    articles: list[NewArticle] = field(default_factory=list)
    chunks: list[tuple[int, Chunk]] = field(default_factory=list)
    vectors: list[np.ndarray | None] = field(default_factory=list)  # per chunk, when prepared


class _Writer:
    """One ingest run: the open index, its in-memory FAISS copy and the duplicate signatures.

    Signatures of articles not yet written carry provisional negative ids; a copy of such an
    article forces a flush first, so `duplicate_of` always names a stored article.
    """

    def __init__(self, store: IndexStore, embedder: Embedder, params: ChunkParams, progress: Progress | None) -> None:
        self.store = store
        self.writes = store.begin_writes()
        self.embedder = embedder
        self.params = params
        self.progress = progress
        self.known = store.articles_by_key()
        self.doc_ids = {a.id: a.doc_id for a in self.known.values()}
        self.sig_ids, self.sigs = store.signatures()
        self.pending = _Pending()
        self.embedded = 0
        self.seen = 0

    def offer(self, article: Article, report: IngestReport, prepared: Prepared | None = None) -> None:
        self.seen += 1
        previous = self.known.get(article.key) or self._legacy(article)
        if previous is not None and previous.content_hash == article.content_hash:
            if previous.key != article.key:
                self._rekey(previous, article.key)
            report.unchanged += 1
            return
        if previous is not None and previous.id in self.pending.replace_ids:
            return  # the same key twice in one run: the first one wins
        signature = dedupe.signature(article.text)
        original = self._original_of(signature, previous.id if previous else None)
        if original is not None and original < 0:
            self.flush(report)
            original = self._original_of(signature, previous.id if previous else None)
        if original is not None and not number_tokens(article.text) <= number_tokens(self._text_of(original)):
            # A copy that gives another number (a toll, an amount, a date) is a version of the
            # story, not a duplicate: its difference is what a reader must be able to find. A
            # byline or an outlet's name may differ in a copy; a figure may not.
            original = None
        if previous is not None:
            self.pending.replace_ids.append(previous.id)
            report.updated += 1
            report.revised.append((article.doc_id, previous.date, article.date))
        elif original is None:
            report.added += 1
        if original is not None:
            report.duplicates += 1
            report.duplicate_pairs.append((article.doc_id, self.doc_ids.get(original, "?")))
        if article.source:
            report.outlets.add(article.source)
        position = len(self.pending.articles)
        self.pending.articles.append(NewArticle(article, dedupe.to_blob(signature), original))
        if original is None:
            self._add_signature(-(position + 1), signature)
            if prepared is None:
                chunks = tuple(chunk_text(article.text, self.embedder, self.params))
                self.pending.vectors.extend([None] * len(chunks))
            else:
                chunks = prepared.chunks
                self.pending.vectors.extend(prepared.vectors)
            self.pending.chunks.extend((position, chunk) for chunk in chunks)
        if len(self.pending.chunks) >= BATCH_CHUNKS:
            self.flush(report)

    def _text_of(self, article_id: int) -> str:
        stored = self.store.articles([article_id])
        return stored[0].text if stored else ""

    def _legacy(self, article: Article) -> StoredArticle | None:
        """The same JSONL record stored under the key earlier versions gave it (`id:ID`, without
        its file), so that upgrading does not re-embed or duplicate it."""
        stored = self.known.get(f"id:{article.doc_id}")
        return stored if stored is not None and stored.path == article.path else None

    def _rekey(self, stored: StoredArticle, key: str) -> None:
        self.writes.rekey(stored.id, key)
        del self.known[stored.key]
        self.known[key] = replace(stored, key=key)

    def _original_of(self, signature: np.ndarray, replacing: int | None) -> int | None:
        if self.sigs.size == 0:
            return None
        similarity = dedupe.similarity(signature, self.sigs)
        if replacing is not None:
            similarity[self.sig_ids == replacing] = 0.0
        best = int(np.argmax(similarity))
        return int(self.sig_ids[best]) if similarity[best] >= dedupe.DUPLICATE_SIMILARITY else None

    def _add_signature(self, article_id: int, signature: np.ndarray) -> None:
        self.sig_ids = np.append(self.sig_ids, np.int64(article_id))
        row = signature[None, :]
        self.sigs = row if self.sigs.size == 0 else np.vstack([self.sigs, row])

    def _drop_signatures(self, article_ids: list[int]) -> None:
        if self.sigs.size:
            keep = ~np.isin(self.sig_ids, article_ids)
            self.sig_ids, self.sigs = self.sig_ids[keep], self.sigs[keep]

    def flush(self, report: IngestReport) -> None:
        pending, self.pending = self.pending, _Pending()
        if not (pending.articles or pending.replace_ids):
            return
        vectors = self._vectors(pending)
        result = self.writes.write_batch(pending.replace_ids, pending.articles, pending.chunks, vectors)
        report.chunks += len(result.chunk_ids)
        self.embedded += len(result.chunk_ids)
        self._drop_signatures(pending.replace_ids)
        provisional = self.sig_ids < 0
        self.sig_ids[provisional] = [result.article_ids[-i - 1] for i in self.sig_ids[provisional]]
        self._remember(pending, result.article_ids)
        if self.progress:
            self.progress(self.embedded, self.seen)

    def _vectors(self, pending: _Pending) -> np.ndarray:
        """The batch's vectors: those prepared elsewhere, the rest embedded here."""
        missing = [i for i, vector in enumerate(pending.vectors) if vector is None]
        embedded = self.embedder.embed([pending.chunks[i][1].text for i in missing])
        vectors = np.zeros((len(pending.chunks), self.embedder.dimension), dtype=np.float32)
        for i, vector in enumerate(pending.vectors):
            if vector is not None:
                vectors[i] = vector
        if missing:
            vectors[missing] = embedded
        return vectors

    def _remember(self, pending: _Pending, article_ids: list[int]) -> None:
        """Keep the key → article map in step without rereading the whole table."""
        replaced = set(pending.replace_ids)
        for key in [k for k, a in self.known.items() if a.id in replaced]:
            del self.known[key]
        for new, article_id in zip(pending.articles, article_ids, strict=True):
            article = new.article
            self.known[article.key] = StoredArticle(
                article_id,
                article.key,
                article.doc_id,
                article.content_hash,
                article.title,
                article.source,
                article.date,
                article.url,
                article.path,
                new.duplicate_of,
            )
            self.doc_ids[article_id] = article.doc_id

    def prune(self, present_keys: set[str], complete_files: set[str], report: IngestReport) -> None:
        """Remove articles whose file no longer exists, and records no longer in a file that was
        read to the end without errors (a line removed from a JSONL file)."""
        gone = [
            a.id
            for key, a in self.known.items()
            if key not in present_keys and a.path and (a.path in complete_files or not Path(a.path).exists())
        ]
        if gone:
            self.writes.delete_articles(gone)
            self._drop_signatures(gone)
            report.pruned += len(gone)

    def embed_unembedded(self, report: IngestReport) -> None:
        """Embed stored articles that have no chunks yet: copies whose original was removed,
        or everything after `clear_chunks`."""
        batch: list[tuple[int, Chunk]] = []
        articles: list[int] = []
        for article_id, text in self.store.unembedded_articles():
            batch.extend((article_id, c) for c in chunk_text(text, self.embedder, self.params))
            articles.append(article_id)
            if len(batch) >= BATCH_CHUNKS:
                self._store_chunks(batch, articles, report)
                batch, articles = [], []
        if articles:
            self._store_chunks(batch, articles, report)

    def _store_chunks(self, batch: list[tuple[int, Chunk]], articles: list[int], report: IngestReport) -> None:
        vectors = self.embedder.embed([c.text for _, c in batch])
        new_ids = self.writes.add_chunks(batch, vectors, articles)
        report.chunks += len(new_ids)
        self.embedded += len(new_ids)
        if self.progress:
            self.progress(self.embedded, self.seen)

    def finish(self) -> None:
        self.writes.finish()


def ingest(
    store: IndexStore,
    embedder: Embedder,
    paths: Iterable[Path],
    params: ChunkParams,
    prune: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index up to date with `paths`; the caller holds the store's write lock."""
    return ingest_results(store, embedder, ((r, None) for r in read_paths(paths)), params, prune, progress)


def ingest_results(
    store: IndexStore,
    embedder: Embedder,
    results: Iterable[tuple[ReadResult, Sequence[Prepared | None] | None]],
    params: ChunkParams,
    prune: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest what was read, in order, each article with its chunks and vectors when they were
    prepared elsewhere (else chunked and embedded here)."""
    started = time.perf_counter()
    report = IngestReport()
    writer = _Writer(store, embedder, params, progress)
    keys: set[str] = set()
    complete_files: set[str] = set()
    for result, prepared in results:
        report.skipped.extend(result.skipped)
        report.warnings.extend(result.warnings)
        complete_files.update(result.complete_files)
        for position, article in enumerate(result.articles):
            keys.add(article.key)
            writer.offer(article, report, prepared[position] if prepared else None)
    writer.flush(report)
    if prune:
        writer.prune(keys, complete_files, report)
    writer.embed_unembedded(report)
    writer.finish()
    report.seconds = time.perf_counter() - started
    return report


def reembed(
    store: IndexStore, embedder: Embedder, params: ChunkParams, progress: Progress | None = None
) -> IngestReport:
    """Re-chunk and re-embed every stored article (after a model or parameter change).

    A run that was interrupted is resumed: once the manifest names the new model, only the
    articles without chunks are embedded."""
    started = time.perf_counter()
    report = IngestReport()
    stored = store.stored_manifest()
    if stored is None or not same_vectors(stored, store.manifest):
        store.begin_writes().clear_chunks()
    writer = _Writer(store, embedder, params, progress)
    writer.embed_unembedded(report)
    writer.finish()
    report.seconds = time.perf_counter() - started
    return report
