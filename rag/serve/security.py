"""Who may reach the server and how: loopback by default, a token for anything wider, only the
host names the server was started for (so a page elsewhere that rebinds its own name to this
machine reads and writes nothing), POSTs only from the server's own pages, and uploads kept to a
size."""

from __future__ import annotations

import hmac
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from rag.errors import RagError

TOKEN_COOKIE = "rag_token"


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    max_upload_bytes: int = 20 * 1024 * 1024
    upload_dir: Path = Path("uploads")
    allowed_hosts: tuple[str, ...] = ()  # names a reverse proxy forwards under (--allowed-host)

    @property
    def own_names(self) -> frozenset[str]:
        """The names the server answers to at its own port: loopback's, and the --host given."""
        return frozenset({*LOOPBACK_NAMES, _bare(self.host)})

    @property
    def proxy_names(self) -> frozenset[str]:
        return frozenset(_bare(name) for name in self.allowed_hosts)

    def allows_host(self, header: str) -> bool:
        """Whether a request's Host header names this server (any port for a proxy's name)."""
        name, port = _split_host(header)
        if name in self.proxy_names:
            return True
        return name in self.own_names and port in (None, self.port)

    def allows_origin(self, origin: str) -> bool:
        """Whether a page at `origin` is one of this server's own (never judged by the request's
        own Host header, which a rebinding page chooses)."""
        parts = urlsplit(origin)
        try:
            port = parts.port
        except ValueError:
            return False
        name = _bare(parts.hostname or "")
        if parts.scheme not in ("http", "https") or not name:
            return False
        if name in self.proxy_names:
            return True
        return name in self.own_names and (port or (443 if parts.scheme == "https" else 80)) == self.port


def _bare(name: str) -> str:
    return name.strip().strip("[]").lower().rstrip(".")


def _split_host(header: str) -> tuple[str, int | None]:
    """`name:port`, `[v6]:port` or a bare name, as (lower-case name, port or None)."""
    header = header.strip()
    if header.startswith("["):
        name, _, rest = header[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif header.count(":") == 1:
        name, _, port_text = header.partition(":")
    else:
        name, port_text = header, ""
    if port_text and not port_text.isdigit():
        return "", None
    return _bare(name), int(port_text) if port_text else None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(config: ServeConfig) -> None:
    """Serving past this machine needs a token: the articles and the model are the user's. The
    address must also be free, said before anything loads."""
    import socket

    if config.token is not None and not (config.token.isascii() and config.token.isprintable() and config.token):
        raise RagError("the token must be printable ASCII (letters, digits, punctuation), as HTTP headers carry it")
    if not is_loopback(config.host) and not config.token:
        raise RagError(
            f"serving on {config.host} lets other machines in; set a token with --token or RAG_TOKEN "
            "(every request must then carry it), or bind 127.0.0.1"
        )
    try:
        with socket.create_server((config.host, config.port)):
            pass
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        where = f"{config.host}:{config.port}"
        raise RagError(f"cannot listen on {where} ({reason}); choose another --port or --host") from None


def _given_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(TOKEN_COOKIE) or request.query_params.get("token")


def _same_origin(request: Request, config: ServeConfig) -> bool:
    """A browser names the page a POST comes from; it must be one of ours. Clients that are
    not browsers (curl, scripts) send neither header, and no cookie of ours rides on them."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    return not origin or config.allows_origin(origin)


def too_large(config: ServeConfig) -> str:
    limit = config.max_upload_bytes // (1024 * 1024)
    return f"the upload is larger than {limit} MB; send fewer or smaller files at a time"


def _error(status: int, message: str, api: bool) -> Response:
    if api:
        return JSONResponse({"error": message}, status_code=status)
    return Response(message + "\n", status_code=status, media_type="text/plain; charset=utf-8")


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    ),
)


def refusal(request: Request, config: ServeConfig) -> Response | None:
    """The response refusing `request` (wrong host, no token, a POST from another site, a body
    declared too large), or None when it may go on."""
    api = request.url.path.startswith("/api/")
    if not config.allows_host(request.headers.get("host", "")):
        names = ", ".join(sorted(config.own_names | config.proxy_names))
        return _error(
            421, f"this server answers only as {names}; behind a proxy, start it with --allowed-host NAME", api
        )
    given = _given_token(request) if config.token else None
    if config.token and not (given and hmac.compare_digest(given.encode(), config.token.encode())):
        return _error(
            401, "a token is needed: send 'Authorization: Bearer TOKEN' or open the page with ?token=TOKEN", api
        )
    if request.method not in ("GET", "HEAD", "OPTIONS") and not _same_origin(request, config):
        return _error(403, "this request comes from another site's page; send it from the rag pages", api)
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > config.max_upload_bytes:
        return _error(413, too_large(config), api)
    return None


class Guard:
    """Checks the token, the host, the origin of POSTs and the size of a declared body before
    the app sees a request, and adds the security headers to every response.

    A plain ASGI middleware: Starlette's `BaseHTTPMiddleware` runs each request through a task
    group and memory streams of its own, which cost the server about a sixth of its searches a
    second at 8 clients (bench/serve.py)."""

    def __init__(self, app: Any, config: ServeConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refused = refusal(request, self.config)
        if refused is not None:
            for name, value in SECURITY_HEADERS:
                refused.headers.setdefault(name, value)
            await refused(scope, receive, send)
            return
        cookie = self._token_cookie(request)

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if cookie is not None:
                    headers.append("set-cookie", cookie)
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, sending)

    def _token_cookie(self, request: Request) -> str | None:
        """The cookie that keeps a token given in the address (?token=…), so the pages the
        browser opens next carry it; None when the token came another way or none is set."""
        if not (self.config.token and request.query_params.get("token")):
            return None
        carrier = Response()
        carrier.set_cookie(TOKEN_COOKIE, _given_token(request) or "", httponly=True, samesite="strict")
        return carrier.headers["set-cookie"]


class BodyTooLarge(HTTPException):
    """A request body that grew past the limit while it arrived: an HTTPException, so that the
    framework parsing the body passes it on to the app's handler (a one-line 413)."""

    def __init__(self) -> None:
        super().__init__(413, "the body is larger than the upload limit")


class BodyLimit:
    """Counts a request's body as it arrives, so a body sent in chunks (with no Content-Length
    to check first, as `Guard` does) is cut off at the limit too, before anything is stored."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> dict[str, Any]:
            nonlocal received
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        async def sending(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge:
            if started:
                raise
            api = str(scope.get("path", "")).startswith("/api/")
            limit = ServeConfig(max_upload_bytes=self.max_bytes)
            await _error(413, too_large(limit), api)(scope, receive, send)
