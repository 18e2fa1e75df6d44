"""Language-model backends, chosen by name.

`extractive` (rag.reader.extractive) answers from the passages as values and states which passage each
sentence quotes; `openai` (rag.llm.openai_backend) sends the prompt to any OpenAI-compatible server,
and its citations are parsed from the text it writes. Both take an `AnswerRequest` and give a
`Reply` (rag.llm.protocol).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rag.errors import RagError
from rag.llm.protocol import LLM, AnswerRequest, LLMError, Message, Reply, ReplySentence, ScriptedLLM

if TYPE_CHECKING:
    from rag.embed import Embedder
    from rag.nlp import Pipeline
    from rag.settings import Settings

__all__ = ["LLM", "AnswerRequest", "LLMError", "Message", "Reply", "ReplySentence", "ScriptedLLM", "make_llm"]


def _make_extractive(settings: Settings, embedder: Embedder | None, nlp: Pipeline | None) -> LLM:
    from rag.reader.extractive import ExtractiveLLM

    return ExtractiveLLM(embedder, nlp=nlp)


def _make_openai(settings: Settings, embedder: Embedder | None, nlp: Pipeline | None) -> LLM:
    from rag.llm.openai_backend import OpenAILLM, OpenAISettings

    if not settings.model:
        raise RagError("the openai backend needs a model name; pass --model NAME or set RAG_MODEL")
    if settings.api_key is None and settings.base_url is None:
        raise RagError(
            "no API key for api.openai.com; set OPENAI_API_KEY (or RAG_API_KEY), or pass --base-url for a local server"
        )
    return OpenAILLM(
        OpenAISettings(settings.model, settings.base_url, settings.api_key, settings.timeout, settings.max_retries)
    )


BACKENDS: dict[str, Callable[[Settings, Embedder | None, Pipeline | None], LLM]] = {
    "extractive": _make_extractive,
    "openai": _make_openai,
}


def make_llm(settings: Settings, embedder: Embedder | None = None, nlp: Pipeline | None = None) -> LLM:
    """The model `settings` names; `nlp`: the spaCy pipeline an extractive reader parses with (its
    own if not given)."""
    try:
        factory = BACKENDS[settings.backend]
    except KeyError:
        raise RagError(f"unknown backend {settings.backend!r}; choose one of: {', '.join(BACKENDS)}") from None
    return factory(settings, embedder, nlp)
