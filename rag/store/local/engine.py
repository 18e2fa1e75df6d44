"""The `local` kind of store, as the registry (rag.store.registry) opens, finds and discards it:
the files an index folder holds are named here and in the modules beside it, nowhere else."""

from __future__ import annotations

from pathlib import Path

from rag.store.local.database import DB_NAME
from rag.store.local.store import Store
from rag.store.local.vector_index import rag_vector_files
from rag.store.lock import LOCK_NAME
from rag.store.manifest import Manifest
from rag.store.spec import StoreSpec


class LocalEngine:
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
    ) -> Store:
        return Store.open(directory, manifest, create=create, check=check, shared=shared)

    def read_manifest(self, spec: StoreSpec, directory: Path, api_key: str | None) -> Manifest | None:
        return Store.read_manifest(directory)

    def exists(self, spec: StoreSpec, directory: Path, api_key: str | None) -> bool:
        return (directory / DB_NAME).exists()

    def discard(self, spec: StoreSpec, directory: Path, remove_folder: bool, api_key: str | None) -> None:
        for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", LOCK_NAME):
            (directory / name).unlink(missing_ok=True)
        for stale in rag_vector_files(directory):
            stale.unlink(missing_ok=True)
        if remove_folder and not any(directory.iterdir()):
            directory.rmdir()

    def eval_spec(self, spec: StoreSpec, cache_folder: Path) -> StoreSpec:
        """The local eval index lives in the eval cache folder itself, so the spec is unchanged."""
        return spec


ENGINE = LocalEngine()
