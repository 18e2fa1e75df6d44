"""A local OpenAI-compatible chat-completions server for tests, with fault injection.

Each request takes the next scenario from `server.scenarios` (default "ok"):
ok, slow, 429 (Retry-After: 1), 500, malformed (invalid JSON), cut (a stream that stops early),
trickle (a reply sent a few bytes at a time, slowly), drip (a stream with a token every
`slow_seconds`), huge (a 5 MB reply), echo-auth (a reply quoting the Authorization header).
A wrong key gets 401 and an unknown model 404, as real servers answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, key: str = "test-key", models: tuple[str, ...] = ("test-model",)) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.key = key
        self.models = models
        self.reply = "Novikov offered asylum [1]."
        self.reply_fn: Callable[[dict[str, Any]], str] | None = None
        self.scenarios: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.headers_seen: list[dict[str, str]] = []
        self.request_times: list[float] = []
        self.slow_seconds = 3.0

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out hang up mid-reply; that is expected here, not an error."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def next_scenario(self) -> str:
        return self.scenarios.pop(0) if self.scenarios else "ok"


class _Handler(BaseHTTPRequestHandler):
    server: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        body = json.dumps({"error": {"message": message, "type": "error", "code": status}}).encode()
        self._send(status, body, headers)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        payload = json.loads(self.rfile.read(length) or b"{}")
        server = self.server
        server.requests.append(payload)
        server.headers_seen.append(dict(self.headers))
        server.request_times.append(time.monotonic())
        if self.headers.get("Authorization") != f"Bearer {server.key}":
            return self._error(401, "Incorrect API key provided")
        if payload.get("model") not in server.models:
            return self._error(404, f"The model {payload.get('model')} does not exist")
        scenario = server.next_scenario()
        if scenario == "429":
            return self._error(429, "Rate limit reached", {"Retry-After": "1"})
        if scenario == "500":
            return self._error(500, "internal error")
        if scenario == "slow":
            time.sleep(server.slow_seconds)
        if scenario == "malformed":
            return self._send(200, b'{"id": "x", "choices": [ {"message": ')
        reply = server.reply_fn(payload) if server.reply_fn else server.reply
        if scenario == "huge":
            reply = "The council met on Monday [1]. " * 170_000
        if scenario == "echo-auth":
            reply = f"Your request said {self.headers.get('Authorization')} [1]."
        if scenario == "trickle":
            return self._trickle(payload, reply)
        if scenario == "drip":
            return self._stream(payload, reply, cut=False, pause=server.slow_seconds)
        if payload.get("stream"):
            return self._stream(payload, reply, cut=scenario == "cut")
        self._send(200, json.dumps(self._completion(payload, reply)).encode())

    def _trickle(self, payload: dict[str, Any], reply: str) -> None:
        """A whole reply, one byte every 0.2 s for at most 60 s: every read gets data in time."""
        body = json.dumps(self._completion(payload, reply)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        deadline = time.monotonic() + 60
        for byte in body:
            if time.monotonic() > deadline:
                break
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.2)

    def _completion(self, payload: dict[str, Any], reply: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": payload["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": reply}}],
        }

    def _stream(self, payload: dict[str, Any], reply: str, cut: bool, pause: float = 0.0) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        words = reply.split(" ")
        pieces = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
        if cut:
            pieces = pieces[: max(1, len(pieces) // 2)]
        for piece in pieces[:120] if pause else pieces:
            if pause:
                time.sleep(pause)
            chunk = {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": payload["model"],
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
            }
            try:
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            except OSError:  # the client hung up
                return
        if not cut:
            done = {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": payload["model"],
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
            self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
        self.wfile.flush()
        self.close_connection = True


@contextmanager
def running_server(**kwargs: Any) -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(**kwargs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def briefing_reply(payload: dict[str, Any], differences: list[dict[str, Any]] | None = None) -> str | None:
    """What a model that follows the briefing's prompts answers: every sentence of the article a
    claim (map), `differences` (compare); None for any other prompt."""
    from rag.brief import claim_sentences

    prompt = payload["messages"][-1]["content"]
    if "<article" in prompt:
        text = prompt.split("<article", 1)[1].split(">", 1)[1].rsplit("</article>", 1)[0]
        return json.dumps({"claims": [{"text": s, "quote": s} for s in claim_sentences(text)[:25]]})
    if '"differences"' in prompt:
        return json.dumps({"differences": differences or []})
    return None
