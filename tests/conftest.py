"""Shared fixtures: an isolated environment, a deterministic embedder, and the real seed index
built once per test session and copied for each test that needs it."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from rag.embed import Embedder, HashEmbedder, MiniLMEmbedder, load_embedder
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import ingest, manifest_for
from rag.store.local.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
LOOPBACK = Path(__file__).resolve().parent / "loopback"
sys.path.insert(0, str(LOOPBACK))
from loopback_guard import install as install_loopback_guard  # noqa: E402

# A test that asks for one of these uses the real embedding model (and so loads it, and spaCy
# with it): it is an integration test, whether or not it says so, and `make test-fast` skips it.
REAL_MODEL_FIXTURES = frozenset({"minilm", "minilm_torch", "seed_index_master", "seed_index", "seed_store"})


@pytest.fixture(scope="session", autouse=True)
def loopback_only() -> None:
    """Tests reach no address but 127.0.0.1: this process is guarded, and so is every Python
    process a test starts, which finds the guard's sitecustomize through PYTHONPATH."""
    install_loopback_guard()
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(LOOPBACK), os.environ.get("PYTHONPATH")) if p)
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # Ray would report usage to its makers' server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session", autouse=True)
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache root per test session, outside the user's: one ONNX export of the packaged
    model, and the commands the tests run find it through RAG_CACHE."""
    path = tmp_path_factory.mktemp("cache")
    os.environ["RAG_CACHE"] = str(path)
    return path


@pytest.fixture(scope="session")
def model_cache(cache_root: Path) -> Path:
    return cache_root / "models"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    for name in (
        "RAG_INDEX",
        "RAG_BACKEND",
        "RAG_MODEL",
        "RAG_BASE_URL",
        "RAG_EMBEDDER",
        "OPENAI_API_KEY",
        "RAG_API_KEY",
        "OPENAI_BASE_URL",
        "RAG_TIMEOUT",
        "RAG_MAX_RETRIES",
        "RAG_PROMPTS",
        "XDG_CACHE_HOME",
    ):
        monkeypatch.delenv(name, raising=False)
    # The shared seed indexes are built with the fp32 `minilm` fixture: commands run in tests use it
    # too (the default, `minilm-int8`, is tested on its own in test_seed_index).
    monkeypatch.setenv("RAG_EMBEDDER", "minilm")


@pytest.fixture
def hash_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Commands run with the deterministic hash embedder on a fresh index (RAG_INDEX)."""
    monkeypatch.setenv("RAG_EMBEDDER", "hash")
    index = tmp_path / "index"
    monkeypatch.setenv("RAG_INDEX", str(index))
    return index


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def params() -> ChunkParams:
    return ChunkParams(target_tokens=24, overlap_sentences=1)


def open_store(directory: Path, embedder: Embedder, params: ChunkParams) -> Store:
    store = Store.open(directory, manifest_for(embedder, params), create=True)
    store.acquire_lock()
    return store


@pytest.fixture(scope="session")
def minilm(model_cache: Path) -> Embedder:
    """The real model on its default (ONNX) path; vectors equal the torch reference's."""
    return load_embedder("minilm", model_cache)


@pytest.fixture(scope="session")
def minilm_torch(model_cache: Path) -> MiniLMEmbedder:
    return MiniLMEmbedder(model_cache)


@pytest.fixture(scope="session")
def seed_index_master(tmp_path_factory: pytest.TempPathFactory, minilm: Embedder) -> Path:
    """The seed articles embedded with the real model, built once per session."""
    directory = tmp_path_factory.mktemp("seed-index")
    store = open_store(directory, minilm, ChunkParams())
    try:
        ingest(store, minilm, [SEEDS], ChunkParams())
    finally:
        store.close()
    return directory


@pytest.fixture
def seed_index(seed_index_master: Path, tmp_path: Path) -> Path:
    """A private copy of the seed index that a test may change."""
    copy = tmp_path / "index"
    shutil.copytree(seed_index_master, copy)
    return copy


@pytest.fixture
def seed_store(seed_index: Path, minilm: Embedder):  # type: ignore[no-untyped-def]
    store = Store.open(seed_index, manifest_for(minilm, ChunkParams()))
    yield store
    store.close()


@pytest.fixture
def spacy_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every time a spaCy pipeline is loaded in this process, an entry."""
    from rag import nlp

    loads: list[int] = []
    real = nlp._load_pipeline

    def counted(*args: Any) -> Any:
        loads.append(1)
        return real(*args)

    monkeypatch.setattr(nlp, "_load_pipeline", counted)
    return loads
