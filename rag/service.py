"""The operations the long-running front doors share (`rag serve`, `rag mcp`): search, ask, brief,
articles and stats over one index, each returning the same JSON as the command line's `--json`.

One embedder and one model serve every request; reads go through a small pool of store
connections, one per request at a time, so readers never share a SQLite connection and never
wait for a writer (SQLite's WAL gives each read its own snapshot)."""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rag.answer import answer_json
from rag.embed import CachingEmbedder, Embedder
from rag.errors import RagError
from rag.filters import Filters
from rag.llm import LLM, make_llm
from rag.prompt import Prompts
from rag.settings import Settings
from rag.store import DB_NAME, Store
from rag.types import hit_json


class NotFound(RagError):
    """What was asked for is not in the index."""


@dataclass(frozen=True)
class ServiceSettings:
    readers: int = 2  # store connections for reads at once (this machine has 2 cores)
    article_list_limit: int = 200


class Service:
    """Use `Service.open(settings)`; close it when done."""

    def __init__(self, settings: Settings, embedder: Embedder, llm: LLM, options: ServiceSettings) -> None:
        self.settings = settings
        self.embedder = embedder
        self.llm = llm
        self.options = options
        self.prompts = Prompts.load(settings.prompts, settings.model_cache)
        self._pool: queue.Queue[Store] = queue.Queue()
        self._opened: list[Store] = []

    @classmethod
    def open(cls, settings: Settings, options: ServiceSettings | None = None) -> Service:
        from rag.embed import load_embedder

        embedder = CachingEmbedder(load_embedder(settings.embedder, settings.model_cache))
        return cls(settings, embedder, make_llm(settings, embedder), options or ServiceSettings())

    def close(self) -> None:
        for store in self._opened:
            store.close()
        self._opened.clear()

    @contextlib.contextmanager
    def store(self) -> Iterator[Store]:
        """A store connection of the pool for one request; opened on first need, so a server
        started before its first ingest works once articles arrive."""
        try:
            store = self._pool.get_nowait()
        except queue.Empty:
            store = self._new_store() if len(self._opened) < self.options.readers else self._pool.get()
        try:
            yield store
        finally:
            self._pool.put(store)

    def _new_store(self) -> Store:
        from rag.chunk import ChunkParams
        from rag.indexer import manifest_for

        inner = self.embedder.inner if isinstance(self.embedder, CachingEmbedder) else self.embedder
        store = Store.open(self.settings.index, manifest_for(inner, ChunkParams()))
        self._opened.append(store)
        return store

    # -- the operations ----------------------------------------------------------------------

    def search(self, query: str, k: int = 5, filters: Filters | None = None) -> list[dict[str, Any]]:
        from rag.retrieve import RetrievalParams, retrieve

        with self.store() as store:
            result = retrieve(
                store, self.embedder, query, RetrievalParams(k=k, relevance_floor=-1.0, filters=filters or Filters())
            )
        return [hit_json(hit) for hit in result.hits]

    def ask(
        self, question: str, k: int = 8, filters: Filters | None = None, on_token: Callable[[str], None] | None = None
    ) -> dict[str, Any]:
        from rag.answer import ask
        from rag.retrieve import RetrievalParams

        with self.store() as store:
            result = ask(
                question,
                store,
                self.embedder,
                self.llm,
                RetrievalParams(k=k, filters=filters or Filters()),
                self.prompts,
                on_token=on_token,
            )
        return answer_json(result.answer)

    def brief(self, topic: str | None, filters: Filters | None = None) -> tuple[dict[str, Any], str]:
        """The briefing as JSON and as Markdown."""
        from rag.brief import briefing_json, briefing_markdown, build_briefing
        from rag.prompt import BriefPrompts

        writer = self.llm if self.llm.writes else None
        prompts = BriefPrompts.load(self.settings.prompts, self.settings.model_cache) if writer else None
        with self.store() as store:
            briefing = build_briefing(store, self.embedder, topic, filters or Filters(), llm=writer, prompts=prompts)
        return briefing_json(briefing), briefing_markdown(briefing)

    def article(self, article_id: str) -> dict[str, Any]:
        """One article by its document id, with its text, its chunks and its duplicates."""
        with self.store() as store, store.db.snapshot():
            row = store.db.execute(
                "SELECT id, doc_id, title, source, date, url, text, duplicate_of FROM articles WHERE doc_id = ? "
                "ORDER BY duplicate_of IS NOT NULL, id LIMIT 1",
                (article_id,),
            ).fetchone()
            if row is None:
                raise NotFound(f"no article {article_id!r} in the index; list them at /api/articles")
            chunks = store.db.execute(
                "SELECT id, ordinal, start, end, n_tokens FROM chunks WHERE article_id = ? ORDER BY ordinal", (row[0],)
            ).fetchall()
            copies = store.db.execute(
                "SELECT doc_id, title, source, date FROM articles WHERE duplicate_of = ? ORDER BY id", (row[0],)
            ).fetchall()
            original = (
                store.db.execute("SELECT doc_id FROM articles WHERE id = ?", (row[7],)).fetchone() if row[7] else None
            )
        return {
            "article_id": row[1],
            "title": row[2],
            "source": row[3],
            "date": row[4],
            "url": row[5],
            "text": row[6],
            "duplicate_of": original[0] if original else None,
            "chunks": [{"chunk_id": c[0], "ordinal": c[1], "start": c[2], "end": c[3], "tokens": c[4]} for c in chunks],
            "duplicates": [{"article_id": d[0], "title": d[1], "source": d[2], "date": d[3]} for d in copies],
        }

    def articles(
        self, query: str | None = None, filters: Filters | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Articles (not duplicates) by date, newest first; with `query`, those whose title or
        text holds it."""
        from rag.filters import filter_sql

        clauses, params = filter_sql(filters or Filters())
        sql = (
            "SELECT a.doc_id, a.title, a.source, a.date, a.url, length(a.text) FROM articles a "
            f"WHERE a.duplicate_of IS NULL AND {clauses}"
        )
        if query:
            sql += " AND (instr(lower(a.title), ?) > 0 OR instr(lower(a.text), ?) > 0)"
            params = [*params, query.lower(), query.lower()]
        sql += " ORDER BY a.date IS NULL, a.date DESC, a.id DESC LIMIT ?"
        params = [*params, min(limit or self.options.article_list_limit, self.options.article_list_limit)]
        with self.store() as store:
            rows = store.db.execute(sql, params).fetchall()
        return [
            {"article_id": r[0], "title": r[1], "source": r[2], "date": r[3], "url": r[4], "characters": r[5]}
            for r in rows
        ]

    def sources(self) -> list[str]:
        """The outlets in the index, for filters; none before the first ingest."""
        if not (self.settings.index / DB_NAME).exists():
            return []
        with self.store() as store:
            rows = store.db.execute(
                "SELECT DISTINCT source FROM articles WHERE source IS NOT NULL AND duplicate_of IS NULL ORDER BY source"
            ).fetchall()
        return [r[0] for r in rows]

    def stats(self) -> dict[str, Any]:
        """As `rag stats --json` prints them."""
        with self.store() as store:
            return store.figures()
