"""Uploads to `rag serve`, carelessly or hostilely named and sized: every file sent is either
ingested under an id of its own that opens it, or listed as refused with its reason; a body is
limited as it arrives, whatever it declares; and the framework's own refusals are one JSON line
as ours are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SEEDS
from serve_helpers import job_outcome, running_server

from rag.app import Rag
from rag.embed import HashEmbedder

LIMIT = 1024 * 1024


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    index = tmp_path / "index"
    with Rag.open(index=index, embedder=HashEmbedder()) as rag:
        rag.ingest([SEEDS])
    with running_server(index, HashEmbedder(), max_upload_bytes=LIMIT) as url:
        yield url, index


def finished(url: str, response: httpx.Response) -> dict[str, Any]:
    state = job_outcome(url, response, 120)
    assert state["state"] == "done", state
    return state


def send(url: str, *files: tuple[str, bytes]) -> httpx.Response:
    return httpx.post(f"{url}/api/ingest", files=[("files", (name, data, "text/plain")) for name, data in files])


def opened_text(url: str, stored_name: str) -> str:
    response = httpx.get(f"{url}/api/articles/{Path(stored_name).stem}")
    assert response.status_code == 200, response.text
    return str(response.json()["text"])


def test_two_files_of_one_name_in_one_upload_are_two_articles(site: tuple[str, Path]) -> None:
    url, _ = site
    state = finished(url, send(url, ("ferry.txt", b"The ferry sailed at dawn."), ("ferry.txt", b"The bridge opened.")))
    assert state["report"]["added"] == 2 and len(set(state["files"])) == 2
    assert {opened_text(url, name) for name in state["files"]} == {"The ferry sailed at dawn.", "The bridge opened."}


def test_names_that_clean_up_alike_are_kept_apart(site: tuple[str, Path]) -> None:
    url, _ = site
    state = finished(url, send(url, ("a b.txt", b"First note on the port."), ("a?b.txt", b"Second note on the dam.")))
    assert state["report"]["added"] == 2
    assert {opened_text(url, name) for name in state["files"]} == {"First note on the port.", "Second note on the dam."}


def test_a_name_uploaded_again_opens_its_own_article(site: tuple[str, Path]) -> None:
    url, _ = site
    first = finished(url, send(url, ("council.txt", b"The council met on Monday.")))
    second = finished(url, send(url, ("council.txt", b"The council met again on Friday.")))
    assert first["files"] != second["files"]
    assert opened_text(url, first["files"][0]) == "The council met on Monday."
    assert opened_text(url, second["files"][0]) == "The council met again on Friday."


def test_a_very_long_name_keeps_its_kind_and_is_ingested(site: tuple[str, Path]) -> None:
    url, _ = site
    state = finished(url, send(url, ("x" * 306 + ".txt", b"A report with a long file name.")))
    assert state["report"]["added"] == 1 and state["files"][0].endswith(".txt")


def test_a_file_of_another_kind_is_listed_as_refused_beside_those_ingested(site: tuple[str, Path]) -> None:
    url, _ = site
    state = finished(url, send(url, ("photo.png", b"\x89PNG"), ("note.txt", b"A note on the harbour.")))
    assert state["report"]["added"] == 1
    assert [r["file"] for r in state["refused"]] == ["photo.png"] and state["refused"][0]["reason"]


def test_a_chunked_body_past_the_limit_is_refused_and_nothing_is_stored(site: tuple[str, Path]) -> None:
    url, index = site
    before = httpx.get(f"{url}/api/stats").json()["articles"]
    boundary = "rag-test-boundary"

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        for _ in range(3 * 16):
            yield b"word " * (65536 // 5)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = httpx.post(
        f"{url}/api/ingest",
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        timeout=60,
    )
    assert response.status_code == 413 and "MB" in response.json()["error"]
    assert httpx.get(f"{url}/api/stats").json()["articles"] == before
    assert not list((index / "uploads").glob("*/big.txt"))


def test_an_unknown_api_route_is_one_json_error_line(site: tuple[str, Path]) -> None:
    response = httpx.get(f"{site[0]}/api/no-such-route")
    assert response.status_code == 404 and set(response.json()) == {"error"}


def test_a_long_topic_gives_a_short_download_name(site: tuple[str, Path]) -> None:
    response = httpx.get(f"{site[0]}/brief.md", params={"topic": "asylum offer " * 250}, timeout=120)
    assert response.status_code == 200
    assert len(response.headers["content-disposition"]) < 120


def test_a_topic_over_the_limit_is_refused_on_the_pages_as_on_the_api(site: tuple[str, Path]) -> None:
    topic = "asylum offer " * 400
    page = httpx.get(f"{site[0]}/brief", params={"topic": topic}, timeout=60)
    api = httpx.post(f"{site[0]}/api/brief", json={"topic": topic}, timeout=60)
    assert page.status_code == api.status_code == 400
    assert page.text.strip() == api.json()["error"]
