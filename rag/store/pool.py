"""A small pool of store connections for reads: one request at a time on each, so readers
never share a SQLite connection, and each is opened on first need."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator

from rag.store.protocol import IndexStore


class StorePool:
    def __init__(self, open_store: Callable[[], IndexStore], size: int) -> None:
        self._open = open_store
        self._size = size
        self._idle: queue.Queue[IndexStore] = queue.Queue()
        self._opened: list[IndexStore] = []
        self._owned = True
        self._lock = threading.Lock()

    @classmethod
    def holding(cls, store: IndexStore) -> StorePool:
        """A pool of one store that its caller opened and will close."""

        def refuse() -> IndexStore:
            raise AssertionError("a pool holding one store opens no other")

        pool = cls(refuse, 1)
        pool._opened.append(store)
        pool._idle.put(store)
        pool._owned = False
        return pool

    @contextlib.contextmanager
    def connection(self) -> Iterator[IndexStore]:
        try:
            store = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                made = self._opened_one() if len(self._opened) < self._size else None
            store = made if made is not None else self._idle.get()
        try:
            yield store
        finally:
            self._idle.put(store)

    def _opened_one(self) -> IndexStore:
        store = self._open()
        self._opened.append(store)
        return store

    def close(self) -> None:
        if self._owned:
            for store in self._opened:
                store.close()
        self._opened.clear()
