"""`rag mcp` on the raw wire: every request that carries an id gets an answer under that id, even
one the SDK cannot read; a tool's arguments of the wrong type are refused in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import SEEDS

from rag.app import Rag
from rag.embed import HashEmbedder

RAG = str(Path(sys.executable).parent / "rag")
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "wire", "version": "1"}},
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wire") / "index"
    with Rag.open(index=folder, embedder=HashEmbedder()) as rag:
        rag.ingest([SEEDS])
    return folder


def exchange(index: Path, *lines: str, last: int) -> dict[Any, dict[str, Any]]:
    """Send the lines after the handshake and return the replies by id, once the reply to the
    request with id `last` has come (stdin stays open till then, as a client's would)."""
    env = {k: os.environ[k] for k in ("RAG_CACHE", "HF_HUB_OFFLINE", "HOME", "PYTHONPATH") if k in os.environ}
    server = subprocess.Popen(
        [RAG, "mcp", "--index", str(index)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**env, "RAG_EMBEDDER": "hash", "PATH": os.environ.get("PATH", "")},
    )
    assert server.stdin is not None and server.stdout is not None
    wire = "\n".join([json.dumps(INITIALIZE), json.dumps(INITIALIZED), *lines]) + "\n"
    server.stdin.write(wire.encode("utf-8", "surrogatepass"))
    server.stdin.flush()
    replies: dict[Any, dict[str, Any]] = {}
    timer = threading.Timer(120, server.kill)  # a hang fails the test instead of stalling the run
    timer.start()
    try:
        for raw in server.stdout:
            reply = json.loads(raw)
            replies[reply.get("id")] = reply
            if reply.get("id") == last:
                break
    finally:
        timer.cancel()
        server.stdin.close()
        server.wait(timeout=30)
    return replies


def call(identifier: int, name: str, arguments: object) -> str:
    params = {"name": name, "arguments": arguments}
    return json.dumps({"jsonrpc": "2.0", "id": identifier, "method": "tools/call", "params": params})


MALFORMED = {
    "no method": '{"jsonrpc": "2.0", "id": 11}',
    "params not an object": '{"jsonrpc": "2.0", "id": 12, "method": "tools/call", "params": 7}',
    "an old jsonrpc version": '{"jsonrpc": "1.0", "id": 13, "method": "tools/list"}',
    "a lone surrogate in the question": call(14, "ask", {"question": "Who offered asylum?\udc80"}).replace(
        "\\udc80", "\\udc80"
    ),
}


@pytest.fixture(scope="module")
def replies(index: Path) -> dict[Any, dict[str, Any]]:
    return exchange(
        index,
        *MALFORMED.values(),
        "this is not JSON",
        call(21, "search", {"query": "asylum", "k": "five"}),
        call(22, "search", {"query": "asylum", "k": 2}),
        last=22,
    )


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_a_request_the_sdk_cannot_read_still_gets_an_error_under_its_id(
    case: str, replies: dict[Any, dict[str, Any]]
) -> None:
    identifier = json.loads(MALFORMED[case].replace("\\udc80", ""))["id"]
    assert identifier in replies, sorted(replies, key=str)
    reply = replies[identifier]
    assert "result" in reply or reply["error"]["code"] in (-32600, -32602, -32601)
    if "error" in reply:
        assert "\n" not in reply["error"]["message"]


def test_a_line_that_is_not_json_gets_a_parse_error(replies: dict[Any, dict[str, Any]]) -> None:
    assert replies[None]["error"]["code"] == -32700


def test_an_argument_of_the_wrong_type_is_refused_in_one_line(replies: dict[Any, dict[str, Any]]) -> None:
    result = replies[21]["result"]
    text = result["content"][0]["text"]
    assert result["isError"] and "\n" not in text and "k" in text


def test_the_session_goes_on_after_every_bad_line(replies: dict[Any, dict[str, Any]]) -> None:
    result = replies[22]["result"]
    assert not result.get("isError") and "asylum" in json.dumps(result).lower()
