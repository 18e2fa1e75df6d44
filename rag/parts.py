"""What `Rag` holds besides its stores: the embedder, the model, the one reader that looks for
disagreement, the spaCy pipeline they and the briefings parse with, and the prompts; each made
once, on first need, and shared by every request (the server's threads among them), so that
`rag stats` loads no model and spaCy loads once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from rag.settings import Settings

if TYPE_CHECKING:
    from rag.embed import CachingEmbedder, Embedder
    from rag.llm.protocol import LLM, ConflictFinder
    from rag.nlp import Pipeline
    from rag.prompt import BriefPrompts, Prompts

T = TypeVar("T")


class Parts:
    def __init__(self, settings: Settings, embedder: Embedder | None = None, llm: LLM | None = None) -> None:
        """An `embedder` or `llm` given is used instead of the one the settings name (a test's
        deterministic embedder, a scripted model)."""
        self.settings = settings
        self._lock = threading.RLock()
        self._made: dict[str, Any] = {}
        if embedder is not None:
            self._made["embedder"] = _caching(embedder)
        if llm is not None:
            self._made["llm"] = llm

    def _once(self, name: str, make: Callable[[], T]) -> T:
        with self._lock:
            if name not in self._made:
                self._made[name] = make()
            return cast(T, self._made[name])

    def embedder(self) -> CachingEmbedder:
        def make() -> CachingEmbedder:
            from rag.embed import load_embedder
            from rag.embed.batching import QueryBatcher
            from rag.index_model import index_model

            # Concurrent queries (the server's) share model runs, at most one per core but one at a time.
            name = index_model(self.settings).embedder
            return _caching(QueryBatcher(load_embedder(name, self.settings.model_cache)))

        return self._once("embedder", make)

    def sentence_embedder(self) -> Embedder:
        """The embedder the reader scores passage sentences with: the shared one, behind vectors
        kept on disk (rag.embed.stored), so no sentence is embedded twice across processes."""

        def make() -> Embedder:
            from rag.embed.stored import StoredVectors, vectors_path
            from rag.index_model import index_model

            shared = self.embedder()
            path = vectors_path(self.settings.model_cache, index_model(self.settings).embedder, shared.fingerprint())
            return StoredVectors(shared, path)

        return self._once("sentence_embedder", make)

    def llm(self) -> LLM:
        def make() -> LLM:
            from rag.llm import make_llm

            return make_llm(self.settings, self.sentence_embedder(), self.nlp())

        return self._once("llm", make)

    def conflicts(self) -> ConflictFinder:
        """The model itself when it looks for disagreement (the extractive reader), else an
        extractive reader kept for every question: spaCy loads once, not once per question."""

        def make() -> ConflictFinder:
            from rag.reader import ExtractiveLLM

            llm = self.llm()
            return llm if isinstance(llm, ExtractiveLLM) else ExtractiveLLM(self.sentence_embedder(), nlp=self.nlp())

        return self._once("conflicts", make)

    def prompts(self) -> Prompts:
        def make() -> Prompts:
            from rag.prompt import Prompts

            return Prompts.load(self.settings.prompts, self.settings.model_cache)

        return self._once("prompts", make)

    def nlp(self) -> Pipeline:
        """The one spaCy pipeline of the application, loaded on first parse: the reader's and the
        briefings'. Its lemmatizer is loaded for briefings (`rag.brief.briefing_pipeline`) but
        does not run in a parse, so the reader's parses are the same as without it."""

        def make() -> Pipeline:
            from rag.nlp import Pipeline  # not rag.brief, whose import a question does not need

            return Pipeline(lemmas=True)

        return self._once("nlp", make)

    def brief_prompts(self) -> BriefPrompts:
        def make() -> BriefPrompts:
            from rag.prompt import BriefPrompts

            return BriefPrompts.load(self.settings.prompts, self.settings.model_cache)

        return self._once("brief_prompts", make)


def _caching(embedder: Embedder) -> CachingEmbedder:
    from rag.embed import CachingEmbedder

    return embedder if isinstance(embedder, CachingEmbedder) else CachingEmbedder(embedder)
