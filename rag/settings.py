"""Settings resolved in a fixed order: command-line flag, then environment, then default."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_INDEX = Path("index")


def index_dir(flag: Path | None) -> Path:
    if flag is not None:
        return flag
    env = os.environ.get("RAG_INDEX")
    return Path(env) if env else DEFAULT_INDEX
