"""rag: cited answers, consolidated briefings and offline evaluation over news articles.

From Python, `Rag` is the whole application (rag.app):

    from rag import Rag

    with Rag.open(index="index") as rag:
        answer = rag.ask("Who opened the new bridge?")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.app import NotFound, Rag
    from rag.errors import RagError
    from rag.store.filters import Filters

__version__ = "0.1.0"
__all__ = ["Filters", "NotFound", "Rag", "RagError", "__version__"]


def __getattr__(name: str) -> Any:
    # Imported on first use: `rag --version` and the package's own modules need none of it.
    if name in ("Rag", "NotFound"):
        from rag import app

        return getattr(app, name)
    if name == "RagError":
        from rag.errors import RagError

        return RagError
    if name == "Filters":
        from rag.store.filters import Filters

        return Filters
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
