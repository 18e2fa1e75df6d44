"""qdrant-client's local mode in a folder (`qdrant:PATH`). Its client holds the folder for as
long as it is open (a `flock` on the folder's `.lock`, through portalocker), so one process at a
time may open it, reading or writing, and it writes that lock file even to read.

So a writer turned away by another process can wait for the folder as it would wait for the
write lock, and a reader of a folder it cannot write (a read-only mount) reads a private copy
of it, made in the temporary folder and removed when it closes (or, after a kill, by the next
such copy).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from rag.errors import IndexBusyError, RagError
from rag.store.lock import LOCK_NAME, holder, running

# What qdrant-client's local mode keeps in its folder.
LOCAL_META = "meta.json"
CLIENT_LOCK = ".lock"
LOCAL_FILES = (LOCAL_META, CLIENT_LOCK)
LOCAL_FOLDERS = ("collection",)
_COPY_PREFIX = "rag-qdrant-read-"
_ONE_AT_A_TIME = "qdrant-client's local mode lets one process at a time open it"


class FolderBusy(IndexBusyError):
    """Another process has the folder open."""


def is_local_storage(path: Path) -> bool:
    """Whether `path` holds qdrant-client's local-mode storage (its meta.json)."""
    return (path / LOCAL_META).is_file()


def open_folder(path: Path, create: bool) -> tuple[Any, Path | None]:
    """A client of the folder, and the private copy it reads if it reads one; FolderBusy when
    another process has the folder open."""
    if path.exists() and not path.is_dir():
        raise RagError(f"the Qdrant folder {path} is a file; give qdrant: a folder")
    if not create and not is_local_storage(path):  # a folder of something else is never written to
        raise RagError(f"no index at qdrant:{path}; build one with `rag ingest PATH --store qdrant:{path}`")
    if _writable(path):
        return _client(path, path, create), None
    if create:
        raise cannot_write(path)
    copy = _private_copy(path)
    try:
        return _client(copy / "storage", path, create), copy
    except BaseException:
        shutil.rmtree(copy, ignore_errors=True)
        raise


def cannot_write(path: Path) -> RagError:
    return RagError(
        f"the Qdrant folder {path} cannot be written here (a read-only file system or no write "
        "permission); ingesting needs write access, while search, ask and stats read it as it is"
    )


def wait_for_folder(path: Path) -> None:
    """Return once no process holds the folder (it may be taken again before the caller opens
    it: the caller tries again). The pause first keeps that loop slow should the client's lock
    ever not be a `flock`."""
    time.sleep(0.5)
    try:
        handle = (path / CLIENT_LOCK).open("r")
    except OSError:
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        fcntl.flock(handle, fcntl.LOCK_UN)


def busy_message(path: Path, writing: bool) -> str:
    """Why the folder cannot be opened now, naming its writer where its write lock tells."""
    who = holder(path)
    if writing and who:
        return (
            f"index at qdrant:{path} is being written by {who}; wait for it to finish, "
            "or pass --wait to queue behind it"
        )
    if writing:
        return (
            f"the Qdrant folder {path} is open in another process (a `rag serve`?), and {_ONE_AT_A_TIME}; "
            "stop it, pass --wait to queue behind it, or run a Qdrant server for access from many processes"
        )
    if who:
        return (
            f"the Qdrant folder {path} is being written by {who}, and {_ONE_AT_A_TIME}; try again when it "
            "finishes, or run a Qdrant server for access from many processes"
        )
    return (
        f"the Qdrant folder {path} is open in another process (a `rag serve`?); stop it, or run a "
        "Qdrant server for access from many processes"
    )


def _client(storage: Path, path: Path, create: bool) -> Any:
    from qdrant_client import QdrantClient

    try:
        return QdrantClient(path=str(storage))
    except RuntimeError as exc:
        if "already accessed" in str(exc):
            raise FolderBusy(busy_message(path, create)) from None
        raise
    except OSError as exc:
        raise RagError(f"cannot open the Qdrant folder {path} ({exc.strerror}); check the path") from None


def _writable(path: Path) -> bool:
    """Whether the client may write its lock (and so open the folder at all); False on a
    read-only file system, even for root."""
    lock = path / CLIENT_LOCK
    return os.access(path, os.W_OK) if not lock.exists() else os.access(lock, os.W_OK | os.R_OK)


def _private_copy(path: Path) -> Path:
    """The folder's storage copied to a new folder of this process's in the temporary folder;
    copies left by processes that no longer run are removed first."""
    scratch = Path(tempfile.gettempdir())
    for left in scratch.glob(f"{_COPY_PREFIX}*"):
        pid = left.name.removeprefix(_COPY_PREFIX).split("-")[0]
        if pid.isdigit() and not running(int(pid)):
            shutil.rmtree(left, ignore_errors=True)
    copy = Path(tempfile.mkdtemp(prefix=f"{_COPY_PREFIX}{os.getpid()}-"))
    try:
        shutil.copytree(path, copy / "storage", ignore=shutil.ignore_patterns(CLIENT_LOCK, LOCK_NAME))
    except OSError as exc:
        shutil.rmtree(copy, ignore_errors=True)
        raise RagError(
            f"cannot read the Qdrant folder {path}, which cannot be written here, into a private copy in "
            f"{scratch} ({exc.strerror}); free some space there or set TMPDIR"
        ) from None
    return copy
