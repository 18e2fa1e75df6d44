"""Clients of a Qdrant store. A server takes any number of clients; qdrant-client's local mode
lets one client per folder in the whole machine, so this process's stores of one folder share
its client (counted, closed with the last) and take turns on it through one lock."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.store.spec import StoreSpec, scrub, without_credentials


@dataclass
class Connection:
    client: Any
    local: bool
    key: str
    users: int = 1
    lock: threading.RLock = field(default_factory=threading.RLock)

    @contextlib.contextmanager
    def turn(self) -> Iterator[Any]:
        """The client, alone on it in local mode (whose client is not made for threads)."""
        if not self.local:
            yield self.client
            return
        with self.lock:
            yield self.client


class Connections:
    """The open clients of one process, by folder or URL."""

    def __init__(self) -> None:
        self._open: dict[str, Connection] = {}
        self._lock = threading.Lock()

    def connect(self, spec: StoreSpec, create: bool, api_key: str | None = None) -> Connection:
        key = str(spec.path.resolve()) if spec.path is not None else str(spec.url)
        with self._lock:
            existing = self._open.get(key)
            if existing is not None and existing.local:
                existing.users += 1
                return existing
            connection = Connection(_client(spec, create, api_key), spec.path is not None, key)
            if connection.local:
                self._open[key] = connection
            return connection

    def release(self, connection: Connection) -> None:
        with self._lock:
            connection.users -= 1
            if connection.users > 0:
                return
            self._open.pop(connection.key, None)
        connection.client.close()


CONNECTIONS = Connections()  # one per process: the local-mode folder lock is per process too


def _client(spec: StoreSpec, create: bool, api_key: str | None) -> Any:
    from qdrant_client import QdrantClient

    if spec.path is not None:
        return _local_client(spec.path, create)
    try:
        client = QdrantClient(url=spec.url, api_key=api_key, timeout=30)
        client.get_collections()
    except Exception as exc:  # httpx and grpc errors, wrapped differently by each client version
        reason = scrub(spec.scrub((str(exc).splitlines() or [type(exc).__name__])[0]), api_key)[:120]
        raise RagError(
            f"cannot reach the Qdrant server at {without_credentials(spec.url or '')} ({reason}); "
            "check that it runs and the address in --store / RAG_STORE"
        ) from None
    return client


def _local_client(path: Path, create: bool) -> Any:
    from qdrant_client import QdrantClient

    if path.exists() and not path.is_dir():
        raise RagError(f"the Qdrant folder {path} is a file; give qdrant: a folder")
    if not create and not is_local_storage(path):  # a folder of something else is never written to
        raise RagError(f"no index at qdrant:{path}; build one with `rag ingest PATH --store qdrant:{path}`")
    try:
        return QdrantClient(path=str(path))
    except RuntimeError as exc:
        if "already accessed" in str(exc):
            raise RagError(
                f"the Qdrant folder {path} is open in another process (a `rag serve`?); stop it, or run a "
                "Qdrant server for access from many processes"
            ) from None
        raise
    except OSError as exc:
        raise RagError(f"cannot open the Qdrant folder {path} ({exc.strerror}); check the path") from None


# What qdrant-client's local mode keeps in its folder.
LOCAL_META = "meta.json"
LOCAL_FILES = (LOCAL_META, ".lock")
LOCAL_FOLDERS = ("collection",)


def is_local_storage(path: Path) -> bool:
    """Whether `path` holds qdrant-client's local-mode storage (its meta.json)."""
    return (path / LOCAL_META).is_file()
