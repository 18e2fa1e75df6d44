"""Links given to `rag serve` (the Index page's "Add a feed or link", POST /api/ingest/links):
fetched and ingested as `rag ingest URL` does, what is followed listed with its status, and the
address rules kept: the server fetches on a visitor's behalf, so loopback and private addresses
are refused unless its operator started it with --allow-private."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fixtures.web.server import Site, serve
from serve_helpers import job_outcome, running_server

from rag.embed import HashEmbedder
from rag.settings import Flags


@pytest.fixture(scope="module")
def news() -> Iterator[Site]:
    with serve() as running:
        yield running


@pytest.fixture
def quick_fetches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_FETCH_DELAY", "0")


@pytest.fixture
def open_server(tmp_path: Path, quick_fetches: None) -> Iterator[str]:
    with running_server(tmp_path / "index", HashEmbedder(), Flags(allow_private=True)) as url:
        yield url


@pytest.fixture
def guarded_server(tmp_path: Path, quick_fetches: None) -> Iterator[str]:
    with running_server(tmp_path / "index", HashEmbedder()) as url:
        yield url


def send(url: str, *links: str) -> httpx.Response:
    return httpx.post(f"{url}/api/ingest/links", json={"urls": list(links)})


def test_an_opml_list_given_to_the_server_is_ingested_and_followed(open_server: str, news: Site) -> None:
    state = job_outcome(open_server, send(open_server, f"{news.base}/feeds.opml"))
    assert state["state"] == "done", state
    assert state["report"]["added"] > 10
    followed = httpx.get(f"{open_server}/api/feeds").json()["feeds"]
    assert f"{news.base}/feeds.opml" in {f["url"] for f in followed}


def test_the_index_page_lists_what_is_followed(open_server: str, news: Site) -> None:
    job_outcome(open_server, send(open_server, f"{news.base}/gazette/rss.xml"))
    page = httpx.get(f"{open_server}/index").text
    assert 'id="links-form"' in page and f"{news.base}/gazette/rss.xml" in page


def test_a_loopback_link_is_refused_without_allow_private_naming_the_flag(guarded_server: str, news: Site) -> None:
    state = job_outcome(guarded_server, send(guarded_server, f"{news.base}/gazette/rss.xml"))
    reasons = [s["reason"] for s in (state["report"] or {}).get("skipped", [])] + [state["error"] or ""]
    assert any("--allow-private" in r for r in reasons), state
    stats = httpx.get(f"{guarded_server}/api/stats")
    assert stats.status_code == 404 or stats.json()["articles"] == 0


@pytest.mark.parametrize(
    "links",
    [
        ["file:///etc/passwd"],
        ["ftp://example.org/feed.xml"],
        [],
        ["http://x.example/" + "a" * 3000],
        ["http://e.x/"] * 21,
    ],
)
def test_links_that_cannot_be_fetched_are_one_line_and_start_nothing(open_server: str, links: list[str]) -> None:
    response = httpx.post(f"{open_server}/api/ingest/links", json={"urls": links})
    assert response.status_code == 400
    assert "\n" not in response.json()["error"]


def test_links_from_another_origin_are_refused(open_server: str, news: Site) -> None:
    response = httpx.post(
        f"{open_server}/api/ingest/links",
        json={"urls": [f"{news.base}/feeds.opml"]},
        headers={"Origin": "http://evil.example"},
    )
    assert response.status_code == 403
