"""`rag ingest` with links: an OPML list on a news site on 127.0.0.1 is followed to its feeds and
their pages, each article ingested once and then cited with its outlet, date and address; a
loopback address without --allow-private is one line naming the flag; other schemes are refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.web.server import ARTICLES, Site, serve
from typer.testing import CliRunner

from rag.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


@pytest.fixture
def fast_fetching(hash_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RAG_FETCH_DELAY", "0")
    monkeypatch.setenv("RAG_FETCH_TIMEOUT", "5")
    return hash_env


def test_an_opml_list_is_followed_and_every_good_article_ingested_once(site: Site, fast_fetching: Path) -> None:
    result = runner.invoke(app, ["ingest", f"{site.base}/feeds.opml", "--allow-private", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["added"] + report["duplicates"] == len(ARTICLES)
    again = json.loads(runner.invoke(app, ["ingest", f"{site.base}/feeds.opml", "--allow-private", "--json"]).stdout)
    assert again["added"] == 0


def test_an_answer_cites_a_fetched_article_by_outlet_date_and_address(site: Site, fast_fetching: Path) -> None:
    runner.invoke(app, ["ingest", f"{site.base}/feeds.opml", "--allow-private"])
    rows = json.loads(runner.invoke(app, ["search", "tram line", "-k", "3", "--json"]).stdout)
    assert rows and all(row["source"] and row["date"] for row in rows)
    article = json.loads(runner.invoke(app, ["ask", "What was approved for the tram line?", "--json"]).stdout)
    assert all(s["url"].startswith(site.base) for s in article["sources"])


def test_a_loopback_link_without_the_flag_is_one_line_naming_it(site: Site, fast_fetching: Path) -> None:
    result = runner.invoke(app, ["ingest", f"{site.base}/feeds.opml"])
    assert result.exit_code != 0
    assert "--allow-private" in result.stderr and not result.stdout.strip()


def test_a_link_of_another_scheme_is_refused_in_one_line(fast_fetching: Path) -> None:
    result = runner.invoke(app, ["ingest", "ftp://example.org/feed.xml"])
    assert result.exit_code == 2 and "http" in result.stderr and result.stderr.count("\n") == 1
