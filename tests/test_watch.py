"""Following the news: a feed given to `rag ingest` is remembered in the index; `rag watch --once`
polls it with conditional GETs and reads only what is new or changed; `rag feeds` lists what is
followed and `rag feeds remove` stops following one. The site is a folder served on 127.0.0.1."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rag.cli import app

runner = CliRunner()
PARAGRAPH = "The {what} was discussed by the council on {day}, and residents from every district came to listen. "


class Site:
    def __init__(self, folder: Path, base: str) -> None:
        self.folder = folder
        self.base = base
        self.log: list[tuple[str, int]] = []
        self.items: list[tuple[str, str]] = []  # (slug, updated)

    def page(self, slug: str, what: str, day: str) -> None:
        body = "".join(f"<p>{PARAGRAPH.format(what=what, day=day)}{n}</p>" for n in range(4))
        html = f"<html><head><title>{what.title()}</title></head><body><article><h1>{what.title()}</h1>{body}</article>"
        self._write(f"{slug}.html", html + "</body></html>")

    def feed(self, items: list[tuple[str, str]]) -> None:
        entries = "".join(
            f"<item><title>{slug}</title><link>{self.base}/{slug}.html</link><pubDate>Mon, 03 Mar 2025 09:00:00 GMT"
            f"</pubDate><atom:updated xmlns:atom='http://www.w3.org/2005/Atom'>{updated}</atom:updated></item>"
            for slug, updated in items
        )
        self._write("feed.xml", f"<rss version='2.0'><channel><title>Harbour Post</title>{entries}</channel></rss>")

    def _write(self, name: str, text: str) -> None:
        path = self.folder / name
        path.write_text(text)
        later = time.time() + len(self.log) + 10  # a new Last-Modified, whatever the clock's resolution
        os.utime(path, (later, later))

    def statuses(self, path: str) -> list[int]:
        return [status for logged, status in self.log if logged == path]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    folder = tmp_path / "site"
    folder.mkdir()
    records: list[tuple[str, int]] = []

    class Handler(SimpleHTTPRequestHandler):
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            records.append((self.path, int(code)))

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    running = Site(folder, f"http://127.0.0.1:{server.server_address[1]}")
    running.log = records
    running.page("bridge", "bridge budget", "Monday")
    running.page("tram", "tram line", "Tuesday")
    running.feed([("bridge", "2025-03-03T09:00:00Z"), ("tram", "2025-03-03T09:00:00Z")])
    try:
        yield running
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def env(hash_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RAG_FETCH_DELAY", "0")
    monkeypatch.setenv("RAG_ALLOW_PRIVATE", "1")
    return hash_env


def run(*arguments: str) -> dict[str, Any]:
    result = runner.invoke(app, [*arguments, "--json"])
    assert result.exit_code in (0, 1), result.output
    return dict(json.loads(result.stdout))


def test_a_feed_given_to_ingest_is_followed(site: Site, env: Path) -> None:
    assert run("ingest", f"{site.base}/feed.xml")["added"] == 2
    feeds = run("feeds")["feeds"]
    assert [(f["url"], f["title"], f["kind"]) for f in feeds] == [(f"{site.base}/feed.xml", "Harbour Post", "rss")]
    assert feeds[0]["status"] == "ok" and feeds[0]["entries_read"] == 2


def test_a_poll_right_after_fetches_nothing_new(site: Site, env: Path) -> None:
    run("ingest", f"{site.base}/feed.xml")
    pages_before = len(site.statuses("/bridge.html")) + len(site.statuses("/tram.html"))
    report = run("watch", "--once")
    assert (report["added"], report["updated"], report["chunks"]) == (0, 0, 0)
    assert site.statuses("/feed.xml")[-1] == 304
    assert len(site.statuses("/bridge.html")) + len(site.statuses("/tram.html")) == pages_before


def test_a_poll_after_the_feed_changed_adds_only_the_new_and_the_updated(site: Site, env: Path) -> None:
    run("ingest", f"{site.base}/feed.xml")
    site.page("ferry", "ferry timetable", "Wednesday")
    site.page("tram", "tram line extension", "Thursday")
    site.feed(
        [
            ("ferry", "2025-03-05T09:00:00Z"),
            ("bridge", "2025-03-03T09:00:00Z"),
            ("tram", "2025-03-06T09:00:00Z"),
        ]
    )
    report = run("watch", "--once")
    assert (report["added"], report["updated"], report["unchanged"]) == (1, 1, 0)
    assert len(site.statuses("/bridge.html")) == 1  # read once, when it was new


def test_removing_a_feed_stops_following_it(site: Site, env: Path) -> None:
    run("ingest", f"{site.base}/feed.xml")
    assert runner.invoke(app, ["feeds", "remove", f"{site.base}/feed.xml"]).exit_code == 0
    assert run("feeds")["feeds"] == []
    result = runner.invoke(app, ["watch", "--once"])
    assert result.exit_code == 2 and "nothing is followed" in result.stderr


def test_a_page_given_to_ingest_is_read_but_not_followed(site: Site, env: Path) -> None:
    assert run("ingest", f"{site.base}/bridge.html")["added"] == 1
    assert run("feeds")["feeds"] == []


def test_a_briefing_says_which_article_was_changed_after_publication(site: Site, env: Path) -> None:
    run("ingest", f"{site.base}/feed.xml")
    site.page("tram", "tram line extension", "Thursday")
    site.feed([("bridge", "2025-03-03T09:00:00Z"), ("tram", "2025-03-06T09:00:00Z")])
    run("watch", "--once")
    briefed = run("brief")
    briefings = [s["briefing"] for s in briefed["stories"]] if "stories" in briefed else [briefed]
    sources = [source for b in briefings for source in b["sources"]]
    changed = {s["url"].rsplit("/", 1)[-1]: s["changed"] for s in sources}
    assert changed["bridge.html"] == [] and len(changed["tram.html"]) == 1
    assert "changed after publication" in runner.invoke(app, ["brief"]).stdout
