"""Which articles a briefing reads, and which of their sentences are claims."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from rag.brief.model import BriefSettings, Claim
from rag.embed import Embedder
from rag.ingest.boilerplate import is_boilerplate
from rag.retrieve import RetrievalParams, retrieve
from rag.store.filters import Filters
from rag.store.protocol import IndexStore, StoredText
from rag.text import sentence_spans


def select_articles(
    store: IndexStore,
    embedder: Embedder,
    topic: str | None,
    filters: Filters,
    settings: BriefSettings,
    doc_ids: Sequence[str] | None = None,
) -> list[StoredText]:
    """The articles named (those of them the outlet and date filters admit), or every article
    bearing on the topic (best passage above the floor), or all of them."""
    if doc_ids is not None:
        named = store.articles(ids=store.ids_for_doc_ids(doc_ids))
        return [a for a in named if filters.admits(a.source, a.date)]
    if not topic:
        return store.articles(filters=filters)[: settings.max_articles]
    return topic_articles(store, embedder, topic, filters, settings)


def topic_articles(
    store: IndexStore, embedder: Embedder, topic: str, filters: Filters, settings: BriefSettings
) -> list[StoredText]:
    """The articles bearing on `topic`, best first: those whose best passage is close enough in
    meaning, or matches its words and is not far in meaning."""
    params = RetrievalParams(
        k=settings.max_articles,
        per_article=1,
        candidates=max(256, settings.max_articles * 4),
        relevance_floor=-1.0,
        filters=filters,
    )
    result = retrieve(store, embedder, topic, params)
    ids = [
        h.article_id
        for h in result.hits
        if (h.dense_score or 0.0) >= settings.topic_article_floor
        or (h.lexical_rank is not None and (h.dense_score or 0.0) >= settings.topic_lexical_floor)
    ]
    return store.articles(ids=list(dict.fromkeys(ids)))


_BOILERPLATE = re.compile(
    r"\b(cookies?|subscribe|newsletter|all rights reserved|published by|recent posts|minutes ago|hours ago|"
    r"click here|sign up|follow us|read more)\b",
    re.IGNORECASE,
)


# A reference number glued after a sentence's last stop ("… Graham Phillips.23"), as pages
# copied from the web carry them: not part of what the sentence says.
_FOOTNOTE = re.compile(r"([.!?][\"'”’»)\]]*)\d{1,3}$")


# A wire story's dateline before its first sentence ("WASHINGTON (AP) — ", "LONDON, March 3
# (Reuters) - ", "KYIV, Ukraine — "): where and by whom it was filed, which the source list gives.
_DATELINE = re.compile(
    r"^[A-Z][A-Z.'’ -]*[A-Z.]"  # the place, in capitals
    r"(?:, [A-Z][A-Za-z.]+(?: \d{1,2})?)*"  # its country or state, the day
    r"(?: \([A-Za-z. ]{1,40}\))? ?(?:—|–|--|-) (?=[A-Z0-9“\"])"  # the agency, the dash
)


def claim_sentences(text: str) -> list[str]:
    """Sentences worth comparing: whole statements, not headings, bullets' markers or page chrome."""
    return [sentence for _, sentence in claim_spans(text)]


def claim_spans(text: str) -> list[tuple[int, str]]:
    """`claim_sentences` with where each starts in the text."""
    found = []
    for start, end in sentence_spans(text):
        sentence = _FOOTNOTE.sub(r"\1", text[start:end].lstrip("•*-–— \t").strip())
        if not text[:start].strip():
            sentence = _DATELINE.sub("", sentence)
        n_words = len(sentence.split())
        if n_words < 4 or n_words > 90 or _BOILERPLATE.search(sentence):
            continue
        if sentence.endswith(("…", "...")):
            continue  # a teaser
        capitalised = sum(w[:1].isupper() for w in sentence.split()) / n_words
        if sentence[-1:] not in '.!?"”’)' and (n_words < 12 or capitalised > 0.6):
            continue  # a heading
        found.append((start, sentence))
    return found


def bearing_claims(
    store: IndexStore,
    articles: Sequence[StoredText],
    anchor: np.ndarray | None,
    settings: BriefSettings,
    boilerplate: Mapping[str, frozenset[str]] | None = None,
) -> list[Claim]:
    """The claims worth embedding: sentences of the chunks that bear on the topic (or, with no
    topic, on the articles' common centre), judged by the chunk vectors already in the index,
    best chunks first, at most `max_claims` in all and `max_claims_per_article` per article.
    Embedding every sentence of long articles is what a briefing would otherwise spend its
    time on."""
    chunks: dict[int, list[tuple[int, int, np.ndarray]]] = {}
    for article_id, start, end, vector in store.chunk_vectors([a.id for a in articles]):
        chunks.setdefault(article_id, []).append((start, end, vector))
    if anchor is None:
        means = [np.mean([v for _, _, v in rows], axis=0) for rows in chunks.values() if rows]
        centre = np.mean(means, axis=0) if means else None
        anchor = centre / (np.linalg.norm(centre) or 1.0) if centre is not None else None
    per_article = max(settings.min_claims_per_article, settings.max_claims // max(1, len(articles)))
    per_article = min(per_article, settings.max_claims_per_article)
    claims: list[Claim] = []
    for key, article in enumerate(articles, start=1):
        spans = [s for s in claim_spans(article.text) if not is_boilerplate(s[1], article.source, boilerplate or {})]
        rows = chunks.get(article.id, [])
        if anchor is None or not rows:
            chosen = spans[:per_article]
        else:
            ranked = sorted(rows, key=lambda r: -float(r[2] @ anchor))
            bearing = [r for r in ranked if float(r[2] @ anchor) >= settings.relevance_floor - settings.chunk_margin]
            picked: set[int] = set()
            for start, end, _ in bearing or ranked[:1]:
                picked.update(i for i, (offset, _) in enumerate(spans) if start <= offset < end)
                if len(picked) >= per_article:
                    break
            chosen = [spans[i] for i in sorted(picked)][:per_article]
        position = {offset: i for i, (offset, _) in enumerate(spans)}
        claims.extend(Claim(key, sentence, position=position[offset]) for offset, sentence in chosen)
    return claims
