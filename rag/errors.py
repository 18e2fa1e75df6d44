"""Errors that reach the user as one line (no traceback)."""


class RagError(Exception):
    """A problem the user can fix; the message says what is wrong and how to fix it."""


class IndexMismatchError(RagError):
    """The index was built with another model or other chunking parameters."""


class IndexBusyError(RagError):
    """Another process is writing to the index."""
