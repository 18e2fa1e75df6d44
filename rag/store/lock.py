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
    """An advisory `flock` on `write.lock` in the index folder, released on close or exit. The
    holder writes its pid into the file and empties it when it lets go, so that `holder` can
    name a writer to someone who cannot take the lock itself."""

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
            handle, self._handle = self._handle, None
            try:
                handle.truncate(0)
                handle.flush()
            except OSError:  # the pid stays behind; `holder` checks that it still runs
                pass
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


def holder(directory: Path) -> str | None:
    """Who writes the index in `directory` ("pid 123"), as far as its lock file tells without
    taking the lock: the pid it names, if that process still runs on this machine."""
    try:
        text = (directory / LOCK_NAME).read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    words = text.split()
    if len(words) != 2 or words[0] != "pid" or not words[1].isdigit() or not running(int(words[1])):
        return None  # not a pid, or a writer killed before it could let go
    return text


def running(pid: int) -> bool:
    """Whether a process of this id runs on this machine (as any user)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        pass
    return True
