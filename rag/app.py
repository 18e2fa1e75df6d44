"""`Rag`: the application, built once from `Settings`, behind every front door.

The command line, `rag serve`, `rag mcp`, the evaluation and Python callers all go through it:

    from rag import Rag

    with Rag.open(index="index") as rag:
        answer = rag.ask("Who offered Musk political asylum?")
        for source in answer.sources:
            print(source.hit.source, source.quote)

It holds the embedder, the model, one conflict reader, the prompts and a small pool of store
connections, each made on first need (a `rag stats` loads no model; a `rag search` no
reader). Every request is checked against `rag.limits` before any work, so every door refuses
the same inputs with the same line. Reads never share a store connection, and never wait for a
writer: SQLite's WAL (and Qdrant's points) give each read its own snapshot.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import RagError
from rag.limits import ARTICLE_LIMIT, ASK_K, SEARCH_K, check_question
from rag.settings import Flags, Settings, resolve
from rag.store.filters import Filters
from rag.store.pool import StorePool

if TYPE_CHECKING:
    from rag.answer import AskResult
    from rag.brief.model import Briefing
    from rag.embed import CachingEmbedder, Embedder
    from rag.ingest.chunk import ChunkParams
    from rag.ingest.pipeline import IngestReport, Progress
    from rag.ingest.updates import IngestRun
    from rag.llm.protocol import LLM, ConflictFinder
    from rag.prompt import BriefPrompts, Prompts
    from rag.store.protocol import ArticleRecord, ArticleSummary, IndexFigures, IndexStore
    from rag.types import Answer, Hit

Warn = Callable[[str], None]


class NotFound(RagError):
    """What was asked for is not in the index."""


class Rag:
    """Use `Rag.open(...)`, and close it (or use it in a `with` block) when done."""

    def __init__(
        self,
        settings: Settings,
        readers: int = 2,
        warn: Warn | None = None,
        embedder: Embedder | None = None,
        llm: LLM | None = None,
    ) -> None:
        """Prefer `Rag.open`. An `embedder` or `llm` given here is used instead of the ones the
        settings name (a test's deterministic embedder, a scripted model)."""
        from rag.embed import CachingEmbedder

        self.settings = settings
        self.readers = readers
        self.warn = warn
        self._lock = threading.RLock()
        self._embedder: CachingEmbedder | None = None
        if embedder is not None:
            self._embedder = embedder if isinstance(embedder, CachingEmbedder) else CachingEmbedder(embedder)
        self._llm: LLM | None = llm
        self._conflicts: ConflictFinder | None = None
        self._prompts: Prompts | None = None
        self._brief_prompts: BriefPrompts | None = None
        self._pool = StorePool(self._open_reader, readers)

    @classmethod
    def open(
        cls,
        index: str | Path | None = None,
        store: str | None = None,
        backend: str | None = None,
        *,
        model: str | None = None,
        base_url: str | None = None,
        settings: Settings | None = None,
        readers: int = 2,
        warn: Warn | None = None,
        embedder: Embedder | None = None,
        llm: LLM | None = None,
    ) -> Rag:
        """The application over one index. Arguments left out come from the environment
        (RAG_INDEX, RAG_STORE, RAG_BACKEND, ...) and then the defaults, as on the command line;
        `settings`, when given, is used as it is."""
        if settings is None:
            flags = Flags(
                index=Path(index) if index is not None else None,
                store=store,
                backend=backend,
                model=model,
                base_url=base_url,
            )
            settings = resolve(flags)
        return cls(settings, readers=readers, warn=warn, embedder=embedder, llm=llm)

    def over(self, store: IndexStore) -> Rag:
        """The same models and prompts, reading `store` (an index the caller opened and will
        close, such as an evaluation's)."""
        other = Rag(self.settings, readers=1, warn=self.warn)
        other._embedder, other._llm, other._conflicts = self.embedder, self.llm, self.conflicts
        other._prompts = self.prompts
        other._pool = StorePool.holding(store)
        return other

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> Rag:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def warm(self) -> Rag:
        """Load the embedder, the model and the prompts now rather than at the first request."""
        _ = self.embedder, self.llm, self.prompts, self.conflicts
        return self

    # -- what it holds, each made once, on first need ----------------------------------------

    @property
    def embedder(self) -> CachingEmbedder:
        with self._lock:
            if self._embedder is None:
                from rag.embed import CachingEmbedder, load_embedder

                self._embedder = CachingEmbedder(load_embedder(self.settings.embedder, self.settings.model_cache))
            return self._embedder

    @property
    def llm(self) -> LLM:
        with self._lock:
            if self._llm is None:
                from rag.llm import make_llm

                self._llm = make_llm(self.settings, self.embedder)
            return self._llm

    @property
    def conflicts(self) -> ConflictFinder:
        """The one reader that looks for disagreement between passages: the model itself when it
        does (the extractive reader), else an extractive reader kept for every question, so that
        spaCy loads once per `Rag`, not once per question."""
        with self._lock:
            if self._conflicts is None:
                from rag.reader import ExtractiveLLM

                llm = self.llm
                self._conflicts = llm if isinstance(llm, ExtractiveLLM) else ExtractiveLLM(self.embedder)
            return self._conflicts

    @property
    def prompts(self) -> Prompts:
        with self._lock:
            if self._prompts is None:
                from rag.prompt import Prompts

                self._prompts = Prompts.load(self.settings.prompts, self.settings.model_cache)
            return self._prompts

    def _briefing_prompts(self) -> BriefPrompts:
        with self._lock:
            if self._brief_prompts is None:
                from rag.prompt import BriefPrompts

                self._brief_prompts = BriefPrompts.load(self.settings.prompts, self.settings.model_cache)
            return self._brief_prompts

    @property
    def location(self) -> str:
        """The index as a user names it: the folder, or the Qdrant store."""
        s = self.settings
        return s.store.where(s.index)

    def exists(self) -> bool:
        from rag.store.registry import index_exists

        s = self.settings
        return index_exists(s.store, s.index, s.qdrant_api_key)

    @contextlib.contextmanager
    def store(self) -> Iterator[IndexStore]:
        """A store connection of the pool for one request; opened on first need, so a server
        started before its first ingest works once articles arrive."""
        with self._pool.connection() as store:
            yield store

    def _open_reader(self) -> IndexStore:
        from rag.store.registry import open_index

        s = self.settings
        store = open_index(s.store, s.index, self._manifest(), api_key=s.qdrant_api_key)
        missing = store.unembedded_count()
        if missing and self.warn is not None:
            self.warn(
                f"warning: {missing} articles are not embedded yet (an ingest or --reembed was interrupted) and "
                f"cannot be found; run `rag ingest --reembed {self.store_option()}` to finish"
            )
        return store

    def _manifest(self) -> Any:
        from rag.ingest.pipeline import manifest_for

        return manifest_for(self.embedder.inner, self.chunk_params())

    @staticmethod
    def chunk_params() -> ChunkParams:
        from rag.ingest.chunk import ChunkParams

        return ChunkParams()

    def store_option(self) -> str:
        """How to name this index on a command line: `--index DIR` or `--store SPEC`."""
        s = self.settings
        return s.store.flag(s.index)

    # -- the operations ----------------------------------------------------------------------

    def search(self, query: str, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        """The passages that best match `query`, best first (no relevance floor)."""
        from rag.retrieve import RetrievalParams, retrieve

        check_question(query, "query")
        SEARCH_K.check(k)
        params = RetrievalParams(k=k, relevance_floor=-1.0, filters=filters or Filters())
        with self.store() as store:
            return list(retrieve(store, self.embedder, query, params).hits)

    def ask(
        self,
        question: str,
        k: int = 8,
        filters: Filters | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """A cited answer, every sentence checked against the passages it cites; with
        `on_token`, the model's reply is passed on as it arrives."""
        return self.ask_in_context(question, k, filters, on_token).answer

    def ask_in_context(
        self,
        question: str,
        k: int = 8,
        filters: Filters | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> AskResult:
        """`ask`, with the packed context the model was given."""
        from rag.answer import ask
        from rag.retrieve import RetrievalParams

        check_question(question)
        ASK_K.check(k)
        llm, conflicts, prompts = self.llm, self.conflicts, self.prompts
        params = RetrievalParams(k=k, filters=filters or Filters())
        with self.store() as store:
            return ask(question, store, self.embedder, llm, params, prompts, conflicts, on_token=on_token)

    def answer_from(self, question: str, hits: list[Hit], timings: dict[str, float] | None = None) -> AskResult:
        """The part of `ask` after retrieval (pack, generate, check), for passages the caller
        retrieved itself (the evaluation, which scores retrieval deeper than it answers)."""
        from rag.answer import answer_from_hits

        llm, conflicts, prompts = self.llm, self.conflicts, self.prompts
        return answer_from_hits(question, hits, self.embedder, llm, prompts, conflicts, timings=timings)

    def brief(
        self, topic: str | None = None, filters: Filters | None = None, doc_ids: Sequence[str] | None = None
    ) -> Briefing:
        """A consolidated briefing on `topic` (or on the whole index); with `doc_ids`, of those
        articles only."""
        from rag.brief import build_briefing

        if topic is not None:
            check_question(topic, "topic")
        writer = self.llm if self.llm.writes else None
        prompts = self._briefing_prompts() if writer else None
        with self.store() as store:
            return build_briefing(
                store, self.embedder, topic, filters or Filters(), llm=writer, prompts=prompts, doc_ids=doc_ids
            )

    def article(self, article_id: str) -> ArticleRecord:
        """One article by the id it was ingested under, with its text, chunks and copies."""
        with self.store() as store:
            record = store.article_record(article_id)
        if record is None:
            raise NotFound(f"no article {article_id!r} in the index; list them at /api/articles")
        return record

    def articles(
        self, query: str | None = None, filters: Filters | None = None, limit: int = 50
    ) -> list[ArticleSummary]:
        """Articles (not duplicates) by date, newest first; with `query`, those whose title or
        text holds it."""
        ARTICLE_LIMIT.check(limit)
        if query:
            check_question(query, "query")
        with self.store() as store:
            return store.article_list(query or None, filters or Filters(), limit)

    def taken_ids(self, doc_ids: Sequence[str]) -> list[str]:
        """Which of these article ids the index already holds."""
        if not self.exists():
            return []
        with self.store() as store:
            return [doc_id for doc_id in dict.fromkeys(doc_ids) if store.ids_for_doc_ids([doc_id])]

    def sources(self) -> list[str]:
        """The outlets in the index; none before the first ingest."""
        if not self.exists():
            return []
        with self.store() as store:
            return store.sources()

    def stats(self) -> IndexFigures:
        """Articles, chunks, duplicates, model and size of the index (no model is loaded)."""
        from rag.store.registry import open_index, stored_manifest

        s = self.settings
        manifest = stored_manifest(s.store, s.index, s.qdrant_api_key)
        if manifest is None:
            raise RagError(f"no index at {self.location}; build one with `rag ingest PATH {self.store_option()}`")
        with open_index(s.store, s.index, manifest, api_key=s.qdrant_api_key) as opened:
            return opened.figures()

    def ingest(
        self,
        paths: Sequence[Path | str] = (),
        *,
        urls: Sequence[str] = (),
        prune: bool = False,
        rebuild: bool = False,
        reembed: bool = False,
        wait: bool = False,
        ray: bool = False,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Bring the index up to date with files and folders, and with links to pages, feeds,
        sitemaps and OPML lists: unchanged ones are skipped, changed ones replaced. A first
        ingest that adds nothing leaves no index behind."""
        from rag.ingest.updates import Update, update_index

        change = Update(tuple(Path(p) for p in paths), tuple(urls), prune, rebuild, reembed, wait, ray)
        return update_index(self.settings, lambda: self.embedder.inner, change, progress)

    def begin_ingest(self) -> IngestRun:
        """The index's write lock, taken now (or a RagError naming who holds it), for an ingest
        run later, in another thread: how `rag serve` accepts an upload."""
        from rag.ingest.updates import begin_ingest

        return begin_ingest(self.settings, self.embedder.inner)
