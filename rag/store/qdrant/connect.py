"""Clients of a Qdrant store. A server takes any number of clients; qdrant-client's local mode
lets one client per folder in the whole machine (rag.store.qdrant.folder), so this process's
stores of one folder share its client (counted, closed with the last) and take turns on it
through one lock."""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import IndexBusyError, RagError
from rag.store.qdrant.folder import FolderBusy, cannot_write, open_folder, wait_for_folder
from rag.store.spec import StoreSpec, scrub, without_credentials


@dataclass
class Connection:
    client: Any
    local: bool
    key: str
    users: int = 1
    lock: threading.RLock = field(default_factory=threading.RLock)
    copy: Path | None = None  # the private copy of a read-only folder that the client reads
    refusal: str | None = None  # why there is no client yet (another process holds the folder)

    @classmethod
    def refused(cls, key: str, refusal: str) -> Connection:
        """A stand-in until the client can be made: using it raises `refusal`."""
        return cls(None, True, key, users=0, refusal=refusal)

    @contextlib.contextmanager
    def turn(self) -> Iterator[Any]:
        """The client, alone on it in local mode (whose client is not made for threads)."""
        if self.refusal is not None:
            raise IndexBusyError(self.refusal)
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

    def connect(self, spec: StoreSpec, create: bool, api_key: str | None = None, wait: bool = False) -> Connection:
        """The client of the store; with `wait`, a folder another process holds is waited for
        (FolderBusy otherwise)."""
        if spec.path is None:
            return Connection(_server_client(spec, api_key), False, str(spec.url))
        key = str(spec.path.resolve())
        while True:
            with self._lock:
                existing = self._open.get(key)
                if existing is not None:
                    if create and existing.copy is not None:
                        raise cannot_write(spec.path)
                    existing.users += 1
                    return existing
                try:
                    client, copy = open_folder(spec.path, create)
                except FolderBusy:
                    if not wait:
                        raise
                else:
                    self._open[key] = Connection(client, True, key, copy=copy)
                    return self._open[key]
            wait_for_folder(spec.path)  # outside the lock: this process's other stores go on

    def release(self, connection: Connection) -> None:
        if connection.refusal is not None:
            return
        with self._lock:
            connection.users -= 1
            if connection.users > 0:
                return
            self._open.pop(connection.key, None)
        connection.client.close()
        if connection.copy is not None:
            shutil.rmtree(connection.copy, ignore_errors=True)


CONNECTIONS = Connections()  # one per process: the local-mode folder lock is per process too


def _server_client(spec: StoreSpec, api_key: str | None) -> Any:
    from qdrant_client import QdrantClient

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
