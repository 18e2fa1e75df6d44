"""`rag serve`'s JSON API over real HTTP on 127.0.0.1, against the real seed index: the CLI's
shapes, streaming, errors as one JSON line with the right status, uploads and their limits,
the write lock, tokens and cross-site POSTs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serve_helpers import events, running_server, seed_server

from rag.embed import Embedder
from rag.errors import RagError
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import manifest_for
from rag.serve.security import ServeConfig, check_bind
from rag.store.local.store import Store

QUESTION = "Who offered Musk political asylum?"


@pytest.fixture(scope="module")
def base(seed_index_master: Path, minilm: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the tests that only read."""
    with seed_server(seed_index_master, minilm, tmp_path_factory.mktemp("serve")) as url:
        yield url


@pytest.fixture
def writable(seed_index: Path, minilm: Embedder) -> Iterator[tuple[str, Path]]:
    """A server of its own on a private copy of the seed index, for tests that write."""
    with running_server(seed_index, minilm, max_upload_bytes=64 * 1024) as url:
        yield url, seed_index


def wait_for(url: str, job: dict[str, object]) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while True:
        state: dict[str, object] = httpx.get(f"{url}/api/ingest/{job['id']}").json()
        if state["state"] != "running" or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


def test_search_gives_passages_in_the_command_lines_shape(base: str) -> None:
    rows = httpx.get(f"{base}/api/search", params={"q": "political asylum", "k": 3}).json()
    assert len(rows) == 3
    assert set(rows[0]) == {"article_id", "chunk_id", "title", "source", "date", "text", "score"}
    assert "asylum" in " ".join(r["text"] for r in rows).lower()


def test_ask_gives_an_answer_whose_every_citation_names_a_source(base: str) -> None:
    reply = httpx.post(f"{base}/api/ask", json={"question": QUESTION}, timeout=60).json()
    keys = {s["key"] for s in reply["sources"]}
    assert not reply["abstained"] and reply["sentences"]
    assert all(set(s["citations"]) <= keys and s["citations"] for s in reply["sentences"])
    assert {"short_answer", "conflicts", "abstain_reason"} <= set(reply)


def test_a_disagreement_comes_back_with_both_sides(base: str) -> None:
    reply = httpx.post(f"{base}/api/ask", json={"question": "Did Musk respond to the Russian offers?"}, timeout=60)
    assert reply.json()["answer"].startswith("The sources disagree:")


def test_every_citation_of_a_disagreement_can_be_opened(base: str) -> None:
    reply = httpx.post(f"{base}/api/ask", json={"question": "Did Musk respond to the Russian offers?"}, timeout=60)
    answer = reply.json()
    keys = {s["key"] for s in answer["sources"]}
    cited = {k for c in answer["conflicts"] for side in c["answers"] for k in side["citations"]}
    assert cited and cited <= keys


def test_the_answer_streams_as_tokens_then_the_checked_answer(base: str) -> None:
    with httpx.stream("GET", f"{base}/api/ask/stream", params={"q": QUESTION}, timeout=60) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = response.read().decode()
    kinds = [kind for kind, _ in events(body)]
    assert kinds[0] == "token" and kinds[-1] == "answer"
    assert events(body)[-1][1]["question"] == QUESTION


def test_a_question_the_sources_do_not_cover_is_abstained_on(base: str) -> None:
    reply = httpx.post(f"{base}/api/ask", json={"question": "What is the boiling point of tungsten?"}, timeout=60)
    assert reply.json()["abstained"] is True


def test_a_briefing_has_its_sections_and_sources(base: str) -> None:
    briefing = httpx.post(f"{base}/api/brief", json={"topic": "asylum offer"}, timeout=120).json()
    assert briefing["summary"] and briefing["sources"]
    assert {"agreements", "discrepancies", "single_source", "timeline", "people"} <= set(briefing)


def test_an_article_comes_with_its_chunks_and_duplicates(base: str) -> None:
    first = httpx.get(f"{base}/api/articles").json()[0]
    article = httpx.get(f"{base}/api/articles/{first['article_id']}").json()
    assert article["text"] and article["chunks"]
    assert article["chunks"][0]["start"] < article["chunks"][0]["end"]
    assert "duplicates" in article


def test_stats_are_the_command_lines(base: str) -> None:
    stats = httpx.get(f"{base}/api/stats").json()
    assert stats["articles"] == 5 and stats["chunks"] > 0 and stats["dimension"] == 384


@pytest.mark.parametrize(
    ("method", "path", "payload", "status"),
    [
        ("GET", "/api/articles/no-such-article", None, 404),
        ("GET", "/api/ingest/no-such-job", None, 404),
        ("POST", "/api/ask", {"question": "   "}, 400),
        ("POST", "/api/ask", {"question": "Who?", "since": "last spring"}, 400),
        ("POST", "/api/ask", {"question": "Who?", "k": 0}, 400),  # refused by Rag, as the CLI refuses it
        ("POST", "/api/ask", {}, 422),
        ("GET", "/api/search", None, 422),
        ("GET", "/api/search?q=%3F%21", None, 400),
        ("POST", "/api/brief", {"topic": "x", "since": "2025-02-01", "until": "2025-01-01"}, 400),
    ],
)
def test_a_bad_request_gets_one_json_error_line_and_the_right_status(
    base: str, method: str, path: str, payload: dict[str, object] | None, status: int
) -> None:
    response = httpx.request(method, base + path, json=payload, timeout=60)
    assert response.status_code == status
    error = response.json()["error"]
    assert error and "\n" not in error and "Traceback" not in error


