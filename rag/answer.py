"""`ask`: retrieve → pack → model → check citations. About thirty lines, on purpose."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rag.backend import LLM, AnswerRequest
from rag.cite import SupportSettings, check_answer
from rag.embed import Embedder
from rag.prompt import ABSTAIN, PackedContext, Prompts, answer_messages, pack
from rag.retrieve import RetrievalParams, retrieve
from rag.store import Store
from rag.types import Answer, Hit

DEFAULT_BUDGET = 3000


@dataclass(frozen=True)
class AskResult:
    answer: Answer
    context: PackedContext


def ask(
    question: str,
    store: Store,
    embedder: Embedder,
    llm: LLM,
    params: RetrievalParams,
    prompts: Prompts,
    budget: int = DEFAULT_BUDGET,
    on_token: Callable[[str], None] | None = None,
    support: SupportSettings | None = None,
) -> AskResult:
    """Answer `question` from the index, every sentence checked against the passages it cites.

    With `on_token`, the model's reply is streamed to it as it arrives.
    """
    started = time.perf_counter()
    retrieval = retrieve(store, embedder, question, params)
    timings = {"retrieve": time.perf_counter() - started}
    return answer_from_hits(question, list(retrieval.hits), embedder, llm, prompts, budget, on_token, support, timings)


def answer_from_hits(
    question: str,
    hits: list[Hit],
    embedder: Embedder,
    llm: LLM,
    prompts: Prompts,
    budget: int = DEFAULT_BUDGET,
    on_token: Callable[[str], None] | None = None,
    support: SupportSettings | None = None,
    timings: dict[str, float] | None = None,
) -> AskResult:
    """The part of `ask` after retrieval: pack, generate, check."""
    timings = dict(timings or {})
    context = pack(hits, budget, prompts.cache)
    if not context.passages:
        answer = Answer(question, ABSTAIN, True, (), (), timings=timings)
        return AskResult(answer, context)
    request = AnswerRequest(question, context.passages, tuple(answer_messages(prompts, question, context)))
    started = time.perf_counter()
    reply = llm.answer(request, on_token)
    timings["generate"] = time.perf_counter() - started
    started = time.perf_counter()
    checked = check_answer(reply, context.passages, embedder, support)
    timings["cite"] = time.perf_counter() - started
    answer = Answer(
        question=question,
        text=checked.text,
        abstained=checked.abstained,
        sentences=checked.sentences,
        sources=checked.sources,
        invalid_citations=checked.invalid_citations,
        timings=timings,
        truncated=reply.truncated,
    )
    return AskResult(answer, context)


def answer_json(answer: Answer) -> dict[str, object]:
    return {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "sentences": [
            {"text": s.text, "citations": list(s.citations), "supported": s.supported} for s in answer.sentences
        ],
        "sources": [
            {
                "key": s.key,
                "article_id": s.hit.doc_id,
                "title": s.hit.title,
                "source": s.hit.source,
                "date": s.hit.date,
                "url": s.hit.url,
                "quote": s.quote,
            }
            for s in answer.sources
        ],
        "invalid_citations": list(answer.invalid_citations),
        "truncated": answer.truncated,
        "timings_ms": {k: round(v * 1000, 1) for k, v in answer.timings.items()},
    }
