"""An outlet's boilerplate, found by its repetition: a sentence that one outlet prints word for
word under articles of different stories ("Sign up for our morning briefing…", "Reporting
contributed by … staff", a tip line) is the outlet's template, not news. It is kept out of every
briefing, and so never counted as an agreement of several sources, and out of the passages every
answer reads (rag.answer.without_boilerplate).

Found after each ingest, over the articles of the outlets it touched, and kept as the store's
named state `boilerplate` (either engine): {outlet (lower case): [sentence key, …]}.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping

from rag.store.filters import Filters
from rag.store.protocol import IndexStore
from rag.text import normalize, sentences

STATE_NAME = "boilerplate"
MIN_ARTICLES = 3  # printed under this many of the outlet's articles ...
MIN_STORIES = 2  # ... of this many different stories (a running story may repeat its own lead)


def sentence_key(sentence: str) -> str:
    return hashlib.blake2b(normalize(sentence).encode(), digest_size=8).hexdigest()


def boilerplate_of(store: IndexStore) -> dict[str, frozenset[str]]:
    text = store.read_state(STATE_NAME)
    if not text:
        return {}
    return {outlet: frozenset(keys) for outlet, keys in json.loads(text).items()}


def is_boilerplate(sentence: str, outlet: str | None, found: Mapping[str, frozenset[str]]) -> bool:
    keys = found.get((outlet or "").lower())
    return bool(keys) and sentence_key(sentence) in keys  # type: ignore[operator]


def update(store: IndexStore, outlets: Iterable[str | None], story_of: Mapping[str, str]) -> None:
    """Find the boilerplate of these outlets again over all their articles (the caller holds
    the write lock); `story_of` maps an article's id to its story's."""
    kept = {outlet: sorted(keys) for outlet, keys in boilerplate_of(store).items()}
    for outlet in {o for o in outlets if o}:
        articles: dict[str, set[str]] = defaultdict(set)
        stories: dict[str, set[str]] = defaultdict(set)
        for article in store.articles(filters=Filters(sources=(outlet,))):
            for sentence in set(sentences(article.text)):
                if len(sentence.split()) < 3:
                    continue
                key = sentence_key(sentence)
                articles[key].add(article.doc_id)
                stories[key].add(story_of.get(article.doc_id, article.doc_id))
        repeated = sorted(
            key for key, ids in articles.items() if len(ids) >= MIN_ARTICLES and len(stories[key]) >= MIN_STORIES
        )
        if repeated:
            kept[outlet.lower()] = repeated
        else:
            kept.pop(outlet.lower(), None)
    store.begin_writes().write_state(STATE_NAME, json.dumps(kept, sort_keys=True))
