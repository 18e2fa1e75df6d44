"""When an article changed after it was first read: the same address (or file) with new text is
an update, and each update is remembered with the day it was found and the dates the article
gave before and after, so that a briefing can say that an outlet changed its story.

Kept as the store's named state `versions` (either engine): {doc_id: [Revision, ...]}."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from rag.store.protocol import IndexStore

STATE_NAME = "versions"


@dataclass(frozen=True)
class Revision:
    found: str  # the day the changed text was read (UTC, ISO)
    previous_date: str | None  # the date the article gave before the change
    date: str | None  # ... and after it


def revisions_of(store: IndexStore) -> dict[str, tuple[Revision, ...]]:
    text = store.read_state(STATE_NAME)
    if not text:
        return {}
    saved = json.loads(text)
    return {doc_id: tuple(Revision(**r) for r in listed) for doc_id, listed in saved.items()}


def record(store: IndexStore, changed: Sequence[tuple[str, str | None, str | None]], today: str | None = None) -> None:
    """Remember that these articles (doc_id, date before, date after) were found changed today
    (the caller holds the write lock)."""
    if not changed:
        return
    found = today or dt.datetime.now(dt.UTC).date().isoformat()
    kept = {doc_id: list(listed) for doc_id, listed in revisions_of(store).items()}
    for doc_id, before, after in changed:
        kept.setdefault(doc_id, []).append(Revision(found, before, after))
    payload = {doc_id: [asdict(r) for r in listed] for doc_id, listed in kept.items()}
    store.begin_writes().write_state(STATE_NAME, json.dumps(payload, sort_keys=True))
