"""Stories as the index keeps them: the state is named state of the store (`read_state` and
`StoreWriter.write_state`, whichever engine), brought up to date after every ingest with the
articles it has not placed yet, and read back as the stories a user lists, briefs and asks.

A near-duplicate belongs to its original's story; an article removed from the index drops out
of its story when the stories are read."""

from __future__ import annotations

import base64
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.embed import Embedder
from rag.store.filters import Filters
from rag.store.protocol import IndexStore, StoredArticle, StoreWriter
from rag.stories.model import ArticleSignal, StorySettings, StoryState, state_from_payload, state_to_payload
from rag.stories.place import assign, rebuild
from rag.stories.signals import article_vector
from rag.stories.title import story_title

STATE_NAME = "stories"


@dataclass(frozen=True)
class StoryView:
    """One story as it is listed: its id, its headline (the most central member's title), the
    ids its articles were ingested under (copies included), its outlets and its dated span."""

    id: str
    title: str
    article_ids: tuple[str, ...]
    sources: tuple[str, ...]
    first: str | None
    last: str | None
    dates: tuple[str, ...] = ()  # of its dated articles, oldest first


def load(store: IndexStore) -> StoryState | None:
    text = store.read_state(STATE_NAME)
    if not text:
        return None
    saved = json.loads(text)
    arrays = {name: np.load(io.BytesIO(base64.b64decode(blob))) for name, blob in saved["arrays"].items()}
    return state_from_payload(saved["meta"], arrays)


def save(writer: StoreWriter, state: StoryState) -> None:
    meta, arrays = state_to_payload(state)
    encoded = {}
    for name, array in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        encoded[name] = base64.b64encode(buffer.getvalue()).decode("ascii")
    writer.write_state(STATE_NAME, json.dumps({"meta": meta, "arrays": encoded}))


def update(store: IndexStore, embedder: Embedder, settings: StorySettings | None = None) -> StoryState:
    """Place the articles the stories do not hold yet, in the order they were ingested (the
    caller holds the write lock)."""
    state = load(store) or StoryState.empty(embedder.dimension)
    known = set(state.article_ids)
    new = sorted(
        (a for a in store.articles_by_key().values() if a.duplicate_of is None and a.doc_id not in known),
        key=lambda a: a.id,
    )
    if new:
        state = assign(state, signals(store, embedder, [a.id for a in new]), settings)
        save(store.begin_writes(), state)
    return state


def rebuild_all(store: IndexStore, embedder: Embedder, settings: StorySettings | None = None) -> StoryState:
    """The stories of the whole index recomputed from nothing (the caller holds the write lock)."""
    originals = sorted((a for a in store.articles_by_key().values() if a.duplicate_of is None), key=lambda a: a.id)
    state = rebuild(signals(store, embedder, [a.id for a in originals]), settings)
    save(store.begin_writes(), state)
    return state


def signals(store: IndexStore, embedder: Embedder, article_ids: Sequence[int]) -> list[ArticleSignal]:
    """Each article's signal from what the index holds: its chunk vectors and its title."""
    texts = store.articles(article_ids)
    chunks: dict[int, list[np.ndarray]] = defaultdict(list)
    for article_id, _, _, vector in store.chunk_vectors(article_ids):
        chunks[article_id].append(vector)
    titled = [t for t in texts if t.title.strip()]
    title_vectors = dict(zip((t.id for t in titled), embedder.embed([t.title for t in titled]), strict=True))
    found = []
    for text in texts:
        vectors = np.asarray(chunks.get(text.id, []), dtype=np.float32)
        if not len(vectors) and text.id not in title_vectors:
            continue  # nothing to place it by (no chunks yet, no title); the next update will
        vector = article_vector(vectors, title_vectors.get(text.id))
        found.append(ArticleSignal(text.doc_id, vector, text.date, text.source))
    return found


def views(store: IndexStore, state: StoryState | None, filters: Filters | None = None) -> list[StoryView]:
    """The stories, biggest and newest first; with `filters`, those with a member of one of its
    outlets, dated within its span (`since`, `until`)."""
    if state is None:
        return []
    stored = list(store.articles_by_key().values())
    originals: dict[str, StoredArticle] = {a.doc_id: a for a in stored if a.duplicate_of is None}
    copies: dict[str, list[str]] = defaultdict(list)
    doc_of = {a.id: a.doc_id for a in stored}
    for article in stored:
        if article.duplicate_of is not None and article.duplicate_of in doc_of:
            copies[doc_of[article.duplicate_of]].append(article.doc_id)
    titles = {doc_id: article.title for doc_id, article in originals.items()}
    wanted = filters or Filters()
    listed = []
    for story in state.stories():
        members = [originals[a] for a in story.article_ids if a in originals]
        if not members or not any(wanted.admits(m.source, m.date) for m in members):
            continue
        dates = sorted(m.date for m in members if m.date)
        listed.append(
            StoryView(
                id=str(story.story_id),
                title=story_title(state, story.story_id, titles) or members[0].title,
                article_ids=tuple(a for m in members for a in (m.doc_id, *copies.get(m.doc_id, ()))),
                sources=tuple(dict.fromkeys(m.source for m in members if m.source)),
                first=dates[0] if dates else None,
                last=dates[-1] if dates else None,
                dates=tuple(dates),
            )
        )
    listed.sort(key=lambda s: s.last or "", reverse=True)
    listed.sort(key=lambda s: len(s.article_ids), reverse=True)
    return listed
