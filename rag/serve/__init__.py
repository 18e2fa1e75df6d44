"""`rag serve`: the local web app (Ask, Brief, Articles, Index) and the JSON API over one index.

Pages are rendered on the server with Jinja2 (every value escaped); the little JavaScript and
CSS they use ship inside the package, so nothing is fetched from elsewhere."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag import __version__
from rag.app import NotFound, Rag
from rag.errors import IndexBusyError, RagError
from rag.llm.protocol import LLMError
from rag.serve.api import router as api_router
from rag.serve.jobs import Ingests
from rag.serve.pages import router as pages_router
from rag.serve.security import BodyLimit, Guard, ServeConfig, too_large

HERE = Path(__file__).resolve().parent

__all__ = ["ServeConfig", "create_app"]


def _status(exc: RagError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, IndexBusyError):
        return 409
    if isinstance(exc, LLMError):
        return 502  # the model's server failed, not the request
    return 400


def create_app(rag: Rag, config: ServeConfig) -> FastAPI:
    app = FastAPI(
        title="rag",
        version=__version__,
        description="Cited answers, briefings and articles over your news index.",
        docs_url=None,  # FastAPI's own page loads its scripts from a CDN; /docs is ours
        redoc_url=None,
    )
    ingests = Ingests(rag, config.upload_dir)
    # Inside the guard (the last added runs first), so its refusal reaches the app's handler.
    app.add_middleware(BodyLimit, max_bytes=config.max_upload_bytes)
    app.add_middleware(Guard, config=config)

    @app.exception_handler(RagError)
    async def rag_error(request: Request, exc: RagError) -> Response:
        message = str(exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=_status(exc))
        return Response(message + "\n", status_code=_status(exc), media_type="text/plain; charset=utf-8")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """The framework's own refusals (no such route, a body it cannot parse, too many files)
        in the same one line as ours."""
        message = {404: f"no such page: {request.url.path[:200]}", 413: too_large(config)}.get(
            exc.status_code, str(exc.detail)
        )
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)
        return Response(message + "\n", exc.status_code, exc.headers, media_type="text/plain; charset=utf-8")

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', 'invalid')}"
            for e in exc.errors()
        )
        return JSONResponse({"error": f"bad request: {problems}"}, status_code=422)

    app.include_router(api_router(rag, ingests))
    app.include_router(pages_router(rag, app))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
