"""Opening the store `--store` / `RAG_STORE` names: the local folder (SQLite + FAISS, at
--index) or a Qdrant collection. Each kind of store is an `Engine` (rag.store.protocol) in its
own package, which alone knows its files; this module only looks the kind up. Heavy clients
(faiss, qdrant-client) load only when a store of their kind is used."""

from __future__ import annotations

from pathlib import Path

from rag.errors import RagError
from rag.store.local.engine import ENGINE as LOCAL
from rag.store.manifest import Manifest
from rag.store.protocol import Engine, IndexStore
from rag.store.qdrant.engine import ENGINE as QDRANT
from rag.store.spec import StoreSpec

ENGINES: dict[str, Engine] = {"local": LOCAL, "qdrant": QDRANT}


def engine(spec: StoreSpec) -> Engine:
    try:
        return ENGINES[spec.kind]
    except KeyError:
        raise RagError(f"no kind of store is called {spec.kind!r}; rag knows {', '.join(ENGINES)}") from None


def open_index(
    spec: StoreSpec,
    directory: Path,
    manifest: Manifest,
    create: bool = False,
    check: bool = True,
    api_key: str | None = None,
    shared: dict[object, object] | None = None,
) -> IndexStore:
    """Open (or with `create`, make) the index; refuse one built with another model unless
    `check` is off (re-embedding, which rewrites the manifest). `shared`: see `Engine.open`."""
    return engine(spec).open(spec, directory, manifest, create=create, check=check, api_key=api_key, shared=shared)


def stored_manifest(spec: StoreSpec, directory: Path, api_key: str | None = None) -> Manifest | None:
    """The manifest of the index there, or None when there is none yet."""
    return engine(spec).read_manifest(spec, directory, api_key)


def index_exists(spec: StoreSpec, directory: Path, api_key: str | None = None) -> bool:
    return engine(spec).exists(spec, directory, api_key)


def remove_new_index(spec: StoreSpec, directory: Path, remove_folder: bool, api_key: str | None = None) -> None:
    """Undo an index this run created and filled with nothing (a first ingest whose files all
    failed): only what rag made, and the folder only if this run made it."""
    engine(spec).discard(spec, directory, remove_folder, api_key)


def eval_spec(spec: StoreSpec, cache_folder: Path) -> StoreSpec:
    """Where `rag eval` keeps a gold set's index in the chosen kind of store: beside the local
    one in the eval cache for local mode, or a collection of its own on a server."""
    return engine(spec).eval_spec(spec, cache_folder)
