"""Sentence-aware chunking measured in the embedding model's own tokens.

Every chunk satisfies `text[chunk.start:chunk.end] == chunk.text` and holds at most
`max_tokens` word pieces, so the model never silently drops its tail.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.embed import TokenCounter
from rag.text import sentence_spans
from rag.types import Chunk


@dataclass(frozen=True)
class ChunkParams:
    """`overlap_sentences`: how many whole sentences a chunk repeats from the one before. One
    embeds about 22% of an article's characters twice (#28); without it retrieval stays within
    0.01 on the dev sets, but a sentence at a chunk's edge loses the context that lets the reader
    weigh it (the seeds' "replied with an emoji" against "has not responded" is then missed with
    fp32 vectors), so one is kept."""

    target_tokens: int = 160
    overlap_sentences: int = 1

    def as_dict(self) -> dict[str, int]:
        return {"target_tokens": self.target_tokens, "overlap_sentences": self.overlap_sentences}


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    n_tokens: int


def chunk_text(text: str, counter: TokenCounter, params: ChunkParams | None = None) -> list[Chunk]:
    """Split `text` into windows of whole sentences (overlapping by `params.overlap_sentences`).

    A sentence longer than the model's limit is cut into token windows at token boundaries.
    """
    params = params or ChunkParams()
    limit = counter.max_tokens
    target = min(params.target_tokens, limit)
    units = _units(text, counter, limit)
    chunks: list[Chunk] = []
    first = 0
    while first < len(units):
        last = first
        total = units[first].n_tokens
        while last + 1 < len(units) and total + units[last + 1].n_tokens <= target:
            last += 1
            total += units[last].n_tokens
        start, end = units[first].start, units[last].end
        chunks.append(Chunk(len(chunks), start, end, text[start:end], total))
        if last + 1 >= len(units):
            break
        first = max(first + 1, last + 1 - params.overlap_sentences)
        # Overlap only with whole sentences that leave room for new material.
        while first <= last and sum(u.n_tokens for u in units[first : last + 1]) > target // 2:
            first += 1
    return chunks


def _units(text: str, counter: TokenCounter, limit: int) -> list[_Unit]:
    spans = sentence_spans(text)
    token_spans = counter.token_spans([text[s:e] for s, e in spans]) if spans else []
    units: list[_Unit] = []
    for (start, end), tokens in zip(spans, token_spans, strict=True):
        if not tokens:
            continue
        if len(tokens) <= limit:
            units.append(_Unit(start, end, len(tokens)))
            continue
        units.extend(_Unit(start + a, start + b, n) for a, b, n in _windows(tokens, limit))
    return units


def _windows(tokens: list[tuple[int, int]], limit: int) -> list[tuple[int, int, int]]:
    """Cut a too-long token run into windows, at word starts where possible, so that each
    window re-tokenises to the same pieces (a cut inside a word would change them)."""
    windows = []
    first = 0
    while first < len(tokens):
        stop = min(first + limit, len(tokens))
        if stop < len(tokens):
            cut = stop
            while cut > first + limit // 2 and tokens[cut][0] == tokens[cut - 1][1]:
                cut -= 1
            if cut > first + limit // 2:
                stop = cut
        windows.append((tokens[first][0], tokens[stop - 1][1], stop - first))
        first = stop
    return windows
