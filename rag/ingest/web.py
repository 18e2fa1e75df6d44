"""Fetching from the web, politely and safely: the only network code in rag.

Safe: only http and https; every connection, redirects included, goes to an address checked after
DNS resolution (`address_problem`), and the socket is opened to exactly that address, so a DNS
answer that changes between check and connect cannot slip through. Bounded: bytes after
decompression, redirects, and a total time per request that covers every read (headers and body),
so a server trickling a byte a second cannot stretch it. Polite: a User-Agent naming rag,
robots.txt with its Crawl-delay, at most `per_host` requests at a time per host with a delay
between their starts, bounded retries on 429/503 honouring Retry-After, conditional GET.

Every failure is a `FetchError` whose message is one line. The address check and the pinned,
deadline-bound connections live in rag.ingest.guard.
"""

from __future__ import annotations

import email.utils
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from rag import __version__
from rag.ingest.guard import (
    CheckedTransport,
    FetchError,
    Refused,
    Resolver,
    address_problem,
    check_deadline,
    deadline,
    resolve,
    scheme_problem,
)

if TYPE_CHECKING:
    from protego import Protego

    from rag.settings import Settings

USER_AGENT = f"rag/{__version__} (news reader; python-httpx)"
ROBOTS_NAME = "rag"  # the product token robots.txt groups are matched against
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_ROBOTS_BYTES = 512 * 1024  # RFC 9309 asks crawlers to read at least 500 KiB


@dataclass(frozen=True)
class FetchSettings:
    """The limits of fetching; `FetchSettings.from_settings` takes them from rag.settings."""

    delay: float = 0.5  # seconds between the starts of two requests to one host
    max_bytes: int = 10 * 1024 * 1024  # per response, after decompression
    timeout: float = 20.0  # total seconds per request, every read included
    max_redirects: int = 5
    allow_private: bool = False  # loopback, private and other non-public addresses
    per_host: int = 2  # requests at a time to one host
    retries: int = 2  # more tries after a 429 or 503
    max_retry_wait: float = 30.0  # a Retry-After longer than this gives up instead of waiting
    max_crawl_delay: float = 30.0  # a robots.txt Crawl-delay is honoured up to this
    max_entries: int = 200  # entries read from one feed or sitemap
    workers: int = 4  # pages fetched at once, over all hosts
    user_agent: str = USER_AGENT

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchSettings:
        return cls(
            delay=settings.fetch_delay,
            max_bytes=settings.fetch_max_bytes,
            timeout=settings.fetch_timeout,
            allow_private=settings.allow_private,
        )


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304 when the conditional GET found nothing new
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _HostGate:
    """At most `per_host` requests at once to one host, their starts `delay` seconds apart."""

    def __init__(self, per_host: int) -> None:
        self._slots = threading.BoundedSemaphore(max(1, per_host))
        self._lock = threading.Lock()
        self._next = 0.0
        self.crawl_delay = 0.0

    @contextmanager
    def turn(self, delay: float) -> Iterator[None]:
        with self._slots:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next)
                self._next = start + max(delay, self.crawl_delay)
            time.sleep(max(0.0, start - now))
            yield


