"""What the index follows: every feed, OPML list and sitemap given to `rag ingest` is remembered
in the index (as named state, behind the store protocol), with what each visit learnt (ETag,
Last-Modified, status, the entries already read), so that `rag watch` polls them with
conditional GETs and reads only what is new."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the fetching stack loads only for runs that fetch
    from rag.ingest.sources import SourceState

STATE_NAME = "feeds"
PAGE = "page"


@dataclass(frozen=True)
class Following:
    """The addresses a user asked to follow, and what rag knows of every source it visited
    (those and what they list)."""

    followed: tuple[str, ...] = ()
    sources: dict[str, SourceState] = field(default_factory=dict)

    def after(self, asked: list[str], sources: dict[str, SourceState]) -> Following:
        """This, once a run read `asked` and learnt `sources`: a list or feed among them (not a
        single page, nor a source that failed before rag could tell what it is) is followed."""
        kept = [url for url in asked if url in sources and sources[url].kind not in (None, PAGE)]
        return replace(self, followed=tuple(dict.fromkeys((*self.followed, *kept))), sources=sources)

    def without(self, address: str) -> Following:
        return replace(self, followed=tuple(url for url in self.followed if url != address))


def from_text(text: str | None) -> Following:
    if not text:
        return Following()
    from rag.ingest.sources import SourceState

    raw: dict[str, Any] = json.loads(text)
    sources = {
        url: SourceState(**{**state, "seen": tuple(state.get("seen") or ())}) for url, state in raw["sources"].items()
    }
    return Following(tuple(raw["followed"]), sources)


def to_text(following: Following) -> str:
    sources = {url: asdict(state) for url, state in following.sources.items()}
    return json.dumps({"followed": list(following.followed), "sources": sources}, ensure_ascii=False)


@dataclass(frozen=True)
class Followed:
    """One followed source as `rag feeds` lists it."""

    url: str
    title: str | None
    kind: str | None
    checked: str | None  # the last poll, ISO 8601 UTC
    status: str  # 'ok', 'not modified', or why the last poll failed
    entries_read: int  # entries of it read in full (the newest ones, up to the limit kept)


def followed(following: Following) -> list[Followed]:
    listed = []
    for url in following.followed:
        state = following.sources.get(url)
        if state is None:
            listed.append(Followed(url, None, None, None, "not read yet", 0))
        else:
            read = len({mark.split(" ")[0] for mark in state.seen})  # an address, and its revision if any
            listed.append(Followed(url, state.title, state.kind, state.checked, state.status, read))
    return listed
