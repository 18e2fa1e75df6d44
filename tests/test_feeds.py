"""Reading web sources (rag.ingest.feeds, sitemaps, pages, sources) from a news site on 127.0.0.1:
kinds told by content, each article once, robots.txt obeyed, following with conditional GET."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fixtures.web.server import ARTICLES, Site, serve

from rag.ingest.articles import ReadResult
from rag.ingest.feeds import FeedError, refuse_entities, sniff
from rag.ingest.pages import canonical_url
from rag.ingest.sources import SourceState, read_sources
from rag.ingest.web import Fetcher, FetchSettings

FAST = FetchSettings(delay=0.0, max_bytes=1024 * 1024, timeout=2.0, allow_private=True)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


def _read(urls: list[str], state: dict[str, SourceState] | None = None) -> list[ReadResult]:
    return list(read_sources(urls, FAST, state))


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/gazette/rss.xml", "rss"),
        ("/courier/atom.xml", "atom"),
        ("/ledger/feed.json", "json feed"),
        ("/feeds.opml", "opml"),
        ("/sitemap-index.xml", "sitemap index"),
        ("/courier/sitemap.xml", "sitemap"),
        ("/gazette/news-sitemap.xml", "news sitemap"),
        ("/gazette/tram-line-approved.html", "page"),
        ("/misnamed/feed.html", "atom"),  # served as text/html: the content decides
        ("/misnamed/list.txt", "opml"),
        ("/misnamed/data", "json feed"),
        ("/files/annual-report.pdf", "pdf"),
        ("/files/photo-of-the-week", "image"),
    ],
)
def test_each_kind_is_told_by_its_content(site: Site, path: str, kind: str) -> None:
    with Fetcher(FAST) as fetcher:
        fetched = fetcher.fetch(f"{site.base}{path}")
    assert sniff(fetched.body, fetched.content_type) == kind


def test_rss_1_0_is_rss() -> None:
    rdf = b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>'
    assert sniff(rdf) == "rss"


def test_entity_declarations_are_refused_before_parsing() -> None:
    with pytest.raises(FeedError, match="entities"):
        refuse_entities(b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x "y">]><rss/>')
    with pytest.raises(FeedError, match="entities"):  # UTF-16 does not hide them
        refuse_entities('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x "y">]><rss/>'.encode("utf-16"))
    refuse_entities(b"<?xml version='1.0'?><rss><channel><title>&lt;!ENTITY in text</title></channel></rss>")


def test_tracking_parameters_and_fragments_are_not_identity() -> None:
    assert canonical_url("http://Example.org/a.html?utm_source=x&utm_medium=y#top") == "http://example.org/a.html"


def test_every_good_article_is_read_exactly_once(site: Site) -> None:
    """The three feeds through the OPML list, then the feeds again, then the sitemap index:
    syndicated copies, utm_ links and second routes all fold into one article each."""
    urls = [
        f"{site.base}/feeds.opml",
        f"{site.base}/gazette/rss.xml",
        f"{site.base}/sitemap-index.xml",
    ]
    results = _read(urls)
    articles = [a for r in results for a in r.articles]
    warnings = [w for r in results for w in r.warnings]
    expected = {f"{site.base}/{outlet}/{slug}.html" for outlet, slug, *_ in ARTICLES}
    assert sorted(a.key for a in articles) == sorted(expected)
    assert all(a.key == a.doc_id == a.url for a in articles)
    assert not [w for w in warnings if "partial" in w]
    by_key = {a.key: a for a in articles}
    syndicated = by_key[f"{site.base}/gazette/fish-market-moves.html"]  # first through the Courier's feed
    assert "rope works" in syndicated.text and syndicated.date == "2025-03-05"
    ledger = by_key[f"{site.base}/ledger/ice-road-closes.html"]
    assert ledger.source == "Northern Ledger" and ledger.title == "Lake ice road closes early in warm spell"
    gazette = by_key[f"{site.base}/gazette/ferry-fares-rise.html"]
    assert gazette.source == "Harbour Gazette" and gazette.date == "2025-03-03"


def test_a_page_on_its_own_takes_outlet_and_date_from_the_page(site: Site) -> None:
    (result,) = _read([f"{site.base}/courier/cheese-fair-record.html?utm_source=newsletter"])
    (article,) = result.articles
    assert article.key == f"{site.base}/courier/cheese-fair-record.html"
    assert article.source == "Valley Courier" and article.date == "2025-03-04"


def test_the_disallowed_path_is_never_fetched(site: Site) -> None:
    results = _read([f"{site.base}/ledger/feed.json"])
    skipped = [s for r in results for s in r.skipped]
    assert [s.path for s in skipped] == [f"{site.base}/private/embargoed.html"]
    assert "robots.txt" in skipped[0].reason
    assert not [p for p in site.paths() if p.startswith("/private/")]


def test_following_again_gives_not_modified_and_nothing_twice(site: Site) -> None:
    state: dict[str, SourceState] = {}
    url = f"{site.base}/courier/atom.xml"
    first = [a for r in _read([url], state) for a in r.articles]
    assert len(first) == 12 and state[url].status == "ok" and state[url].etag
    assert state[url].title == "Valley Courier" and state[url].kind == "atom"
    again = _read([url], state)
    assert not [a for r in again for a in r.articles]
    assert state[url].status == "not modified" and state[url].http_status == 304
    # a changed feed (no validators kept) reads only entries it had not read in full
    state[url] = SourceState(url=url, seen=state[url].seen)
    assert not [a for r in _read([url], state) for a in r.articles]


def test_odd_links_are_skipped_or_kept_partial_with_reasons(site: Site) -> None:
    pdf_fetches = site.paths().count("/files/annual-report.pdf")
    results = _read([f"{site.base}/hostile/odd-links.xml"])
    skipped = {s.path.rsplit("/", 1)[-1]: s.reason for r in results for s in r.skipped}
    assert "PDF" in skipped["annual-report.pdf"] and "image" in skipped["photo-of-the-week"]
    assert site.paths().count("/files/annual-report.pdf") == pdf_fetches  # known by its name, never fetched
    articles = {a.title: a for r in results for a in r.articles}
    gone = articles["A page that is gone"]
    assert "Saturdays from May" in gone.text
    assert any("partial" in w and "HTTP 404" in w for r in results for w in r.warnings)
    cafe = articles["Café owner wins award"]  # Latin-1 bytes under a page that declares UTF-8
    assert "Café Déjà Vu" in cafe.text and "crème brûlée" in cafe.text and "\ufffd" not in cafe.text


def test_entries_per_feed_are_bounded(site: Site) -> None:
    from dataclasses import replace

    results = list(read_sources([f"{site.base}/courier/atom.xml"], replace(FAST, max_entries=3)))
    assert len([a for r in results for a in r.articles]) == 3
    assert any("9 more entries" in w for r in results for w in r.warnings)


def test_a_mislabelled_cyrillic_page_is_not_read_as_western() -> None:
    from rag.ingest.pages import decode_page

    body = "<meta charset='utf-8'><p>Привет, мир! Это новость о городе и его жителях.</p>".encode("cp1251")
    text, problem = decode_page(body, "text/html; charset=utf-8")
    assert problem is None and "Привет" in text


def test_a_run_reports_its_sources_pages_articles_and_skips_as_it_goes(site: Site) -> None:
    seen: list[Any] = []
    results = list(read_sources([f"{site.base}/feeds.opml"], FAST, progress=seen.append))
    last = seen[-1]
    assert last.sources >= 4  # the list and the three feeds it names
    assert last.articles == sum(len(r.articles) for r in results)
    assert last.skipped == sum(len(r.skipped) for r in results)
    assert last.pages >= last.articles - last.skipped
    assert [t.pages for t in seen] == sorted(t.pages for t in seen)
