"""`Rag`: the application, built once from `Settings`, behind every front door.

The command line, `rag serve`, `rag mcp`, the evaluation and Python callers all go through it:

    from rag import Rag

    with Rag.open(index="index") as rag:
        answer = rag.ask("Who opened the new bridge?")
        for source in answer.sources:
            print(source.hit.source, source.quote)

It holds the models, the prompts and a pool of store connections, each made on first need.
Every request is checked against `rag.limits` first, so every door refuses alike. Reads never
share a connection nor wait for a writer: each reads its own snapshot.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import RagError
from rag.limits import ARTICLE_LIMIT, ASK_K, SEARCH_K, check_question
from rag.parts import Parts
from rag.settings import Flags, Settings, resolve
from rag.store.filters import Filters
from rag.store.pool import StorePool

if TYPE_CHECKING:
    from rag.answer import AskResult
    from rag.brief.model import Briefing
    from rag.briefings import BriefResult
    from rag.embed import CachingEmbedder, Embedder
    from rag.ingest.chunk import ChunkParams
    from rag.ingest.following import Followed
    from rag.ingest.pipeline import IngestReport, Progress
    from rag.ingest.sources import FetchProgress
    from rag.ingest.updates import IngestRun
    from rag.llm.protocol import LLM, ConflictFinder
    from rag.prompt import Prompts
    from rag.store.protocol import ArticleRecord, ArticleSummary, IndexFigures, IndexStore
    from rag.stories.kept import StoryView
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
        resident: bool = False,
    ) -> None:
        """Prefer `Rag.open`. An `embedder` or `llm` given here is used instead of the ones the
        settings name (a test's deterministic embedder, a scripted model). A `resident` one (a
        server) answers many requests: its store connections share what pays to keep in memory."""
        self.settings = settings
        self.readers = readers
        self.warn = warn
        self.parts = Parts(settings, embedder, llm)
        self._shared: dict[object, object] | None = {} if resident else None
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
        resident: bool = False,
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
        return cls(settings, readers=readers, warn=warn, embedder=embedder, llm=llm, resident=resident)

    def over(self, store: IndexStore) -> Rag:
        """The same models and prompts, reading `store` (an index the caller opened and will
        close, such as an evaluation's)."""
        other = Rag(self.settings, readers=1, warn=self.warn)
        other.parts = self.parts
        other._pool = StorePool.holding(store)
        return other

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> Rag:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def warm(self) -> Rag:
        """Load the embedder, the model and the prompts now rather than at the first request, and
        open a store connection, which starts what it keeps in memory (a problem with the index
        is left for the first request to report)."""
        _ = self.embedder, self.llm, self.prompts, self.conflicts
        with contextlib.suppress(RagError), self.store():
            pass
        return self

    # -- what it holds, each made once, on first need (rag.parts) ----------------------------

    @property
    def embedder(self) -> CachingEmbedder:
        return self.parts.embedder()

    @property
    def llm(self) -> LLM:
        return self.parts.llm()

    @property
    def conflicts(self) -> ConflictFinder:
        """The one reader that looks for disagreement between passages (rag.parts)."""
        return self.parts.conflicts()

    @property
    def prompts(self) -> Prompts:
        return self.parts.prompts()

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
        store = open_index(s.store, s.index, self._manifest(), api_key=s.qdrant_api_key, shared=self._shared)
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

    def chunk_params(self) -> ChunkParams:
        from rag.index_model import index_model

        return index_model(self.settings).chunking

    def store_option(self) -> str:
        """How to name this index on a command line: `--index DIR` or `--store SPEC`."""
        s = self.settings
        return s.store.flag(s.index)

    # -- the operations ----------------------------------------------------------------------

    def search(self, query: str, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        """The passages that best match `query`, best first (no relevance floor)."""
        from rag.retrieve import RetrievalParams, search

        check_question(query, "query")
        SEARCH_K.check(k)
        params = RetrievalParams(k=k, relevance_floor=-1.0, filters=filters or Filters())
        return search(self.store, self.embedder, query, params)

    def ask(
        self, question: str, k: int = 8, filters: Filters | None = None, on_token: Callable[[str], None] | None = None
    ) -> Answer:
        """A cited answer, every sentence checked against the passages it cites; with
        `on_token`, the model's reply is passed on as it arrives."""
        return self.ask_in_context(question, k, filters, on_token).answer

    def ask_in_context(
        self, question: str, k: int = 8, filters: Filters | None = None, on_token: Callable[[str], None] | None = None
    ) -> AskResult:
        """`ask`, with the packed context the model was given."""
        from rag.answer import ask, undated_left_out
        from rag.retrieve import RetrievalParams

        check_question(question)
        ASK_K.check(k)
        llm, conflicts, prompts = self.llm, self.conflicts, self.prompts
        params = RetrievalParams(k=k, filters=filters or Filters())
        with self.store() as store:
            result = ask(question, store, self.embedder, llm, params, prompts, conflicts, on_token=on_token)
            if result.answer.abstained and params.filters.until is not None:
                result = undated_left_out(result, store.counts().get("undated", 0))
        return result

    def answer_from(self, question: str, hits: list[Hit], timings: dict[str, float] | None = None) -> AskResult:
        """The part of `ask` after retrieval (pack, generate, check), for passages the caller
        retrieved itself (the evaluation, which scores retrieval deeper than it answers)."""
        from rag.answer import answer_from_hits, without_boilerplate

        with self.store() as store:
            hits = without_boilerplate(hits, store)
        llm, conflicts, prompts = self.llm, self.conflicts, self.prompts
        return answer_from_hits(question, hits, self.embedder, llm, prompts, conflicts, timings=timings)

    def brief(
        self, topic: str | None = None, filters: Filters | None = None, doc_ids: Sequence[str] | None = None
    ) -> Briefing:
        """A briefing on `topic` (or on the whole index); with `doc_ids`, of those articles only."""
        from rag.brief import build_briefing

        if topic is not None:
            check_question(topic, "topic")
        writer = self.llm if self.llm.writes else None
        prompts = self.parts.brief_prompts() if writer else None
        nlp, filters = self.parts.nlp(), filters or Filters()
        with self.store() as store:
            return build_briefing(
                store, self.embedder, topic, filters, llm=writer, prompts=prompts, doc_ids=doc_ids, nlp=nlp
            )

    def briefing(
        self,
        topic: str | None = None,
        filters: Filters | None = None,
        story_id: str | None = None,
        max_stories: int = 5,
    ) -> BriefResult:
        """What `rag brief` gives (rag.briefings): a story's briefing, the best-matching story's
        for a topic with the others it matches, or a section per top story."""
        from rag.briefings import briefing_for

        return briefing_for(self, topic, filters, story_id, max_stories)

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
        fetch_progress: FetchProgress | None = None,
    ) -> IngestReport:
        """Bring the index up to date with files and folders, and with links to pages, feeds,
        sitemaps and OPML lists: unchanged ones are skipped, changed ones replaced. A first
        ingest that adds nothing leaves no index behind."""
        from rag.ingest.updates import Update, update_index

        change = Update(tuple(Path(p) for p in paths), tuple(urls), prune, rebuild, reembed, wait, ray, fetch_progress)
        return update_index(self.settings, lambda: self.embedder.inner, change, progress)

    def stories(self, filters: Filters | None = None, min_articles: int = 1) -> list[StoryView]:
        """The stories of the index, biggest and newest first (rag.stories): each with its
        headline, the ids of its articles, its outlets and its dated span."""
        from rag.stories.kept import load, views

        with self.store() as store:
            listed = views(store, load(store), filters)
        return [s for s in listed if len(s.article_ids) >= max(1, min_articles)]

    def story(self, story_id: str) -> StoryView:
        found = next((s for s in self.stories() if s.id == story_id), None)
        if found is None:
            raise NotFound(f"no story {story_id!r} in the index; `rag stories` lists them")
        return found

    def in_story(self, story_id: str, filters: Filters | None = None) -> Filters:
        """`filters`, narrowed to the articles of one story (for `ask --story`)."""
        from dataclasses import replace

        story = self.story(story_id)
        with self.store() as store:
            ids = store.ids_for_doc_ids(story.article_ids)
        return replace(filters or Filters(), articles=tuple(ids))

    def rebuild_stories(self) -> None:
        from rag.ingest.updates import rebuild_stories

        rebuild_stories(self.settings, self.embedder.inner)

    def feeds(self) -> list[Followed]:
        """The feeds, lists and sitemaps the index follows, with their last poll."""
        from rag.ingest.following import followed
        from rag.ingest.updates import following_of

        if not self.exists():
            return []
        with self.store() as store:
            return followed(following_of(store))

    def unfollow(self, address: str) -> None:
        from rag.ingest.updates import unfollow

        unfollow(self.settings, self.embedder.inner, address)

    def watch(
        self,
        sources: Sequence[str] = (),
        progress: Progress | None = None,
        fetch_progress: FetchProgress | None = None,
    ) -> IngestReport:
        """One poll: the given links, or everything the index follows, read with conditional
        GETs; only what is new or changed is added."""
        urls = list(sources) or [f.url for f in self.feeds()]
        if not urls:
            raise RagError("nothing is followed yet; give feeds, OPML lists or sitemaps to `rag ingest` or `rag watch`")
        return self.ingest(urls=urls, progress=progress, fetch_progress=fetch_progress)

    def begin_ingest(self) -> IngestRun:
        """The index's write lock, taken now (or a RagError naming who holds it), for an ingest
        run later, in another thread: how `rag serve` accepts an upload."""
        from rag.ingest.updates import begin_ingest

        return begin_ingest(self.settings, self.embedder.inner)
