"""An index keeps the model and chunking it was built with: a default that changes later (the
embedder, the chunks' overlap) never makes an index unreadable, and nothing is embedded again;
naming an embedder asks for that one, and an index built otherwise is refused with the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SEEDS
from typer.testing import CliRunner

from rag.app import Rag
from rag.cli import app
from rag.embed import HashEmbedder
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import ingest, manifest_for
from rag.store.local.store import Store
from rag.store.registry import stored_manifest
from rag.store.spec import StoreSpec

runner = CliRunner()
OVERLAPPING = ChunkParams(overlap_sentences=2)  # not today's chunking


@pytest.fixture
def old_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An index built with the hash embedder and chunks overlapping by two sentences; no
    embedder named from here on."""
    directory = tmp_path / "index"
    store = Store.open(directory, manifest_for(HashEmbedder(), OVERLAPPING), create=True)
    store.acquire_lock()
    ingest(store, HashEmbedder(), [SEEDS], OVERLAPPING)
    store.close()
    monkeypatch.delenv("RAG_EMBEDDER", raising=False)
    monkeypatch.setenv("RAG_INDEX", str(directory))
    return directory


def stored_chunking(directory: Path) -> dict[str, int]:
    manifest = stored_manifest(StoreSpec(), directory)
    assert manifest is not None
    return dict(manifest.chunking)


def test_an_index_is_searched_with_the_model_it_was_built_with(old_index: Path) -> None:
    result = runner.invoke(app, ["search", "asylum", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)


def test_new_articles_join_an_index_chunked_as_it_was_built(old_index: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.txt"
    extra.write_text("The harbour board approved a new ferry terminal. The vote was seven to two.\n")
    with Rag.open() as rag:
        report = rag.ingest([extra])
    assert report.added == 1
    assert stored_chunking(old_index)["overlap_sentences"] == 2


def test_naming_another_embedder_is_refused_with_the_fix(old_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_EMBEDDER", "minilm")
    result = runner.invoke(app, ["search", "asylum"])
    assert result.exit_code == 2
    assert "--reembed" in result.stderr
