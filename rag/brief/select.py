"""Which articles a briefing reads, and which of their sentences are claims."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.brief.model import BriefSettings
from rag.embed import Embedder
from rag.retrieve import RetrievalParams, retrieve
from rag.store import Filters, Store, StoredText
from rag.text import sentence_spans


def select_articles(
    store: Store,
    embedder: Embedder,
    topic: str | None,
    filters: Filters,
    settings: BriefSettings,
    doc_ids: Sequence[str] | None = None,
) -> list[StoredText]:
    """The articles named, or every article bearing on the topic (best passage above the
    floor), or all of them."""
    if doc_ids is not None:
        return store.db.articles(ids=store.db.ids_for_doc_ids(doc_ids))
    if not topic:
        return store.db.articles(filters=filters)[: settings.max_articles]
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
    return store.db.articles(ids=list(dict.fromkeys(ids)))


_BOILERPLATE = re.compile(
    r"\b(cookies?|subscribe|newsletter|all rights reserved|published by|recent posts|minutes ago|hours ago|"
    r"click here|sign up|follow us|read more)\b",
    re.IGNORECASE,
)


def claim_sentences(text: str) -> list[str]:
    """Sentences worth comparing: whole statements, not headings, bullets' markers or page chrome."""
    found = []
    for start, end in sentence_spans(text):
        sentence = text[start:end].lstrip("•*-–— \t").strip()
        n_words = len(sentence.split())
        if n_words < 6 or n_words > 90 or _BOILERPLATE.search(sentence):
            continue
        if sentence.endswith(("…", "...")):
            continue  # a teaser
        capitalised = sum(w[:1].isupper() for w in sentence.split()) / n_words
        if sentence[-1:] not in '.!?"”’)' and (n_words < 12 or capitalised > 0.6):
            continue  # a heading
        found.append(sentence)
    return found
