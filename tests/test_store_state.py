"""Named state kept by the index itself, behind the store protocol (its stories, the feeds it
follows): the same in both engines, kept across reopening and re-embedding."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEEDS

from rag.embed import HashEmbedder
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import ingest, manifest_for, reembed
from rag.store.protocol import IndexStore
from rag.store.registry import open_index
from rag.store.spec import parse_store

ENGINES = ["local", "qdrant"]


def opened(kind: str, folder: Path) -> IndexStore:
    spec = parse_store("local" if kind == "local" else f"qdrant:{folder / 'qdrant'}")
    manifest = manifest_for(HashEmbedder(), ChunkParams())
    return open_index(spec, folder / "index", manifest, create=True)


@pytest.fixture(params=ENGINES)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def write(store: IndexStore, name: str, value: str) -> None:
    store.acquire_lock()
    try:
        store.begin_writes().write_state(name, value)
    finally:
        store.release_lock()


def test_state_never_written_is_none(kind: str, tmp_path: Path) -> None:
    with opened(kind, tmp_path) as store:
        assert store.read_state("stories") is None


def test_state_written_is_read_back_and_replaced_whole(kind: str, tmp_path: Path) -> None:
    with opened(kind, tmp_path) as store:
        write(store, "stories", '{"version": 1}')
        write(store, "feeds", "[]")
        write(store, "stories", '{"version": 2}')
        assert (store.read_state("stories"), store.read_state("feeds")) == ('{"version": 2}', "[]")


def test_state_outlives_reopening_and_reembedding(kind: str, tmp_path: Path) -> None:
    with opened(kind, tmp_path) as store:
        store.acquire_lock()
        ingest(store, HashEmbedder(), [SEEDS], ChunkParams())
        store.begin_writes().write_state("stories", "kept")
        reembed(store, HashEmbedder(), ChunkParams(target_tokens=40))
        store.release_lock()
    with opened(kind, tmp_path) as store:
        assert store.read_state("stories") == "kept"
