"""`rag serve` with the `openai` backend, over real HTTP to a local OpenAI-compatible server the
test starts: the model's tokens stream through to the page's client as they come, the answer is
checked against the passages, and a failing model is one error event, never a hung stream."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fake_openai import FakeOpenAI
from fake_openai import running_server as fake_model
from serve_helpers import events, running_server

from rag.embed import Embedder
from rag.settings import Flags

QUESTION = "Who offered Musk political asylum?"


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    with fake_model() as server:
        server.reply = "Dmitry Novikov said Russia could offer Musk political asylum [1]."
        yield server


@pytest.fixture
def site(model: FakeOpenAI, seed_index: Path, minilm: Embedder) -> Iterator[str]:
    flags = Flags(backend="openai", model="test-model", base_url=model.base_url)
    with running_server(seed_index, minilm, flags) as url:
        yield url


def stream(site: str, path: str) -> list[tuple[str, object]]:
    with httpx.stream("GET", f"{site}{path}", params={"q": QUESTION}, timeout=120) as response:
        return events(response.read().decode())


def test_the_models_tokens_stream_through_before_the_checked_answer(site: str) -> None:
    found = stream(site, "/api/ask/stream")
    tokens = [data["text"] for kind, data in found if kind == "token"]  # type: ignore[index]
    assert len(tokens) > 1
    kind, answer = found[-1]
    assert kind == "answer" and answer["sentences"][0]["citations"]  # type: ignore[index]
    assert "Novikov" in "".join(tokens)


def test_the_page_stream_ends_with_the_answer_as_html(site: str) -> None:
    kind, data = stream(site, "/ask/stream")[-1]
    assert kind == "html" and 'class="cite"' in data["html"]  # type: ignore[index]


def test_a_model_failing_before_any_token_is_a_502_with_what_went_wrong(site: str, model: FakeOpenAI) -> None:
    model.scenarios = ["500"] * 10
    response = httpx.get(f"{site}/api/ask/stream", params={"q": QUESTION}, timeout=120)
    assert response.status_code == 502
    message = response.json()["error"]
    assert "server" in message.lower() and "test-key" not in message


def test_a_stream_cut_by_the_model_ends_in_one_error_event(site: str, model: FakeOpenAI) -> None:
    model.scenarios = ["cut"] * 10
    found = stream(site, "/api/ask/stream")
    assert found[0][0] == "token" and found[-1][0] == "error"
    assert "ended the stream" in found[-1][1]["error"]  # type: ignore[index]


def test_the_page_shows_a_failing_model_as_its_error(site: str, model: FakeOpenAI) -> None:
    model.scenarios = ["500"] * 10
    kind, data = stream(site, "/ask/stream")[-1]
    assert kind == "error" and data["error"]  # type: ignore[index]