def test_the_api_is_described_at_docs_and_openapi(base: str) -> None:
    assert "/api/ask" in httpx.get(f"{base}/openapi.json").json()["paths"]
    page = httpx.get(f"{base}/docs").text
    assert "/api/search" in page and "cdn" not in page.lower()


def test_an_uploaded_file_is_ingested_and_then_found(writable: tuple[str, Path]) -> None:
    url, _ = writable
    text = b"Harbour Times\n\nThe Eastfield ferry terminal reopened on Monday after a two-year rebuild by Osterley."
    response = httpx.post(f"{url}/api/ingest", files={"files": ("ferry.txt", text, "text/plain")})
    assert response.status_code == 202
    state = wait_for(url, response.json())
    assert state["state"] == "done" and state["report"]["added"] == 1  # type: ignore[index]
    rows = httpx.get(f"{url}/api/search", params={"q": "Eastfield ferry terminal", "k": 1}).json()
    assert "Eastfield" in rows[0]["text"]


def test_an_uploaded_name_never_reaches_outside_the_upload_folder(writable: tuple[str, Path]) -> None:
    url, index = writable
    response = httpx.post(f"{url}/api/ingest", files={"files": ("../../escape.txt", b"A short note.", "text/plain")})
    wait_for(url, response.json())
    assert not (index.parent / "escape.txt").exists() and not (index / "escape.txt").exists()
    assert list((index / "uploads").glob("*/escape.txt"))


def test_a_file_of_another_kind_is_refused_with_what_to_send(writable: tuple[str, Path]) -> None:
    url, _ = writable
    response = httpx.post(f"{url}/api/ingest", files={"files": ("photo.png", b"\x89PNG", "image/png")})
    assert response.status_code == 400 and ".jsonl" in response.json()["error"]


def test_an_upload_over_the_limit_is_refused_and_the_index_is_unchanged(writable: tuple[str, Path]) -> None:
    url, _ = writable
    before = httpx.get(f"{url}/api/stats").json()
    response = httpx.post(f"{url}/api/ingest", files={"files": ("big.txt", b"word " * 40_000, "text/plain")})
    assert response.status_code == 413 and "MB" in response.json()["error"]
    assert httpx.get(f"{url}/api/stats").json() == before


def test_a_second_writer_is_told_who_holds_the_index(writable: tuple[str, Path], minilm: Embedder) -> None:
    url, index = writable
    holder = Store.open(index, manifest_for(minilm, ChunkParams()))
    holder.acquire_lock()
    try:
        response = httpx.post(f"{url}/api/ingest", files={"files": ("note.txt", b"A short note.", "text/plain")})
    finally:
        holder.close()
    assert response.status_code == 409 and "being written by pid" in response.json()["error"]


def test_a_post_from_another_sites_page_is_refused(base: str) -> None:
    response = httpx.post(
        f"{base}/api/ask", json={"question": QUESTION}, headers={"Origin": "http://elsewhere.example"}
    )
    assert response.status_code == 403


def test_with_a_token_every_request_must_carry_it(seed_index: Path, minilm: Embedder) -> None:
    with running_server(seed_index, minilm, token="s3cret") as url:
        assert httpx.get(f"{url}/api/stats").status_code == 401
        assert httpx.get(f"{url}/api/stats", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert httpx.get(f"{url}/api/stats", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        with httpx.Client() as browser:
            assert browser.get(f"{url}/ask", params={"token": "s3cret"}).status_code == 200
            assert browser.get(f"{url}/api/stats").status_code == 200  # the cookie it was given


def test_binding_beyond_this_machine_needs_a_token() -> None:
    with pytest.raises(RagError, match="token"):
        check_bind(ServeConfig(host="0.0.0.0", port=0))
    check_bind(ServeConfig(host="0.0.0.0", port=0, token="s3cret"))
    check_bind(ServeConfig(host="127.0.0.1", port=0))


def test_a_port_in_use_is_said_before_anything_loads() -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(RagError, match=f"cannot listen on 127.0.0.1:{port}.*--port"):
            check_bind(ServeConfig(port=port))


def test_an_api_key_in_the_environment_never_reaches_a_page_or_a_response(
    seed_index: Path, minilm: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-never-shown")
    with running_server(seed_index, minilm) as url:
        bodies = [
            httpx.get(f"{url}{path}", timeout=60).text
            for path in ("/api/stats", "/index", "/ask", "/docs", "/openapi.json", "/api/articles")
        ]
        bodies.append(httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60).text)
    assert not any("sk-test-never-shown" in body for body in bodies)


def test_readers_are_answered_while_an_ingest_writes(writable: tuple[str, Path]) -> None:
    url, _ = writable
    lines = [
        json.dumps({"id": f"port-{i}", "title": f"Port {i}", "text": f"Port report {i}. " + "Cranes moved. " * 60})
        for i in range(60)
    ]
    feed = ("\n".join(lines) + "\n").encode()
    job = httpx.post(f"{url}/api/ingest", files={"files": ("ports.jsonl", feed, "application/json")}).json()
    answered_while_writing = 0
    articles_seen = []
    while httpx.get(f"{url}/api/ingest/{job['id']}").json()["state"] == "running":
        response = httpx.get(f"{url}/api/search", params={"q": "political asylum", "k": 3}, timeout=30)
        assert response.status_code == 200 and response.json()
        articles_seen.append(httpx.get(f"{url}/api/stats").json()["articles"])
        answered_while_writing += 1
    assert answered_while_writing >= 1
    assert articles_seen == sorted(articles_seen)  # each read sees a moment of the index, never a step back
    assert httpx.get(f"{url}/api/stats").json()["articles"] == 5 + 60
