"""Opening the store `--store` / `RAG_STORE` names: the local folder (SQLite + FAISS, at
--index) or a Qdrant collection. Heavy clients load only for the store that is used."""

from __future__ import annotations

import shutil
from pathlib import Path

from rag.store.manifest import Manifest
from rag.store.protocol import IndexStore
from rag.store.spec import StoreSpec


def open_index(
    spec: StoreSpec,
    directory: Path,
    manifest: Manifest,
    create: bool = False,
    check: bool = True,
    api_key: str | None = None,
) -> IndexStore:
    if spec.kind == "qdrant":
        from rag.store.qdrant import QdrantStore

        return QdrantStore.open(spec, manifest, create=create, check=check, api_key=api_key)
    from rag.store.local.store import Store

    return Store.open(directory, manifest, create=create, check=check)


def stored_manifest(spec: StoreSpec, directory: Path, api_key: str | None = None) -> Manifest | None:
    """The manifest of the index there, or None when there is none yet."""
    if spec.kind == "qdrant":
        from rag.store.qdrant import QdrantStore

        return QdrantStore.read_manifest(spec, api_key)
    from rag.store.local.store import Store

    return Store.read_manifest(directory)


def index_exists(spec: StoreSpec, directory: Path, api_key: str | None = None) -> bool:
    if spec.kind == "qdrant" and spec.path is None:
        return stored_manifest(spec, directory, api_key) is not None
    from rag.store.local.store import DB_NAME

    if spec.path is not None:
        from rag.store.qdrant.connect import is_local_storage

        return is_local_storage(spec.path)
    return (directory / DB_NAME).exists()


def remove_new_index(spec: StoreSpec, directory: Path, remove_folder: bool, api_key: str | None = None) -> None:
    """Undo an index this run created and filled with nothing (a first ingest whose files all
    failed): only what rag made, and the folder only if this run made it."""
    if spec.kind == "qdrant":
        if spec.path is not None and remove_folder:
            shutil.rmtree(spec.path, ignore_errors=True)
            return
        from rag.store.qdrant import drop_collections

        drop_collections(spec, api_key)
        if spec.path is not None:  # a folder that held no Qdrant storage before this run
            for name in ("meta.json", ".lock", "write.lock"):
                (spec.path / name).unlink(missing_ok=True)
            shutil.rmtree(spec.path / "collection", ignore_errors=True)
        return
    from rag.store.local.store import DB_NAME, LOCK_NAME
    from rag.store.local.vector_index import rag_vector_files

    for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", LOCK_NAME):
        (directory / name).unlink(missing_ok=True)
    for stale in rag_vector_files(directory):
        stale.unlink(missing_ok=True)
    if remove_folder and not any(directory.iterdir()):
        directory.rmdir()


def eval_spec(spec: StoreSpec, cache_folder: Path) -> StoreSpec:
    """Where `rag eval` keeps a gold set's index in the chosen kind of store: beside the local
    one in the eval cache for local mode, or a collection of its own on a server."""
    if spec.kind == "local":
        return spec
    if spec.path is not None:
        return StoreSpec("qdrant", path=cache_folder.with_name(cache_folder.name + "-qdrant"))
    return spec.named(f"{spec.collection}-eval-{cache_folder.name}")
