"""The `qdrant` kind of store, as the registry (rag.store.registry) opens, finds and discards it:
in qdrant-client's local mode in a folder (`qdrant:PATH`) or on a server (`qdrant+http://…`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import rag.store.qdrant.layout as layout
from rag.store.lock import LOCK_NAME
from rag.store.manifest import Manifest
from rag.store.qdrant import QdrantStore
from rag.store.qdrant.connect import CONNECTIONS
from rag.store.qdrant.folder import LOCAL_FILES, LOCAL_FOLDERS, is_local_storage
from rag.store.spec import StoreSpec


class QdrantEngine:
    def open(
        self,
        spec: StoreSpec,
        directory: Path,
        manifest: Manifest,
        *,
        create: bool,
        check: bool,
        api_key: str | None,
        shared: dict[object, object] | None = None,
    ) -> QdrantStore:
        return QdrantStore.open(spec, manifest, create=create, check=check, api_key=api_key)

    def read_manifest(self, spec: StoreSpec, directory: Path, api_key: str | None) -> Manifest | None:
        return QdrantStore.read_manifest(spec, api_key)

    def exists(self, spec: StoreSpec, directory: Path, api_key: str | None) -> bool:
        if spec.path is not None:
            return is_local_storage(spec.path)
        return self.read_manifest(spec, directory, api_key) is not None

    def discard(self, spec: StoreSpec, directory: Path, remove_folder: bool, api_key: str | None) -> None:
        if spec.path is not None and remove_folder:
            shutil.rmtree(spec.path, ignore_errors=True)
            return
        drop_collections(spec, api_key)
        if spec.path is not None:  # a folder that held no Qdrant storage before this run
            for name in (*LOCAL_FILES, LOCK_NAME):
                (spec.path / name).unlink(missing_ok=True)
            for folder in LOCAL_FOLDERS:
                shutil.rmtree(spec.path / folder, ignore_errors=True)

    def eval_spec(self, spec: StoreSpec, cache_folder: Path) -> StoreSpec:
        """Local mode: a folder beside the local eval cache; a server: a collection of its own."""
        if spec.path is not None:
            return StoreSpec("qdrant", path=cache_folder.with_name(cache_folder.name + "-qdrant"))
        return spec.named(f"{spec.collection}-eval-{cache_folder.name}")


def drop_collections(spec: StoreSpec, api_key: str | None = None) -> None:
    """Delete the index's three collections (an index a failed first ingest left empty)."""
    connection = CONNECTIONS.connect(spec, False, api_key)
    try:
        with connection.turn() as client:
            for name in layout.names(spec.collection):
                if client.collection_exists(name):
                    client.delete_collection(name)
    finally:
        CONNECTIONS.release(connection)


ENGINE = QdrantEngine()