class Fetcher:
    """One run's fetching: a connection pool, robots.txt per origin, a gate per host. Thread-safe."""

    def __init__(self, settings: FetchSettings | None = None, resolve: Resolver = resolve) -> None:
        self.settings = settings or FetchSettings()
        self._client = httpx.Client(
            transport=CheckedTransport(self.settings.allow_private, resolve),
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(self.settings.timeout),
            headers={"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._lock = threading.Lock()
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, Protego | str | None] = {}
        self._robot_locks: dict[str, threading.Lock] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """GET `url`, following redirects; a 304 to the conditional headers is `not_modified`.
        Anything else than 200 or 304 raises FetchError."""
        conditional = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        fetched = self._follow(url, conditional, robots=True, limit=self.settings.max_bytes)
        if fetched.status not in (200, 304):
            raise FetchError(_status_text(fetched.status))
        return fetched

    def _follow(self, url: str, headers: dict[str, str], robots: bool, limit: int) -> Fetched:
        visited: list[str] = []
        for _ in range(self.settings.max_redirects + 1):
            if problem := scheme_problem(url):
                raise Refused(f"redirected to {url[:100]}: {problem}" if visited else problem)
            if robots and (problem := self._robots_problem(url)):
                raise FetchError(problem)
            fetched = self._with_retries(url, headers, limit)
            if fetched.status not in REDIRECTS:
                return fetched
            visited.append(url)
            url = fetched.url
            if url in visited:
                raise FetchError(f"redirect loop ({len(visited)} redirects come back to {url[:100]})")
        raise FetchError(f"more than {self.settings.max_redirects} redirects; stopped")

    def _with_retries(self, url: str, headers: dict[str, str], limit: int) -> Fetched:
        for attempt in range(self.settings.retries + 1):
            fetched, retry_after = self._once(url, headers, limit)
            if fetched.status not in (429, 503) or attempt == self.settings.retries:
                return fetched
            wait = retry_after if retry_after is not None else min(2.0**attempt, self.settings.max_retry_wait)
            if wait > self.settings.max_retry_wait:
                raise FetchError(
                    f"{_status_text(fetched.status)}; the server asks to wait {wait:.0f} s, "
                    f"over the {self.settings.max_retry_wait:g} s limit; try again later"
                )
            time.sleep(wait)
        raise AssertionError("unreachable")

    def _once(self, url: str, headers: dict[str, str], limit: int) -> tuple[Fetched, float | None]:
        """One request: (what came back, the Retry-After seconds it asked for)."""
        host = (urlsplit(url).hostname or "").lower()
        with self._gate(host).turn(self.settings.delay):
            try:
                with deadline(self.settings.timeout), self._client.stream("GET", url, headers=headers) as response:
                    return _received(response, limit, self.settings)
            except FetchError:
                raise
            except httpx.TimeoutException:
                raise FetchError(f"no complete answer within {self.settings.timeout:g} s; stopped") from None
            except httpx.ConnectError as exc:
                raise FetchError(f"cannot connect to {host} ({_one_line(exc)})") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"network error ({type(exc).__name__}: {_one_line(exc)})") from None
            except (OSError, ValueError, zlib.error) as exc:
                raise FetchError(f"could not be fetched ({type(exc).__name__}: {_one_line(exc)})") from None

    def _gate(self, host: str) -> _HostGate:
        with self._lock:
            return self._gates.setdefault(host, _HostGate(self.settings.per_host))

    def _robots_problem(self, url: str) -> str | None:
        """Why robots.txt keeps us from `url`, read once per origin (RFC 9309): a 4xx means no
        rules; a 5xx or an unreachable file means stay out. Its Crawl-delay slows the host's gate."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        with self._lock:
            lock = self._robot_locks.setdefault(origin, threading.Lock())
        with lock:
            if origin not in self._robots:
                self._robots[origin] = self._read_robots(origin, (parts.hostname or "").lower())
        rules = self._robots[origin]
        if isinstance(rules, str):
            return rules
        if rules is None or rules.can_fetch(url, ROBOTS_NAME):
            return None
        return f"robots.txt of {parts.netloc} disallows {parts.path or '/'}; not fetched"

    def _read_robots(self, origin: str, host: str) -> Protego | str | None:
        from protego import Protego

        try:
            fetched = self._follow(origin + "/robots.txt", {}, robots=False, limit=MAX_ROBOTS_BYTES)
        except Refused:
            raise
        except FetchError as exc:
            return f"robots.txt could not be read ({exc}); the site is left alone"
        if 400 <= fetched.status < 500:
            return None
        if fetched.status != 200:
            return f"robots.txt answered {_status_text(fetched.status)}; the site is left alone until it answers"
        rules = Protego.parse(fetched.body.decode("utf-8", "replace"))
        delay = rules.crawl_delay(ROBOTS_NAME)
        if delay:
            self._gate(host).crawl_delay = min(float(delay), self.settings.max_crawl_delay)
        return rules


def _received(response: httpx.Response, limit: int, settings: FetchSettings) -> tuple[Fetched, float | None]:
    headers = response.headers
    status = response.status_code
    if status in REDIRECTS:
        location = headers.get("location", "").strip()
        if not location:
            raise FetchError(f"HTTP {status} redirect without a Location")
        try:
            target = str(response.url.join(location))
        except (httpx.InvalidURL, ValueError):
            raise Refused(f"redirected to an invalid address {location[:100]!r}") from None
        return Fetched(url=target, status=status), None
    body = _read_body(response, limit) if status == 200 else b""
    fetched = Fetched(
        url=str(response.url),
        status=status,
        body=body,
        content_type=headers.get("content-type", ""),
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
    )
    return fetched, _retry_after(headers.get("retry-after"))


def _read_body(response: httpx.Response, limit: int) -> bytes:
    """The body, decompressed here with a bound on every step, so a small gzip bomb cannot
    expand past `limit` in memory."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    too_large = f"over the {_size(limit)} limit per response (after decompression); skipped"
    if encoding in ("", "identity"):
        decoder = None
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"{_size(int(declared))}, {too_large}")
    elif encoding in ("gzip", "x-gzip", "deflate"):
        decoder = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, told apart by zlib
    else:
        raise FetchError(f"content encoding {encoding!r} is not supported")
    chunks: list[bytes] = []
    size = 0
    for raw in response.iter_raw():
        pending = raw
        while pending:
            if decoder is None:
                out, pending = pending, b""
            else:
                out = decoder.decompress(pending, limit - size + 1)
                pending = decoder.unconsumed_tail
            size += len(out)
            if size > limit:
                raise FetchError(too_large)
            chunks.append(out)
        check_deadline()  # a body trickled in tiny pieces still ends at the deadline
    return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _status_text(status: int) -> str:
    try:
        from http import HTTPStatus

        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().split("\n")[0][:120]
    return text or type(exc).__name__


__all__ = ["FetchError", "Fetched", "Fetcher", "FetchSettings", "Refused", "address_problem", "scheme_problem"]
