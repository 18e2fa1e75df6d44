"""Following the news costs little beyond the work itself: articles/s read through a feed list
from a local HTTP server (fetch, robots.txt, extraction, dedupe, chunk, embed, store) beside
ingesting the same HTML pages as files, in the same run, with the same warm model.

    .venv/bin/python bench/feeds.py [--articles 120] [--repeats 2] [--embedder minilm]

Prints JSON: for each way in, the best of `repeats` runs (seconds, articles/s, chars/s), the
ratio of links to files (goal: >= 0.8), and raw model encoding of the same text in the same run
for scale. The server is on 127.0.0.1 and the politeness delay between two requests to one host
is 0 (RAG_FETCH_DELAY=0): the delay is a choice made for the outlets' sake, not a cost of the
work, and at its default (0.5 s, 2 at a time) it alone would bound a one-host run at 4 pages/s.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["RAG_FETCH_DELAY"] = "0"

from corpus import make_corpus  # noqa: E402


def page_html(article: dict[str, Any]) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in str(article["text"]).split("\n\n"))
    title = html.escape(str(article["title"]))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta property='og:site_name' content='{html.escape(str(article['source']))}'>"
        f"<meta property='article:published_time' content='{article['date']}T09:00:00Z'></head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>Copyright</footer></body></html>"
    )


def write_site(folder: Path, articles: list[dict[str, Any]], base: str) -> list[Path]:
    """Each article as a page, an RSS feed per outlet, and an OPML list of the feeds."""
    pages = []
    feeds: dict[str, list[str]] = {}
    for number, article in enumerate(articles):
        name = f"article-{number}.html"
        (folder / name).write_text(page_html(article), encoding="utf-8")
        pages.append(folder / name)
        item = (
            f"<item><title>{html.escape(str(article['title']))}</title><link>{base}/{name}</link>"
            f"<pubDate>{time.strftime('%a, %d %b %Y 09:00:00 GMT', time.strptime(str(article['date']), '%Y-%m-%d'))}"
            "</pubDate></item>"
        )
        feeds.setdefault(str(article["source"]), []).append(item)
    outlines = []
    for number, (outlet, items) in enumerate(sorted(feeds.items())):
        name = f"feed-{number}.xml"
        channel = f"<channel><title>{html.escape(outlet)}</title>{''.join(items)}</channel>"
        (folder / name).write_text(f"<?xml version='1.0'?><rss version='2.0'>{channel}</rss>", encoding="utf-8")
        outlines.append(f"<outline type='rss' text='{html.escape(outlet)}' xmlUrl='{base}/{name}'/>")
    opml = f"<?xml version='1.0'?><opml version='2.0'><body>{''.join(outlines)}</body></opml>"
    (folder / "list.opml").write_text(opml, encoding="utf-8")
    (folder / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    return pages


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


def timed_ingest(index: Path, embedder: Any, paths: list[Path], urls: list[str]) -> dict[str, float]:
    from rag.app import Rag
    from rag.settings import Flags, resolve

    settings = resolve(Flags(index=index, allow_private=True))
    with Rag.open(settings=settings, embedder=embedder) as rag:
        started = time.perf_counter()
        report = rag.ingest(paths, urls=urls)
        seconds = time.perf_counter() - started
        stored = rag.stats()
    if report.skipped:
        raise SystemExit(f"the benchmark's own pages were skipped: {report.skipped[:3]}")
    return {"seconds": seconds, "articles": stored.articles, "chunks": stored.chunks}


def raw_encoding_seconds(embedder: Any, articles: list[dict[str, Any]]) -> float:
    """The model alone on the chunks ingest makes of the same articles, in batches of 64."""
    from rag.ingest.chunk import ChunkParams, chunk_text

    chunks = [c.text for a in articles for c in chunk_text(str(a["text"]), embedder, ChunkParams())]
    started = time.perf_counter()
    for start in range(0, len(chunks), 64):
        embedder.embed(chunks[start : start + 64])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--embedder", default="minilm")
    args = parser.parse_args()

    from rag.embed import load_embedder
    from rag.settings import resolve

    embedder = load_embedder(args.embedder, resolve().model_cache)
    embedder.embed(["warm up the model"])
    articles = make_corpus(args.articles)
    characters = sum(len(str(a["text"])) for a in articles)
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "site"
        site.mkdir()
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        pages = write_site(site, articles, base)
        runs: dict[str, list[dict[str, float]]] = {"files": [], "links": []}
        try:
            for repeat in range(args.repeats):
                for way in ("files", "links"):  # alternated, so that a noisy spell hits both
                    index = Path(scratch) / f"{way}-{repeat}"
                    paths, urls = (pages, []) if way == "files" else ([], [f"{base}/list.opml"])
                    runs[way].append(timed_ingest(index, embedder, paths, urls))
        finally:
            server.shutdown()
        raw_seconds = raw_encoding_seconds(embedder, articles)
    best = {way: min(found, key=lambda r: r["seconds"]) for way, found in runs.items()}
    shaped = {
        way: {
            "seconds": round(r["seconds"], 2),
            "articles": int(r["articles"]),
            "chunks": int(r["chunks"]),
            "articles_per_s": round(r["articles"] / r["seconds"], 2),
            "chars_per_s": round(characters / r["seconds"]),
            "all_seconds": [round(x["seconds"], 2) for x in runs[way]],
        }
        for way, r in best.items()
    }
    print(
        json.dumps(
            {
                "articles": args.articles,
                "characters": characters,
                "embedder": args.embedder,
                "fetch_delay": 0.0,
                **shaped,
                "links_to_files": round(best["files"]["seconds"] / best["links"]["seconds"], 3),
                "raw_model_seconds": round(raw_seconds, 2),
                "files_to_raw_model": round(raw_seconds / best["files"]["seconds"], 3),
                "links_to_raw_model": round(raw_seconds / best["links"]["seconds"], 3),
                "cpu_count": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
