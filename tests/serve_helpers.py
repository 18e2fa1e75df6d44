"""A `rag serve` app running for real on 127.0.0.1 in a thread, for the HTTP tests."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from rag.app import Rag
from rag.embed import Embedder
from rag.serve import ServeConfig, create_app
from rag.settings import Flags, resolve


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(index: Path, embedder: Embedder, flags: Flags | None = None, **config: Any) -> Iterator[str]:
    """The app on the index at a free loopback port; yields its base URL."""
    settings = resolve(replace(flags or Flags(), index=index))
    rag = Rag.open(settings=settings, embedder=embedder, resident=True)  # as `rag serve` opens it
    port = free_port()
    options = {"upload_dir": index / "uploads", **config}
    app = create_app(rag, ServeConfig(port=port, **options))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        rag.close()


@contextmanager
def seed_server(seed_index_master: Path, embedder: Embedder, folder: Path) -> Iterator[str]:
    """The app on a copy of the seed index made in `folder`, for tests that share one server."""
    index = folder / "index"
    shutil.copytree(seed_index_master, index)
    with running_server(index, embedder) as url:
        yield url


def events(body: str) -> list[tuple[str, Any]]:
    """Server-sent events as (event, data) pairs."""
    found = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        found.append((fields.get("event", "message"), json.loads(fields["data"])))
    return found


def job_outcome(url: str, response: httpx.Response, seconds: float = 180) -> dict[str, Any]:
    """The state an ingest job (an upload, or links) ends in, polled from the server."""
    assert response.status_code == 202, response.text
    job = response.json()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state: dict[str, Any] = httpx.get(f"{url}/api/ingest/{job['id']}").json()
        if state["state"] != "running":
            return state
        time.sleep(0.1)
    raise AssertionError("the ingest did not finish in time")
