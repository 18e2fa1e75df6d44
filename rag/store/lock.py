"""The index's write lock: one writer at a time, and a second one is told who holds it."""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path
from typing import IO

from rag.errors import IndexBusyError

LOCK_NAME = "write.lock"


class WriteLock:
    """An advisory `flock` on `write.lock` in the index folder, released on close or exit."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._handle: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self, wait: bool = False) -> None:
        """Become the only writer; a second writer gets a clear message (or waits with `wait`)."""
        if self._handle is not None:
            return
        handle = (self.directory / LOCK_NAME).open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise IndexBusyError(
                    f"index at {self.directory} is being written by {holder}; "
                    "wait for it to finish, or pass --wait to queue behind it"
                ) from None
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
