"""`rag serve`'s pages over real HTTP: citations that open the quoted span in its article,
disagreements side by side, briefings with a Markdown download, and article text that can
never run as script."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import httpx
import pytest
from serve_helpers import events, running_server, seed_server

from rag.embed import Embedder
from rag.serve.pages import find_quote, highlighted, safe_url


@pytest.fixture(scope="module")
def base(seed_index_master: Path, minilm: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with seed_server(seed_index_master, minilm, tmp_path_factory.mktemp("pages")) as url:
        yield url


def answer_html(base: str, question: str) -> str:
    with httpx.stream("GET", f"{base}/ask/stream", params={"q": question}, timeout=60) as response:
        body = response.read().decode()
    kind, data = events(body)[-1]
    assert kind == "html"
    return str(data["html"])


def test_the_ask_page_loads_only_its_own_script_and_style(base: str) -> None:
    page = httpx.get(f"{base}/ask").text
    assert 'id="ask-form"' in page
    assert re.findall(r'(?:src|href)="(/static/[^"]+)"', page) == ["/static/app.css", "/static/app.js"]
    assert "http://" not in page and "https://" not in page
    assert httpx.get(f"{base}/static/app.js").status_code == 200


def test_every_page_forbids_scripts_from_elsewhere(base: str) -> None:
    policy = httpx.get(f"{base}/ask").headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy


def test_a_citation_opens_its_article_with_the_quote_highlighted(base: str) -> None:
    fragment = answer_html(base, "Who offered Musk political asylum?")
    panel_path = unescape(re.search(r'data-panel="([^"]+)"', fragment).group(1))  # type: ignore[union-attr]
    panel = httpx.get(base + panel_path).text
    quoted = unescape(re.search(r'<mark id="quote">(.*?)</mark>', panel, re.S).group(1))  # type: ignore[union-attr]
    assert len(quoted.split()) >= 5
    assert unescape(re.search(r"quote=([^&\"]+)", panel_path).group(1)) != ""  # type: ignore[union-attr]


def test_a_citation_link_works_without_script_as_the_article_page(base: str) -> None:
    fragment = answer_html(base, "Who offered Musk political asylum?")
    href = unescape(re.search(r'class="cite" href="([^"]+)"', fragment).group(1))  # type: ignore[union-attr]
    page = httpx.get(base + href).text
    assert '<mark id="quote">' in page and "Chunks" in page


def test_a_disagreement_is_shown_side_by_side(base: str) -> None:
    fragment = answer_html(base, "Did Musk respond to the Russian offers?")
    assert "The sources disagree" in fragment
    assert fragment.count('class="side"') >= 2


def test_an_unsupported_sentence_is_marked(base: str) -> None:
    from fastapi.templating import Jinja2Templates

    from rag.serve.pages import HERE, article_href

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["article_href"] = article_href
    source = {"key": 1, "article_id": "a1", "title": "T", "source": "S", "date": None, "url": None, "quote": "q"}
    answer = {
        "abstained": False,
        "short_answer": None,
        "conflicts": [],
        "sources": [source],
        "sentences": [
            {"text": "Said by the source.", "citations": [1], "supported": True},
            {"text": "Made up by the model.", "citations": [1], "supported": False},
        ],
    }
    html = templates.get_template("answer.html").render(answer=answer, keys={1: source})
    marked = re.findall(r'<span class="sentence unsupported"[^>]*>([^<]*)', html)
    assert [m.strip() for m in marked] == ["Made up by the model."]


def test_a_briefing_page_cites_and_downloads_as_markdown(base: str) -> None:
    page = httpx.get(f"{base}/brief", params={"topic": "asylum offer", "go": "1"}, timeout=120).text
    assert "Summary" in page and 'class="cite"' in page
    download = httpx.get(f"{base}/brief.md", params={"topic": "asylum offer"}, timeout=120)
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.text.lstrip().startswith("#")


def test_the_articles_page_lists_and_filters_by_words(base: str) -> None:
    every = httpx.get(f"{base}/articles").text
    assert every.count('<a href="/articles/') == 5
    filtered = httpx.get(f"{base}/articles", params={"q": "emoji"}).text
    assert 0 < filtered.count('<a href="/articles/') < 5


def test_the_index_page_shows_the_figures_and_the_upload_form(base: str) -> None:
    page = httpx.get(f"{base}/index").text
    assert 'id="upload-form"' in page and "chunks" in page


def test_hostile_article_text_never_runs_and_a_script_url_never_links(seed_index: Path, minilm: Embedder) -> None:
    record = {
        "id": "hostile-1",
        "title": "<script>alert('title')</script> Harbour news",
        "source": "<img src=x onerror=alert(1)>",
        "url": "javascript:alert(document.cookie)",
        "text": "The harbour reopened on Monday. <script>alert('body')</script> Boats returned at noon.",
    }
    with running_server(seed_index, minilm) as url:
        line = json.dumps(record).encode() + b"\n"
        job = httpx.post(f"{url}/api/ingest", files={"files": ("hostile.jsonl", line, "application/json")}).json()
        deadline = time.monotonic() + 60
        while httpx.get(f"{url}/api/ingest/{job['id']}").json()["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
        pages = [
            httpx.get(f"{url}/articles/hostile-1", params={"quote": "<script>alert('body')</script>"}).text,
            httpx.get(f"{url}/panel/articles/hostile-1").text,
            httpx.get(f"{url}/articles").text,
        ]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
        assert 'href="javascript:' not in page
    assert "&lt;script&gt;alert(&#39;title&#39;)" in pages[0]


def test_a_quote_is_found_across_the_articles_own_spacing() -> None:
    text = "First line.\nThe minister   said the port\nwould reopen. Later text."
    start, end = find_quote(text, "The minister said the port would reopen.")  # type: ignore[misc]
    assert text[start:end].split() == "The minister said the port would reopen.".split()


def test_highlighting_escapes_the_text_around_the_quote() -> None:
    html = str(highlighted("<b>bold</b> the quote <i>", "the quote"))
    assert html == '&lt;b&gt;bold&lt;/b&gt; <mark id="quote">the quote</mark> &lt;i&gt;'


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://news.example/a", True),
        ("http://news.example/a", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("news.example/a", False),
    ],
)
def test_only_web_addresses_become_links(url: str, kept: bool) -> None:
    assert (safe_url(url) is not None) is kept
