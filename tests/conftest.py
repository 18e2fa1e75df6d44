"""Shared fixtures: an isolated environment, a deterministic embedder, and the real seed index
built once per test session and copied for each test that needs it."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest

from rag.embed import Embedder, HashEmbedder, MiniLMEmbedder, load_embedder
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import ingest, manifest_for
from rag.store.local.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# A test that asks for one of these uses the real embedding model (and so loads it, and spaCy
# with it): it is an integration test, whether or not it says so, and `make test-fast` skips it.
REAL_MODEL_FIXTURES = frozenset({"minilm", "minilm_torch", "seed_index_master", "seed_index", "seed_store"})


def _refuse_beyond_loopback(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = str(address[0]).split("%")[0]
        if not ipaddress.ip_address(host).is_loopback:
            raise ConnectionRefusedError(f"tests connect only to loopback, not to {host}")


def _loopback_only(connect):  # type: ignore[no-untyped-def]
    """A socket connect that refuses any address but the loopback range: tests may talk only to
    servers they start on this machine, whatever the code under test resolves or is redirected to."""

    def guarded(self, address, *rest):  # type: ignore[no-untyped-def]
        _refuse_beyond_loopback(self, address)
        return connect(self, address, *rest)

    return guarded


def _loopback_only_datagrams(sendto):  # type: ignore[no-untyped-def]
    """The same for a datagram sent without a connect (`sendto(data[, flags], address)`)."""

    def guarded(self, data, *rest):  # type: ignore[no-untyped-def]
        _refuse_beyond_loopback(self, rest[-1])
        return sendto(self, data, *rest)

    return guarded


def _local_names_only(resolve):  # type: ignore[no-untyped-def]
    """A name lookup that asks no resolver: numeric addresses (whose connects the guard above
    checks), this machine's names and nothing else, so no test sends even a DNS query out."""
    own = {None, "", "localhost", "localhost.localdomain", socket.gethostname()}

    def guarded(host, *rest, **named):  # type: ignore[no-untyped-def]
        name = host.decode() if isinstance(host, bytes) else host
        if name not in own:
            try:
                ipaddress.ip_address(str(name).split("%")[0])
            except ValueError:
                raise socket.gaierror(socket.EAI_NONAME, f"tests resolve no names but this machine's: {name}") from None
        return resolve(host, *rest, **named)

    return guarded


@pytest.fixture(scope="session", autouse=True)
def loopback_only() -> None:
    socket.socket.connect = _loopback_only(socket.socket.connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = _loopback_only(socket.socket.connect_ex)  # type: ignore[method-assign]
    socket.socket.sendto = _loopback_only_datagrams(socket.socket.sendto)  # type: ignore[method-assign]
    socket.getaddrinfo = _local_names_only(socket.getaddrinfo)


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
