"""The pages: Ask (the answer streams in), Brief, Articles, one article, Index, and /docs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from rag.app import Rag
from rag.limits import ARTICLE_LIMIT
from rag.serve.api import answer_events, event_stream, filters_of, sse
from rag.shapes import (
    article_json,
    article_summary_json,
    briefing_json,
    figures_json,
    followed_json,
    story_json,
)
from rag.stories.kept import StoryView

HERE = Path(__file__).resolve().parent


def safe_url(url: str | None) -> str | None:
    """A link only to the web: `javascript:`, `data:` and the like never become one."""
    if not url:
        return None
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else None


def find_quote(text: str, quote: str | None) -> tuple[int, int] | None:
    """Where the quoted span stands in the text, by its words (spacing and an ellipsis in the
    quote may differ from the article's)."""
    if not quote:
        return None
    words = [w for w in re.split(r"\s+", quote.replace("..", " ").replace("…", " ").strip()) if w]
    if not words:
        return None
    exact = text.find(quote.strip())
    if exact >= 0:
        return exact, exact + len(quote.strip())
    pattern = r"\s+".join(re.escape(w) for w in words[:40])
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None


def highlighted(text: str, quote: str | None) -> Markup:
    """The article text, escaped, with the quoted span in a <mark id="quote">."""
    span = find_quote(text, quote)
    if span is None:
        return Markup(escape(text))
    start, end = span
    return Markup(f'{escape(text[:start])}<mark id="quote">{escape(text[start:end])}</mark>{escape(text[end:])}')


def article_href(article_id: str, quote: str | None = None) -> str:
    href = "/articles/" + url_quote(article_id, safe="")
    return href + ("?quote=" + url_quote(quote[:600], safe="") if quote else "")


def router(rag: Rag, app: FastAPI) -> APIRouter:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["safe_url"] = safe_url
    templates.env.globals["article_href"] = article_href
    pages = APIRouter(include_in_schema=False)

    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context)

    @pages.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/ask")

    @pages.get("/ask", response_class=HTMLResponse)
    def ask_page(request: Request, q: str = "", source: str = "", since: str = "", until: str = "") -> HTMLResponse:
        return page(request, "ask.html", q=q, source=source, since=since, until=until, sources=rag.sources())

    @pages.get("/ask/stream")
    def ask_stream(
        request: Request,
        q: str,
        source: str = "",
        since: str = "",
        until: str = "",
    ) -> StreamingResponse:
        """Tokens as they come, then the checked answer as HTML rendered here."""
        events = answer_events(rag, q, 8, filters_of([source], since, until))

        def encode(kind: str, value: Any) -> str:
            if kind == "answer":
                keys = {source["key"]: source for source in value["sources"]}
                fragment = templates.get_template("answer.html").render(answer=value, keys=keys)
                return sse("html", {"html": fragment})
            return sse(kind, {"text": value} if kind == "token" else {"error": str(value)})

        return event_stream(next(events), events, encode)

    def article_view(request: Request, name: str, article_id: str, quote: str | None) -> HTMLResponse:
        article = article_json(rag.article(article_id))
        return page(request, name, article=article, body=highlighted(article["text"], quote), quote=quote)

    @pages.get("/panel/articles/{article_id:path}", response_class=HTMLResponse)
    def article_panel(request: Request, article_id: str, quote: str | None = None) -> HTMLResponse:
        """The article beside an answer, for the script to show when a citation is clicked."""
        return article_view(request, "panel.html", article_id, quote)

    @pages.get("/articles", response_class=HTMLResponse)
    def articles_page(
        request: Request, q: str = "", source: str = "", since: str = "", until: str = ""
    ) -> HTMLResponse:
        found = rag.articles(q or None, filters_of([source], since, until), limit=ARTICLE_LIMIT.high)
        rows = [article_summary_json(a) for a in found]
        return page(
            request, "articles.html", rows=rows, q=q, source=source, since=since, until=until, sources=rag.sources()
        )

    @pages.get("/articles/{article_id:path}", response_class=HTMLResponse)
    def article_page(request: Request, article_id: str, quote: str | None = None) -> HTMLResponse:
        return article_view(request, "article.html", article_id, quote)

    @pages.get("/brief", response_class=HTMLResponse)
    def brief_page(
        request: Request,
        topic: str = "",
        source: str = "",
        since: str = "",
        until: str = "",
        go: str = "",
        story: str = "",
    ) -> HTMLResponse:
        filters = filters_of([source], since, until)
        wanted = topic or go or story
        result = rag.briefing(topic or None, filters, story or None) if wanted else None
        sections = [
            {
                "story": story_json(s.story) if s.story else None,
                "briefing": (shaped := briefing_json(s.briefing)),
                "by_key": {k["key"]: k for k in shaped["sources"]},
            }
            for s in (result.sections if result else ())
        ]
        others = [story_json(s) for s in result.others] if result else []
        return page(
            request,
            "brief.html",
            sections=sections,
            others=others,
            story=story,
            topic=topic,
            source=source,
            since=since,
            until=until,
            sources=rag.sources(),
        )

    @pages.get("/stories", response_class=HTMLResponse)
    def stories_page(request: Request, source: str = "", since: str = "", until: str = "") -> HTMLResponse:
        """The stories, each with its outlets and its coverage over time, opening its briefing."""
        listed = rag.stories(filters_of([source], since, until)) if rag.exists() else []
        rows = [{**story_json(s), "coverage": coverage(s)} for s in listed]
        return page(request, "stories.html", rows=rows, source=source, since=since, until=until, sources=rag.sources())

    @pages.get("/brief.md")
    def brief_markdown(
        topic: str = "", source: str = "", since: str = "", until: str = "", story: str = ""
    ) -> Response:
        from rag.briefings import brief_result_markdown

        filters = filters_of([source], since, until)
        markdown = brief_result_markdown(rag.briefing(topic or None, filters, story or None))
        name = re.sub(r"[^A-Za-z0-9]+", "-", topic).strip("-").lower()[:60].strip("-") or "briefing"
        return PlainTextResponse(
            markdown,
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.md"'},
        )

    @pages.get("/index", response_class=HTMLResponse)
    def index_page(request: Request) -> HTMLResponse:
        from rag.errors import RagError

        try:
            stats: dict[str, Any] | None = figures_json(rag.stats())
        except RagError:
            stats = None  # no index yet: the page offers the upload that makes one
        feeds = [followed_json(f) for f in rag.feeds()]
        return page(request, "index.html", stats=stats, feeds=feeds)

    @pages.get("/docs", response_class=HTMLResponse)
    def docs(request: Request) -> HTMLResponse:
        schema = app.openapi()
        routes = [
            {"method": method.upper(), "path": path, "summary": op.get("summary", "")}
            for path, methods in schema["paths"].items()
            for method, op in methods.items()
        ]
        return page(request, "docs.html", routes=routes)

    return pages


def coverage(story: StoryView, width: int = 12) -> list[int]:
    """A story's dated articles per span of its dates (at most `width` equal spans), each as a
    tenth of the fullest span: the heights of its bar on the Stories page."""
    import datetime as dt

    if not story.dates:
        return []
    days = [dt.date.fromisoformat(d[:10]).toordinal() for d in story.dates]
    first, spans = days[0], min(width, days[-1] - days[0] + 1)
    counts = [0] * spans
    for day in days:
        counts[min(spans - 1, (day - first) * spans // (days[-1] - first + 1))] += 1
    return [round(10 * c / max(counts)) for c in counts]
