"""Where an index lives, as `--store` / `RAG_STORE` names it.

    local                                  SQLite + FAISS in the --index folder (the default)
    qdrant:PATH                            qdrant-client's local mode in the folder PATH
    qdrant+http://HOST:6333/COLLECTION     a Qdrant server or cluster (https too)

>>> parse_store("qdrant:archive").path
PosixPath('archive')
>>> parse_store("qdrant+http://db.example:6333/news").url
'http://db.example:6333'
>>> parse_store("qdrant+http://db.example:6333/news").collection
'news'

A user name and password in the address are kept for connecting but never shown: every
message, `describe()` and the spec's repr name the store without them.

>>> parse_store("qdrant+https://ann:s3cret@db.example/news").describe()
'qdrant+https://***@db.example/news'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from rag.errors import RagError

DEFAULT_COLLECTION = "rag"
_COLLECTION = re.compile(r"[A-Za-z0-9_-]{1,120}")
EXAMPLES = "local, qdrant:PATH or qdrant+http://HOST:6333/COLLECTION"
_URL_USERINFO = re.compile(r"//.*@", re.DOTALL)
_TEXT_USERINFO = re.compile(r"//\S*@")


@dataclass(frozen=True)
class StoreSpec:
    kind: str = "local"  # "local" | "qdrant"
    path: Path | None = None  # qdrant-client's local mode
    url: str | None = None  # a Qdrant server
    collection: str = DEFAULT_COLLECTION
    shards: int = 1
    replicas: int = 1

    @property
    def in_index_folder(self) -> bool:
        """Whether the store is the --index folder (the local kind) rather than a place of its own."""
        return self.kind == "local"

    def describe(self) -> str:
        """The store as --store names it, without credentials."""
        if self.in_index_folder:
            return "local"
        if self.path is not None:
            return f"qdrant:{self.path}"
        return f"qdrant+{without_credentials(self.url or '')}/{self.collection}"

    def scrub(self, text: str) -> str:
        """`text` (an error from a client, say) with credentials and this store's password gone."""
        return scrub(text, *_password(self.url))

    def __repr__(self) -> str:
        url = without_credentials(self.url) if self.url else None
        return (
            f"StoreSpec(kind={self.kind!r}, path={self.path!r}, url={url!r}, collection={self.collection!r}, "
            f"shards={self.shards!r}, replicas={self.replicas!r})"
        )

    def where(self, index: Path) -> str:
        """The index as a user names it in a message: the --index folder, or the store.

        >>> StoreSpec().where(Path("news"))
        'news'
        >>> StoreSpec("qdrant", path=Path("archive")).where(Path("news"))
        'qdrant:archive'
        """
        return str(index) if self.in_index_folder else self.describe()

    def flag(self, index: Path) -> str:
        """How to name the index on a command line.

        >>> StoreSpec().flag(Path("news"))
        '--index news'
        >>> StoreSpec("qdrant", url="http://db:6333", collection="news").flag(Path("news"))
        '--store qdrant+http://db:6333/news'
        """
        return f"--index {index}" if self.in_index_folder else f"--store {self.describe()}"

    def named(self, collection: str) -> StoreSpec:
        """The same place, another collection (the eval cache keeps one per gold set)."""
        return StoreSpec(self.kind, self.path, self.url, collection, self.shards, self.replicas)


def without_credentials(url: str) -> str:
    """One URL (or --store value) as it may be shown: whatever stands between `//` and its last
    `@` (a user name and password, even one that does not parse) replaced.

    >>> without_credentials("http://ann:p@s s@db:6333/news")
    'http://***@db:6333/news'
    """
    return _URL_USERINFO.sub("//***@", url)


def scrub(text: str, *secrets: str | None) -> str:
    """Free text (a client's error) with the credentials of any URL in it and each of `secrets`
    (an API key, a password) replaced by ***.

    >>> scrub("refused key abc123 at http://ann:pw@db", "abc123")
    'refused key *** at http://***@db'
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return _TEXT_USERINFO.sub("//***@", text)


def _password(url: str | None) -> tuple[str, ...]:
    """The password in a URL, as written and decoded."""
    try:
        password = urlsplit(url).password if url else None
    except ValueError:
        return ()
    return (password, unquote(password)) if password else ()


def parse_store(text: str, where: str = "--store", shards: int = 1, replicas: int = 1) -> StoreSpec:
    value = text.strip()
    shown = without_credentials(scrub(value, *_password(value.removeprefix("qdrant+"))))
    if value == "local":
        return StoreSpec()
    if value.startswith("qdrant:") and not value.startswith("qdrant://"):
        path = value.removeprefix("qdrant:")
        if not path:
            raise RagError(f"{where}=qdrant: needs a folder, e.g. qdrant:./qdrant-index")
        return StoreSpec("qdrant", path=Path(path), shards=shards, replicas=replicas)
    if value.startswith(("qdrant+http://", "qdrant+https://")):
        parts = urlsplit(value.removeprefix("qdrant+"))
        collection = parts.path.strip("/") or DEFAULT_COLLECTION
        if not parts.hostname or not _COLLECTION.fullmatch(collection):
            raise RagError(f"{where}={shown!r} is not a Qdrant address; write it as qdrant+http://HOST:6333/COLLECTION")
        return StoreSpec(
            "qdrant", url=f"{parts.scheme}://{parts.netloc}", collection=collection, shards=shards, replicas=replicas
        )
    raise RagError(f"{where}={shown!r} is not a store rag knows; use one of: {EXAMPLES}")
