"""Every front door goes through one `Rag`: the command line, the API of `rag serve` and the MCP
tools accept and refuse the same inputs with the same one line, and the model's helpers (spaCy
among them) load once per `Rag`, not once per question."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from conftest import SEEDS
from fake_openai import running_server as fake_model
from serve_helpers import running_server
from typer.testing import CliRunner

from rag.app import Rag
from rag.cli import app
from rag.embed import HashEmbedder
from rag.errors import RagError
from rag.settings import Flags

runner = CliRunner()
QUESTION = "Who offered Musk political asylum?"
LONG_BUT_ALLOWED = (QUESTION + " ") * (3000 // (len(QUESTION) + 1))
TOO_LONG = "Why " * 1100


@pytest.fixture(scope="module")
def hash_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("doors") / "index"
    with Rag.open(index=index, embedder=HashEmbedder()) as rag:
        rag.ingest([SEEDS])
    return index


def cli_verdict(index: Path, monkeypatch: pytest.MonkeyPatch, question: str, k: int) -> str | None:
    """None when the command answered, else its one error line without the `error: ` prefix."""
    monkeypatch.setenv("RAG_EMBEDDER", "hash")
    result = runner.invoke(app, ["ask", question, "-k", str(k), "--index", str(index), "--json"])
    if result.exit_code == 0:
        return None
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0].removeprefix("error: ")


def api_verdict(site: str, question: str, k: int) -> str | None:
    response = httpx.post(f"{site}/api/ask", json={"question": question, "k": k}, timeout=120)
    if response.status_code == 200:
        return None
    assert response.status_code == 400, response.text
    return str(response.json()["error"])


def mcp_verdicts(index: Path, requests: list[tuple[str, int]]) -> list[str | None]:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    env = {name: os.environ[name] for name in ("RAG_CACHE", "HF_HUB_OFFLINE", "HOME") if name in os.environ}
    rag = str(Path(sys.executable).parent / "rag")
    arguments = ["mcp", "--index", str(index)]
    server = StdioServerParameters(command=rag, args=arguments, env={**env, "RAG_EMBEDDER": "hash"})

    async def run() -> list[Any]:
        async with Client(server) as client:
            return [await client.call_tool("ask", {"question": q, "k": k}) for q, k in requests]

    # The SDK frames a tool's error as the command line frames it with `error: `.
    framing = "Error executing tool ask: "
    return [result.content[0].text.removeprefix(framing) if result.is_error else None for result in anyio.run(run)]


CASES = [
    ("a 3,000-character question", LONG_BUT_ALLOWED, 8),
    ("a question over the limit", TOO_LONG, 8),
    ("k=0", QUESTION, 0),
    ("k over the limit", QUESTION, 51),
]


@pytest.fixture(scope="module")
def verdicts_by_door(hash_index: Path) -> dict[str, list[str | None]]:
    by_door: dict[str, list[str | None]] = {}
    with running_server(hash_index, HashEmbedder()) as site:
        by_door["api"] = [api_verdict(site, question, k) for _, question, k in CASES]
    by_door["mcp"] = mcp_verdicts(hash_index, [(question, k) for _, question, k in CASES])
    return by_door


@pytest.mark.parametrize("case", range(len(CASES)), ids=[name for name, _, _ in CASES])
def test_every_door_gives_the_same_verdict_with_the_same_line(
    case: int, hash_index: Path, verdicts_by_door: dict[str, list[str | None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, question, k = CASES[case]
    from_cli = cli_verdict(hash_index, monkeypatch, question, k)
    assert verdicts_by_door["api"][case] == from_cli
    assert verdicts_by_door["mcp"][case] == from_cli


def test_a_3000_character_question_is_answered_and_the_refusals_say_why(
    verdicts_by_door: dict[str, list[str | None]],
) -> None:
    allowed, too_long, k_zero, k_high = verdicts_by_door["api"]
    assert allowed is None
    assert too_long is not None and "4,000" in too_long
    assert k_zero is not None and "1 to 50" in k_zero
    assert k_high is not None and "1 to 50" in k_high


def test_python_callers_are_refused_with_the_same_line(hash_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Rag.open(index=hash_index, embedder=HashEmbedder()) as rag, pytest.raises(RagError) as refused:
        rag.ask(QUESTION, k=0)
    assert str(refused.value) == cli_verdict(hash_index, monkeypatch, QUESTION, 0)


@pytest.fixture
def openai_site(hash_index: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    with fake_model() as model:
        model.reply = "Dmitry Novikov said Russia could offer Musk political asylum [1]."
        flags = Flags(backend="openai", model="test-model", base_url=model.base_url)
        with running_server(hash_index, HashEmbedder(), flags) as site:
            yield site


def test_spacy_loads_once_across_twenty_questions_to_a_model_that_does_not_read_disagreement(
    openai_site: str, spacy_loads: list[int]
) -> None:
    questions = [f"Who offered Musk political asylum, as report {n} tells it?" for n in range(20)]
    for question in questions:
        response = httpx.post(f"{openai_site}/api/ask", json={"question": question}, timeout=120)
        assert response.status_code == 200, response.text
    assert len(spacy_loads) == 1


def test_a_short_answer_and_a_briefing_through_one_application_load_spacy_once(
    hash_index: Path, spacy_loads: list[int]
) -> None:
    with Rag.open(index=hash_index, embedder=HashEmbedder()) as rag:
        rag.ask("Who offered Musk political asylum?")
        rag.brief()
    assert len(spacy_loads) == 1
