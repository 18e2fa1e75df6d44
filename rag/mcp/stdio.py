"""MCP over stdio with every request answered: the SDK's transport (mcp.server.stdio) drops a line
it cannot validate, so a client that sent it with an id would wait for ever. Here such a line
gets a JSON-RPC error under its id (-32700 for text that is not JSON, -32600 for JSON that is
not a request the protocol knows), and everything else goes to the SDK unchanged.

As the SDK's own transport does, the protocol gets private copies of fd 0 and 1 while it runs,
and fd 1 points at stderr, so that stray output from a library never corrupts the wire."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import anyio


def refusal(line: str) -> str | None:
    """The JSON-RPC error for a line the SDK would drop, or None for a line it can read."""
    import mcp_types

    try:
        mcp_types.jsonrpc_message_adapter.validate_json(line, by_name=False)
        return None
    except Exception as exc:  # pydantic's ValidationError, or a decoding error
        problem = " ".join(str(exc).split())[:300]
    try:
        message = json.loads(line)
    except ValueError:
        return _error(None, -32700, "parse error: the line is not JSON; send one JSON-RPC message per line")
    identifier = message.get("id") if isinstance(message, dict) else None
    if isinstance(identifier, bool) or not isinstance(identifier, (str, int)):
        if isinstance(message, dict) and "method" in message and "id" not in message:
            return None  # a notification: nothing to answer, and the SDK says why in its log
        identifier = None
    return _error(identifier, -32600, f"invalid request: {problem}")


def _error(identifier: str | int | None, code: int, message: str) -> str:
    reply = {"jsonrpc": "2.0", "id": identifier, "error": {"code": code, "message": message}}
    return json.dumps(reply, ensure_ascii=True)


class _Writer:
    """The wire out, one whole line at a time, for the SDK and for the refusals alike."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._lock = anyio.Lock()

    async def write(self, text: str) -> None:
        async with self._lock:
            await self._stream.write(text)

    async def flush(self) -> None:
        async with self._lock:
            await self._stream.flush()


class _Reader:
    """The wire in, less the lines the SDK would drop, which are answered here instead."""

    def __init__(self, stream: Any, out: _Writer) -> None:
        self._stream = stream
        self._out = out

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        async for line in self._stream:
            answer = refusal(line) if line.strip() else None
            if answer is None:
                yield line
            else:
                await self._out.write(answer + "\n")
                await self._out.flush()


@contextlib.asynccontextmanager
async def guarded_stdio() -> AsyncIterator[tuple[Any, Any]]:
    from mcp.server.stdio import stdio_server

    wire_in, wire_out = os.dup(0), os.dup(1)
    saved_in, saved_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    try:
        raw_in = io.TextIOWrapper(os.fdopen(wire_in, "rb"), encoding="utf-8", errors="surrogateescape")
        raw_out = io.TextIOWrapper(os.fdopen(wire_out, "wb"), encoding="utf-8", write_through=True)
        out = _Writer(anyio.wrap_file(raw_out))
        reader = _Reader(anyio.wrap_file(raw_in), out)
        async with stdio_server(stdin=reader, stdout=out) as streams:  # type: ignore[arg-type]
            yield streams
    finally:
        sys.stdout.flush()
        os.dup2(saved_in, 0)
        os.dup2(saved_out, 1)
        os.close(saved_in)
        os.close(saved_out)
