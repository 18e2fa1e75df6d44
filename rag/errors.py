"""Errors that reach the user as one line (no traceback)."""


class RagError(Exception):
    """A problem the user can fix; the message says what is wrong and how to fix it."""


class IndexMismatchError(RagError):
    """The index was built with another model or other chunking parameters."""


class IndexBusyError(RagError):
    """Another process is writing to the index."""


def database_problem(exc: Exception, path: object = None) -> str:
    """What a SQLite failure means for the user. Only a damaged file calls for re-ingesting: a
    full disk, a read-only folder or a busy database leave a good index that must be kept."""
    where = f"index database {path}" if path is not None else "the index database"
    text = str(exc)
    lowered = text.lower()
    if "full" in lowered:
        return f"the disk is full writing {where} ({text}); free some space and run the command again: nothing was lost"
    if "readonly" in lowered or "read-only" in lowered:
        return f"{where} is read-only ({text}); this command needs write access to the index folder"
    if "unable to open" in lowered:
        return f"cannot open {where} ({text}); check that the index folder exists and is readable and writable"
    if "locked" in lowered or "busy" in lowered:
        return f"{where} is busy ({text}); try again in a moment"
    if "i/o" in lowered:
        return f"a disk error stopped the command at {where} ({text}); check the disk and run it again"
    return f"{where} is unreadable ({text}); it is corrupted or not an index: move it aside and re-ingest your files"
