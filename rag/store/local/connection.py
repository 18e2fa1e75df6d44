"""Connections to the index database, for a writer or a reader, and a reader that may not write.

A reader needs no write access. Where the folder or the file cannot be written (a read-only
mount, a folder without write permission), it opens the database read-only. SQLite reads a WAL
database read-only only through its shared-memory file (`rag.sqlite-shm`), which exists only
while some connection has the database open; when the last writer closed cleanly, it removed
that file and its WAL, so the database file alone holds every commit and is opened as immutable.
A WAL that still holds commits (a writer stopped without closing) cannot be read without its
shared-memory file, so that case is refused with the fix rather than read stale.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from rag.errors import RagError


def connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit); with `read_only`, one that
    never writes (for a reader where the database cannot be written)."""
    if read_only:
        connection = read_only_connection(path)
        connection.execute("PRAGMA foreign_keys=ON")
        return connection
    connection = _open(str(path), uri=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    return connection


def writable(path: Path) -> bool:
    """Whether this process may write the database (or create it) and its journal beside it;
    False on a read-only file system, even for root."""
    return (not path.exists() or os.access(path, os.W_OK)) and os.access(path.parent, os.W_OK)


def read_only_connection(path: Path) -> sqlite3.Connection:
    """The database opened for reading only; see the module's docstring."""
    connection = _open(_uri(path, "mode=ro"), uri=True)
    try:
        connection.execute("SELECT 1 FROM sqlite_master LIMIT 1")  # opens the shared-memory file
        return connection
    except sqlite3.OperationalError as exc:
        connection.close()
        if "unable to open" not in str(exc).lower():
            raise
    wal = path.with_name(f"{path.name}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise RagError(
            f"index database {path} holds writes not yet merged into it (a writer stopped before closing "
            "it) and cannot be written here; run any rag command on it once where its folder is writable "
            "(e.g. `rag stats`), and it reads here again"
        )
    return _open(_uri(path, "mode=ro&immutable=1"), uri=True)


def _uri(path: Path, options: str) -> str:
    """A file: URI for `path`, whatever characters its name holds ('?', '#', '%')."""
    return f"file:{quote(str(path), safe='/')}?{options}"


def _open(target: str, uri: bool) -> sqlite3.Connection:
    return sqlite3.connect(target, uri=uri, timeout=30.0, isolation_level=None, check_same_thread=False)
