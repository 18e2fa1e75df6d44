"""Fetching (rag.ingest.web, rag.ingest.guard): the address check as a pure function, and every
limit against a hostile server on 127.0.0.1 (no traffic goes anywhere else)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fixtures.web.server import Site, serve

from rag.ingest.articles import ReadResult
from rag.ingest.guard import address_problem
from rag.ingest.sources import read_sources
from rag.ingest.web import USER_AGENT, Fetcher, FetchError, FetchSettings, Refused

# Small limits keep every hostile case fast; the server is ours on loopback, hence allow_private.
FAST = FetchSettings(delay=0.0, max_bytes=1024 * 1024, timeout=1.5, allow_private=True, max_retry_wait=2.0)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


@pytest.mark.parametrize(
    ("addresses", "kind"),
    [
        (["127.0.0.1"], "loopback"),
        (["::1"], "loopback"),
        (["10.1.2.3"], "private"),
        (["192.168.0.10"], "private"),
        (["172.16.5.4"], "private"),
        (["169.254.1.1"], "link-local"),
        (["fe80::1"], "link-local"),
        (["224.0.0.1"], "multicast"),
        (["240.0.0.1"], "reserved"),
        (["0.0.0.0"], "unspecified"),
        (["100.64.0.1"], "non-public"),
        (["::ffff:127.0.0.1"], "loopback"),  # an IPv4-mapped IPv6 address is its IPv4 address
        (["93.184.215.14", "10.0.0.1"], "private"),  # every address must pass, not just one
    ],
)
def test_non_public_addresses_are_refused_naming_the_flag(addresses: list[str], kind: str) -> None:
    problem = address_problem("news.example", addresses)
    assert problem is not None and f"a {kind} address" in problem
    assert "--allow-private" in problem and "\n" not in problem
    assert address_problem("news.example", addresses, allow_private=True) is None


def test_public_addresses_pass_and_metadata_never_does() -> None:
    assert address_problem("news.example", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:70d8"]) is None
    for metadata in ("169.254.169.254", "fd00:ec2::254"):
        problem = address_problem("metadata.example", [metadata], allow_private=True)
        assert problem is not None and "metadata" in problem
    assert address_problem("nowhere.example", []) is not None


def test_the_checked_address_is_the_one_connected_to(site: Site) -> None:
    """A resolver that answers a public address at check time would be connected to (pinned), so
    one that answers loopback is refused before any socket opens: no request reaches the server."""
    before = len(site.paths())
    answers = iter([["127.0.0.1"]])
    with Fetcher(FetchSettings(delay=0.0), resolve=lambda host, port: next(answers)) as fetcher:
        with pytest.raises(Refused, match="--allow-private"):
            fetcher.fetch("http://news.example/story.html")
    assert len(site.paths()) == before


def test_loopback_without_allow_private_is_one_line_naming_the_flag(site: Site) -> None:
    before = len(site.paths())
    results = list(read_sources([f"{site.base}/gazette/rss.xml"], FetchSettings(delay=0.0)))
    skipped = [s for r in results for s in r.skipped]
    assert len(skipped) == 1 and "--allow-private" in skipped[0].reason and "\n" not in skipped[0].reason
    assert len(site.paths()) == before  # refused before connecting


def test_user_agent_names_rag_and_its_version(site: Site) -> None:
    from rag import __version__

    with Fetcher(FAST) as fetcher:
        fetcher.fetch(f"{site.base}/gazette/rss.xml")
    headers = next(h for p, h, _ in reversed(site.requests) if p == "/gazette/rss.xml")
    assert headers["User-Agent"] == USER_AGENT and f"rag/{__version__}" in USER_AGENT


def test_conditional_get_gives_not_modified(site: Site) -> None:
    with Fetcher(FAST) as fetcher:
        first = fetcher.fetch(f"{site.base}/courier/atom.xml")
        again = fetcher.fetch(f"{site.base}/courier/atom.xml", etag=first.etag, last_modified=first.last_modified)
    assert first.status == 200 and first.etag and first.last_modified
    assert again.not_modified and again.body == b""


def test_retry_after_is_honoured_then_the_page_comes(site: Site) -> None:
    started = time.monotonic()
    with Fetcher(FAST) as fetcher:
        fetched = fetcher.fetch(f"{site.base}/hostile/429")
    assert fetched.status == 200 and b"ferry" in fetched.body.lower()
    assert time.monotonic() - started >= 1.0  # waited the second it asked for


def test_requests_to_one_host_are_spaced_by_the_delay(site: Site) -> None:
    with Fetcher(FetchSettings(delay=0.3, allow_private=True)) as fetcher:
        fetcher.fetch(f"{site.base}/courier/choir-tour.html")  # robots.txt first, then the page
        fetcher.fetch(f"{site.base}/courier/river-bridge-reopens.html")
    times = [t for p, _, t in site.requests[-3:]]
    assert all(later - earlier >= 0.29 for earlier, later in zip(times, times[1:], strict=False))


HOSTILE = {
    # path: (words the one skipped line must hold, seconds it may take at most)
    "/hostile/gzip-bomb": ("over the 1 MB limit", 5),
    "/hostile/huge": ("50 MB, over the 1 MB limit", 5),
    "/hostile/huge-undeclared": ("over the 1 MB limit", 5),
    "/hostile/trickle": ("within 1.5 s", 4),
    "/hostile/trickle-headers": ("within 1.5 s", 4),
    "/hostile/loop": ("redirect loop", 5),
    "/hostile/chain": ("more than 5 redirects", 5),
    "/hostile/to-file": ("only http:// and https://", 5),
    "/hostile/to-closed-port": ("cannot", 5),
    "/hostile/404": ("HTTP 404 Not Found", 5),
    "/hostile/500": ("HTTP 500 Internal Server Error", 5),
    "/hostile/429-forever": ("asks to wait 3600 s", 5),
    "/hostile/malformed.xml": ("not well-formed RSS", 5),
    "/hostile/entity-bomb.xml": ("entit", 5),
}


@pytest.mark.parametrize("path", sorted(HOSTILE))
def test_each_hostile_answer_is_one_skipped_line(site: Site, path: str) -> None:
    words, seconds = HOSTILE[path]
    started = time.monotonic()
    results = list(read_sources([f"{site.base}{path}"], FAST))
    elapsed = time.monotonic() - started
    skipped = [s for r in results for s in r.skipped]
    assert len(skipped) == 1, skipped
    assert words in skipped[0].reason and "\n" not in skipped[0].reason and "Traceback" not in skipped[0].reason
    assert not [a for r in results for a in r.articles]
    assert elapsed < seconds


def test_the_closed_port_redirect_is_refused_without_allow_private(site: Site) -> None:
    with Fetcher(FetchSettings(delay=0.0)) as fetcher, pytest.raises(FetchError, match="--allow-private"):
        fetcher.fetch(f"{site.base}/hostile/to-closed-port")


def test_hostile_sources_lose_none_of_the_good_ones(site: Site) -> None:
    urls = [f"{site.base}{path}" for path in ("/hostile/gzip-bomb", "/hostile/loop", "/hostile/entity-bomb.xml")]
    urls.insert(1, f"{site.base}/feeds.opml")
    results: list[ReadResult] = list(read_sources(urls, FAST))
    articles = [a for r in results for a in r.articles]
    skipped = [s for r in results for s in r.skipped]
    assert len(articles) == 30
    assert len(skipped) == 4  # the three hostile sources and the robots-disallowed entry


def test_fetch_settings_come_from_rag_settings() -> None:
    from rag.settings import Flags, SettingError, resolve

    env = {"HOME": "/tmp", "RAG_FETCH_DELAY": "0", "RAG_FETCH_MAX_BYTES": "2048", "RAG_ALLOW_PRIVATE": "1"}
    settings = FetchSettings.from_settings(resolve(env={**env, "RAG_FETCH_TIMEOUT": "3"}))
    assert (settings.delay, settings.max_bytes, settings.timeout, settings.allow_private) == (0.0, 2048, 3.0, True)
    assert not resolve(Flags(allow_private=False), env=env).allow_private
    with pytest.raises(SettingError, match="RAG_ALLOW_PRIVATE"):
        resolve(env={"HOME": "/tmp", "RAG_ALLOW_PRIVATE": "maybe"})


class _Counting:
    """A server whose every page takes a while, counting how many requests it serves at once."""

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def handler(self) -> type:
        from http.server import BaseHTTPRequestHandler

        counting = self

        class Slow(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                with counting.lock:
                    counting.now += 1
                    counting.most = max(counting.most, counting.now)
                time.sleep(0.15)
                with counting.lock:
                    counting.now -= 1
                body = b"User-agent: *\nAllow: /\n" if self.path == "/robots.txt" else b"<p>page</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain" if self.path == "/robots.txt" else "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Slow


def test_one_host_gets_at_most_two_requests_at_a_time() -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from http.server import ThreadingHTTPServer

    counting = _Counting()
    server = ThreadingHTTPServer(("127.0.0.1", 0), counting.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with Fetcher(FAST) as fetcher, ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(fetcher.fetch, [f"{base}/page-{n}.html" for n in range(10)]))
    finally:
        server.shutdown()
        server.server_close()
    assert counting.most == 2  # never more than two, and the two are used
