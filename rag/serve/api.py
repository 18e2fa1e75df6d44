"""The JSON API under /api/: the same shapes as the command line's `--json`."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from rag.app import NotFound, Rag
from rag.briefings import brief_result_json
from rag.errors import RagError
from rag.limits import ASK_K, check_question, filters_from
from rag.serve.jobs import Ingests
from rag.shapes import (
    answer_json,
    article_json,
    article_summary_json,
    briefing_json,
    figures_json,
    followed_json,
    hit_json,
    story_json,
)
from rag.store.filters import Filters

# Each value's limits are `Rag`'s (rag.limits): a request it refuses is a 400 with its line.


class AskBody(BaseModel):
    question: str
    k: int = 8
    sources: list[str] = []
    since: str | None = None
    until: str | None = None
    as_of: str | None = None


class LinksBody(BaseModel):
    urls: list[str]


class BriefBody(BaseModel):
    topic: str | None = None
    sources: list[str] = []
    since: str | None = None
    until: str | None = None
    as_of: str | None = None
    story: str | None = None
    max_stories: int = 5


def filters_of(sources: list[str], since: str | None, until: str | None, as_of: str | None = None) -> Filters:
    """The filters of a request, whose empty form fields mean "any"."""
    return filters_from([s for s in sources if s], since or None, until or None, as_of or None)


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def answer_events(rag: Rag, question: str, k: int, filters: Filters) -> Iterator[tuple[str, Any]]:
    """The answer as it is written: `token` events, then `answer` with the checked JSON (or
    `error` with the RagError). The model runs in a thread; its tokens cross over a queue. A
    question `Rag` would refuse is refused here, before anything streams."""
    check_question(question)
    ASK_K.check(k)
    tokens: queue.Queue[tuple[str, Any]] = queue.Queue()

    def run() -> None:
        try:
            answer = rag.ask(question, k, filters, on_token=lambda t: tokens.put(("token", t)))
            tokens.put(("answer", answer_json(answer)))
        except RagError as exc:
            tokens.put(("error", exc))
        except Exception as exc:  # a bug: the client hears of it instead of waiting forever
            tokens.put(("error", RagError(f"the answer failed: {type(exc).__name__}")))
            raise

    threading.Thread(target=run, daemon=True, name="ask").start()
    while True:
        kind, value = tokens.get()
        yield kind, value
        if kind != "token":
            return


def router(rag: Rag, ingests: Ingests) -> APIRouter:
    api = APIRouter(prefix="/api")

    @api.get("/search", summary="Passages that best match a query")
    def search(
        q: str,
        k: int = 5,
        source: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads it, never mutates
        since: str | None = None,
        until: str | None = None,
        as_of: str | None = None,
    ) -> list[dict[str, Any]]:
        return [hit_json(hit) for hit in rag.search(q, k, filters_of(source, since, until, as_of))]

    @api.post("/ask", summary="A cited answer, checked against its passages")
    def ask(body: AskBody) -> dict[str, Any]:
        filters = filters_of(body.sources, body.since, body.until, body.as_of)
        for kind, value in answer_events(rag, body.question, body.k, filters):
            if kind == "answer":
                return dict(value)
            if kind == "error":
                raise value
        raise RagError("the answer ended without a reply")

    @api.get("/ask/stream", summary="The answer as server-sent events: token…, then answer (or error)")
    def ask_stream(
        q: str,
        k: int = 8,
        source: Annotated[list[str], Query()] = [],  # noqa: B006
        since: str | None = None,
        until: str | None = None,
        as_of: str | None = None,
    ) -> StreamingResponse:
        filters = filters_of(source, since, until, as_of)
        events = answer_events(rag, q, k, filters)
        first = next(events)
        if first[0] == "error":  # a bad question or a failing model, before any token: a JSON error
            raise first[1]
        return event_stream(first, events, encode_event)

    @api.post("/brief", summary="A consolidated briefing on a topic, or on the whole index")
    def brief(body: BriefBody) -> dict[str, Any]:
        filters = filters_of(body.sources, body.since, body.until, body.as_of)
        return brief_result_json(rag.briefing(body.topic or None, filters, body.story or None, body.max_stories))

    @api.get("/articles", summary="Articles by date, newest first")
    def articles(
        q: str | None = None,
        source: Annotated[list[str], Query()] = [],  # noqa: B006
        since: str | None = None,
        until: str | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        return [article_summary_json(a) for a in rag.articles(q or None, filters_of(source, since, until), limit)]

    @api.get("/articles/{article_id:path}", summary="One article with its chunks and duplicates")
    def article(article_id: str) -> dict[str, Any]:
        return article_json(rag.article(article_id))

    @api.get("/stories", summary="The stories in the index, biggest and newest first")
    def stories(
        source: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads it, never mutates
        since: str | None = None,
        until: str | None = None,
        min_articles: int = 1,
    ) -> dict[str, Any]:
        listed = rag.stories(filters_of(source, since, until), min_articles)
        return {"stories": [story_json(s) for s in listed]}

    @api.get("/stories/{story_id}", summary="One story, with its briefing")
    def story(story_id: str) -> dict[str, Any]:
        found = rag.story(story_id)
        return {**story_json(found), "briefing": briefing_json(rag.brief(doc_ids=found.article_ids))}

    @api.get("/stats", summary="Articles, chunks, duplicates, model and size of the index")
    def stats() -> dict[str, Any]:
        return figures_json(rag.stats())

    @api.post("/ingest", status_code=202, summary="Upload files to ingest; poll /api/ingest/{job} for progress")
    async def ingest(files: Annotated[list[UploadFile], File()]) -> JSONResponse:
        received = [(f.filename or "", await f.read()) for f in files]
        job = ingests.start(received)
        return JSONResponse(job.as_dict(), status_code=202, headers={"Location": f"/api/ingest/{job.id}"})

    @api.post("/ingest/links", status_code=202, summary="Fetch and ingest links: pages, feeds, sitemaps, OPML lists")
    def ingest_links(body: LinksBody) -> JSONResponse:
        job = ingests.start_links(body.urls)
        return JSONResponse(job.as_dict(), status_code=202, headers={"Location": f"/api/ingest/{job.id}"})

    @api.get("/feeds", summary="The feeds, lists and sitemaps the index follows, with their last poll")
    def feeds() -> dict[str, Any]:
        return {"feeds": [followed_json(f) for f in rag.feeds()]}

    @api.get("/ingest/{job_id}", summary="An ingest's progress and, when done, its report")
    def ingest_job(job_id: str) -> dict[str, Any]:
        job = ingests.get(job_id)
        if job is None:
            raise NotFound(f"no ingest {job_id!r}; start one with POST /api/ingest")
        return job.as_dict()

    return api


def encode_event(kind: str, value: Any) -> str:
    if kind == "token":
        return sse(kind, {"text": value})
    return sse(kind, {"error": str(value)} if kind == "error" else value)


def event_stream(
    first: tuple[str, Any], rest: Iterator[tuple[str, Any]], encode: Callable[[str, Any], str]
) -> StreamingResponse:
    def body() -> Iterator[str]:
        yield encode(*first)
        if first[0] == "token":
            for kind, value in rest:
                yield encode(kind, value)

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})
