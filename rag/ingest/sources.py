"""Read web sources into Articles: a feed, a sitemap, an OPML list or a sitemap index (whose
feeds and sitemaps are read in turn), or an article page. The web counterpart of
`rag.ingest.files.read_paths`: it yields ReadResults, and one bad source, entry or page is one
skipped line with its reason, never the end of the run.

What it learns for following a source later (validators, title, last status, entries already read
in full) goes into `state`, a dict of `SourceState` by address that the caller keeps:

    state = load()                               # {} the first time
    for result in read_sources(urls, FetchSettings.from_settings(settings), state):
        ...                                      # as the pipeline consumes read_paths
    save(state)                                  # next run: 304s and only the new entries
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from rag.ingest.articles import ReadResult, Skipped
from rag.ingest.feeds import FEED_KINDS, NOT_ARTICLES, PAGE, Entry, FeedError, Listing, read_feed, sniff
from rag.ingest.pages import canonical_url, entry_article, host_of, not_a_page, page_article
from rag.ingest.sitemaps import read_opml, read_sitemap
from rag.ingest.web import Fetched, Fetcher, FetchError, FetchSettings, scheme_problem

MAX_DEPTH = 2  # a list of lists: OPML → feed, sitemap index → sitemap; no deeper
MAX_SEEN = 2000  # entries remembered per source as read in full


@dataclass(frozen=True)
class SourceState:
    """What a visit to one source learnt, to store and pass back next time."""

    url: str
    kind: str | None = None  # 'rss', 'atom', 'json feed', 'sitemap', 'opml', 'page', …
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    status: str = "not read yet"  # 'ok', 'not modified', or why the last visit failed
    http_status: int | None = None
    checked: str | None = None  # when, as ISO 8601 UTC
    seen: tuple[str, ...] = ()  # canonical addresses of its entries already read in full, newest first


@dataclass(frozen=True)
class FetchTally:
    """How far a run over the web has got: what a progress bar shows."""

    sources: int = 0  # feeds, lists, sitemaps and pages asked for, visited
    pages: int = 0  # article pages fetched from what they list
    articles: int = 0  # articles read (new or changed: the unchanged are not fetched again)
    skipped: int = 0  # entries and sources not read, each with its reason in the report


FetchProgress = Callable[[FetchTally], None]


def read_sources(
    urls: Iterable[str],
    settings: FetchSettings,
    state: MutableMapping[str, SourceState] | None = None,
    fetcher: Fetcher | None = None,
    progress: FetchProgress | None = None,
) -> Iterator[ReadResult]:
    """ReadResults for the sources at `urls` and everything they list, each article once (by
    canonical address) however many feeds carry it. `state` is read for conditional GETs and
    entries already read, and updated in place with what this run learnt."""
    run = _Run(settings, {} if state is None else state, fetcher)
    try:
        for result in run.read(urls):
            run.tally = replace(
                run.tally,
                articles=run.tally.articles + len(result.articles),
                skipped=run.tally.skipped + len(result.skipped),
            )
            if progress is not None:
                progress(run.tally)
            yield result
    finally:
        run.close()


class _Run:
    def __init__(self, settings: FetchSettings, state: MutableMapping[str, SourceState], fetcher: Fetcher | None):
        self.settings = settings
        self.state = state
        self.own_fetcher = fetcher is None
        self.fetcher = fetcher or Fetcher(settings)
        self.claimed: set[str] = set()  # canonical addresses of entries taken up in this run
        self.produced: set[str] = set()  # keys of the articles read in this run
        self.visited: set[str] = set()  # sources read in this run
        self.tally = FetchTally()

    def close(self) -> None:
        if self.own_fetcher:
            self.fetcher.close()

    def read(self, urls: Iterable[str]) -> Iterator[ReadResult]:
        queue = deque((url.strip(), 0) for url in urls if url.strip())
        while queue:
            url, depth = queue.popleft()
            key = canonical_url(url)
            if key in self.visited:
                continue
            self.visited.add(key)
            self.tally = replace(self.tally, sources=self.tally.sources + 1)
            for result, more in self._source(url, depth):
                queue.extend((address, depth + 1) for address in more)
                if result.articles or result.skipped or result.warnings:
                    yield result

    def _source(self, url: str, depth: int) -> Iterator[tuple[ReadResult, tuple[str, ...]]]:
        previous = self.state.get(url) or SourceState(url=url)
        if problem := scheme_problem(url):
            self._remember(previous, status=problem)
            yield _skip(url, problem), ()
            return
        try:
            fetched = self.fetcher.fetch(url, previous.etag, previous.last_modified)
        except FetchError as exc:
            self._remember(previous, status=str(exc))
            yield _skip(url, str(exc)), ()
            return
        if fetched.not_modified:
            self._remember(previous, status="not modified", http_status=304)
            return
        kind = sniff(fetched.body, fetched.content_type)
        validators = {"etag": fetched.etag, "last_modified": fetched.last_modified, "http_status": fetched.status}
        if kind == PAGE:
            result = self._entry(Entry(url=fetched.url), None, fetched)
            self._remember(previous, kind=kind, status="ok" if result.articles else "no article", **validators)
            yield result, ()
            return
        try:
            listing = self._listing(fetched, kind)
        except FeedError as exc:
            self._remember(previous, kind=kind, status=str(exc), **validators)
            yield _skip(url, str(exc)), ()
            return
        warnings = [f"{url}: {listing.warning}"] if listing.warning else []
        if listing.dropped:
            warnings.append(f"{url}: {listing.dropped} more entries past the limit of {self.settings.max_entries}")
        more = listing.sources
        if more and depth >= MAX_DEPTH:
            warnings.append(f"{url}: lists {len(more)} further lists, not followed (lists of lists stop at 2 levels)")
            more = ()
        yield ReadResult(warnings=warnings), more
        seen = set(previous.seen)
        read_now: list[str] = []
        for entry, result in self._entries(listing, seen):
            if not result.skipped and not _partial(result):  # read in full, or a copy of one that was
                keys = (_mark(entry, canonical_url(entry.url)), *(article.key for article in result.articles))
                read_now.extend(key for key in keys if key not in read_now)
            yield result, ()
        kept = (*read_now, *(key for key in previous.seen if key not in read_now))[:MAX_SEEN]
        self._remember(previous, kind=kind, title=listing.title, status="ok", seen=kept, **validators)

    def _listing(self, fetched: Fetched, kind: str) -> Listing:
        limit = self.settings.max_entries
        if kind in FEED_KINDS:
            return read_feed(fetched.body, kind, fetched.url, limit)
        if kind == "opml":
            return read_opml(fetched.body, limit)
        if kind in ("sitemap", "news sitemap", "sitemap index"):
            return read_sitemap(fetched.body, kind, limit)
        if kind in NOT_ARTICLES:
            raise FeedError(f"{NOT_ARTICLES[kind]}, not a feed, a list or an article page")
        raise FeedError("neither a feed (RSS, Atom, JSON Feed), a sitemap, an OPML list nor an article page")

    def _entries(self, listing: Listing, seen: set[str]) -> Iterator[tuple[Entry, ReadResult]]:
        todo: list[Entry] = []
        for entry in listing.entries:
            key = canonical_url(entry.url)
            if key in self.claimed or key in self.produced or _mark(entry, key) in seen:
                continue
            self.claimed.add(key)
            if problem := scheme_problem(entry.url):
                yield entry, _skip(entry.url, problem)
            elif what := not_a_page(entry.url):
                yield entry, _skip(entry.url, f"links to {what}, not an article page; not read")
            else:
                todo.append(entry)
        with ThreadPoolExecutor(max_workers=max(1, self.settings.workers)) as pool:
            # Pages are fetched several at a time (the fetcher keeps each host to its limit) and
            # read here in feed order, one at a time, so the canonical check below sees them all.
            for entry, outcome in zip(todo, pool.map(self._fetch_page, todo), strict=True):
                self.tally = replace(self.tally, pages=self.tally.pages + 1)
                yield entry, self._entry(entry, listing.title, outcome)

    def _fetch_page(self, entry: Entry) -> Fetched | FetchError:
        try:
            return self.fetcher.fetch(entry.url)
        except FetchError as exc:
            return exc

    def _entry(self, entry: Entry, outlet: str | None, outcome: Fetched | FetchError) -> ReadResult:
        if isinstance(outcome, FetchError):
            problem = str(outcome)
        else:
            kind = sniff(outcome.body, outcome.content_type)
            if kind in NOT_ARTICLES:
                return _skip(entry.url, f"links to {NOT_ARTICLES[kind]}, not an article page; not read")
            if kind != PAGE:
                problem = f"the link gives a {kind} document, not an article page"
            else:
                article, problem = page_article(outcome, entry, outlet)  # type: ignore[assignment]
                if article is not None:
                    if article.key in self.produced:
                        return ReadResult()  # the same article, already read through another address
                    self.produced.add(article.key)
                    return ReadResult(articles=[article])
        fallback = entry_article(entry, outlet)
        if fallback is None:
            return _skip(entry.url, problem or "no article text")
        if fallback.key in self.produced:
            return ReadResult()
        self.produced.add(fallback.key)
        return ReadResult(
            articles=[fallback],
            warnings=[f"{entry.url}: partial: the page could not be read ({problem}); the feed's own text was kept"],
        )

    def _remember(self, previous: SourceState, **changes: object) -> None:
        checked = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.state[previous.url] = replace(previous, checked=checked, **changes)  # type: ignore[arg-type]


def _skip(url: str, reason: str) -> ReadResult:
    return ReadResult(skipped=[Skipped(url, reason)])


def _partial(result: ReadResult) -> bool:
    return any(": partial: " in warning for warning in result.warnings)


__all__ = ["FetchProgress", "FetchSettings", "FetchTally", "SourceState", "host_of", "read_sources"]


def _mark(entry: Entry, key: str) -> str:
    """How an entry is remembered as read: its address, and the revision the list gave it, so
    an entry the list says has changed is read again (and replaces the article it was)."""
    return f"{key} {entry.revision}" if entry.revision else key
