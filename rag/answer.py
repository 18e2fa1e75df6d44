"""`ask`: retrieve → pack → model → check citations. About thirty lines, on purpose."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rag.cite import SupportSettings, check_answer
from rag.embed import Embedder
from rag.ingest.boilerplate import boilerplate_of, is_boilerplate
from rag.llm.protocol import ABSTAIN, LLM, AnswerRequest, ConflictFinder
from rag.prompt import PackedContext, Prompts, answer_messages, pack
from rag.retrieve import RetrievalParams, retrieve
from rag.store.protocol import IndexStore
from rag.text import content_stems, sentence_spans, sentences
from rag.types import Answer, Conflict, Hit, Source

DEFAULT_BUDGET = 3000


@dataclass(frozen=True)
class AskResult:
    answer: Answer
    context: PackedContext


def ask(
    question: str,
    store: IndexStore,
    embedder: Embedder,
    llm: LLM,
    params: RetrievalParams,
    prompts: Prompts,
    conflicts: ConflictFinder,
    budget: int = DEFAULT_BUDGET,
    on_token: Callable[[str], None] | None = None,
    support: SupportSettings | None = None,
) -> AskResult:
    """Answer `question` from the index, every sentence checked against the passages it cites.

    With `on_token`, the model's reply is streamed to it as it arrives. A backend that does not
    look for disagreement between the passages has them read by `conflicts` (one extractive
    reader, kept for every question), whatever the model wrote.
    """
    started = time.perf_counter()
    conflicts.prepare(question)  # spaCy, when the question needs it, loads while we retrieve
    retrieval = retrieve(store, embedder, question, params)
    timings = {"retrieve": time.perf_counter() - started}
    hits = without_boilerplate(list(retrieval.hits), store)
    return answer_from_hits(question, hits, embedder, llm, prompts, conflicts, budget, on_token, support, timings)


def without_boilerplate(hits: list[Hit], store: IndexStore) -> list[Hit]:
    """The passages without their outlets' boilerplate ("Sign up for our newsletter", a tip
    line: rag.ingest.boilerplate), so that no answer reads or cites it; a passage that is all
    boilerplate is left out."""
    found = boilerplate_of(store)
    if not found:
        return hits
    kept = []
    for hit in hits:
        cuts = [(s, e) for s, e in sentence_spans(hit.text) if is_boilerplate(hit.text[s:e], hit.source, found)]
        if not cuts:
            kept.append(hit)
            continue
        pieces, last = [], 0
        for start, end in cuts:
            pieces.append(hit.text[last:start])
            last = end
        text = (" ".join(p.strip() for p in [*pieces, hit.text[last:]] if p.strip())).strip()
        if text:
            kept.append(replace(hit, text=text))
    return kept


def answer_from_hits(
    question: str,
    hits: list[Hit],
    embedder: Embedder,
    llm: LLM,
    prompts: Prompts,
    conflicts: ConflictFinder,
    budget: int = DEFAULT_BUDGET,
    on_token: Callable[[str], None] | None = None,
    support: SupportSettings | None = None,
    timings: dict[str, float] | None = None,
) -> AskResult:
    """The part of `ask` after retrieval: pack, generate, check."""
    timings = dict(timings or {})
    context = pack(hits, budget, prompts.cache)
    if not context.passages:
        answer = Answer(
            question, ABSTAIN, True, (), (), timings=timings, abstain_reason="no passage is relevant enough"
        )
        return AskResult(answer, context)
    request = AnswerRequest(question, context.passages, tuple(answer_messages(prompts, question, context)))
    started = time.perf_counter()
    reply = llm.answer(request, on_token)
    timings["generate"] = time.perf_counter() - started
    started = time.perf_counter()
    checked = check_answer(reply, context.passages, embedder, support)
    timings["cite"] = time.perf_counter() - started
    found = reply.conflicts
    if found is None:
        started = time.perf_counter()
        found = conflicts.find_conflicts(question, context.passages)
        timings["conflicts"] = time.perf_counter() - started
    answer = Answer(
        question=question,
        text=checked.text,
        abstained=checked.abstained,
        sentences=checked.sentences,
        sources=tuple(
            sorted(checked.sources + _conflict_sources(found, context.passages, checked.sources), key=lambda s: s.key)
        ),
        invalid_citations=checked.invalid_citations,
        timings=timings,
        truncated=reply.truncated,
        short_answer=None if checked.abstained else reply.short_answer,
        lead="" if checked.abstained else reply.lead,
        conflicts=found,
        abstain_reason=(reply.abstain_reason or "the model found no answer in the passages")
        if checked.abstained
        else None,
    )
    return AskResult(answer, context)


def _conflict_sources(
    conflicts: Sequence[Conflict], passages: Sequence[tuple[int, Hit]], cited: Sequence[Source]
) -> tuple[Source, ...]:
    """The passages a disagreement cites that no sentence of the answer does, each quoted at
    its sentence closest in words to that side's answer, so that every citation can be opened."""
    by_key = dict(passages)
    known = {s.key for s in cited}
    found: dict[int, Source] = {}
    for conflict in conflicts:
        for side in conflict.answers:
            wanted = set(content_stems(side.text))
            for key in side.citations:
                if key in known or key in found or key not in by_key:
                    continue
                quote = max(sentences(by_key[key].text), key=lambda x: len(wanted & set(content_stems(x))), default="")
                found[key] = Source(key, by_key[key], quote)
    return tuple(found[k] for k in sorted(found))


def undated_left_out(result: AskResult, undated: int) -> AskResult:
    """An abstention under a date limit says how many articles the limit left out for having no
    date at all, which may be why nothing answered."""
    if not undated:
        return result
    note = f"{undated} article{'s' if undated != 1 else ''} with no date left out by the date limit (--as-of, --until)"
    reason = "; ".join(r for r in (result.answer.abstain_reason, note) if r)
    return replace(result, answer=replace(result.answer, abstain_reason=reason))
