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
from rag.llm import LLM, make_llm
from rag.prompt import Prompts
from rag.settings import Settings
from rag.store.filters import Filters
from rag.store.protocol import IndexStore
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
        self._pool: queue.Queue[IndexStore] = queue.Queue()
        self._opened: list[IndexStore] = []

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
    def store(self) -> Iterator[IndexStore]:
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

    def _new_store(self) -> IndexStore:
        from rag.ingest.chunk import ChunkParams
        from rag.ingest.pipeline import manifest_for

        inner = self.embedder.inner if isinstance(self.embedder, CachingEmbedder) else self.embedder
        from rag.store.registry import open_index

        store = open_index(
            self.settings.store,
            self.settings.index,
            manifest_for(inner, ChunkParams()),
            api_key=self.settings.qdrant_api_key,
        )
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
        with self.store() as store:
            record = store.article_record(article_id)
        if record is None:
            raise NotFound(f"no article {article_id!r} in the index; list them at /api/articles")
        return record

    def articles(
        self, query: str | None = None, filters: Filters | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Articles (not duplicates) by date, newest first; with `query`, those whose title or
        text holds it."""
        limit = min(limit or self.options.article_list_limit, self.options.article_list_limit)
        with self.store() as store:
            return store.article_list(query, filters or Filters(), limit)

    def sources(self) -> list[str]:
        """The outlets in the index, for filters; none before the first ingest."""
        from rag.store.registry import index_exists

        if not index_exists(self.settings.store, self.settings.index, self.settings.qdrant_api_key):
            return []
        with self.store() as store:
            return store.sources()

    def stats(self) -> dict[str, Any]:
        """As `rag stats --json` prints them."""
        with self.store() as store:
            return store.figures()
