"""Every setting, resolved once in a fixed order: command-line flag, then environment, then default.

The CLI builds one `Settings` and passes its parts down; library code never reads the
environment. A bad value is a one-line error that names the variable (or flag) to fix.

>>> resolve(env={"RAG_TIMEOUT": "30"}).timeout
30.0
>>> resolve(Flags(timeout=5), env={"RAG_TIMEOUT": "30"}).timeout
5.0
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rag.errors import RagError
from rag.store.spec import StoreSpec, parse_store

DEFAULT_INDEX = Path("index")
EMBEDDERS = ("minilm", "minilm-int8", "minilm-torch", "hash")
BACKENDS = ("extractive", "openai")

T = TypeVar("T")


class SettingError(RagError):
    """A flag or environment variable holds a value rag cannot use."""


@dataclass(frozen=True)
class Flags:
    """What the command line said; None means "not given"."""

    index: Path | None = None
    embedder: str | None = None
    backend: str | None = None
    model: str | None = None
    base_url: str | None = None
    timeout: float | None = None
    max_retries: int | None = None
    token: str | None = None
    store: str | None = None
    ray_address: str | None = None
    allow_private: bool | None = None  # `--allow-private`: fetch from loopback and private addresses


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about where things live and which backends to use."""

    index: Path = DEFAULT_INDEX
    store: StoreSpec = field(default_factory=StoreSpec)  # where the index lives: local, or Qdrant
    cache: Path = Path(".cache") / "rag"  # resolve() gives the real one: RAG_CACHE, XDG_CACHE_HOME or ~
    embedder: str = "minilm-int8"
    embedder_named: bool = False  # by RAG_EMBEDDER (or a flag); if not, an index keeps its own (rag.index_model)
    backend: str = "extractive"
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)  # what `rag serve` asks every request for
    qdrant_api_key: str | None = field(default=None, repr=False)
    ray_address: str | None = None  # `rag ingest --ray`: a cluster, or None for a local Ray
    timeout: float = 60.0
    max_retries: int = 3
    prompts: Path | None = None
    fetch_delay: float = 0.5  # seconds between two requests to one host (rag.ingest.web)
    fetch_max_bytes: int = 10 * 1024 * 1024  # per response, after decompression
    fetch_timeout: float = 20.0  # total seconds per request
    allow_private: bool = False  # fetch from loopback, private and other non-public addresses

    @property
    def model_cache(self) -> Path:
        """Derived model files (ONNX exports, weight digests, token tables)."""
        return self.cache / "models"

    @property
    def eval_cache(self) -> Path:
        """Indexes of gold-set corpora, keyed by their content and the pipeline settings."""
        return self.cache / "eval"


def resolve(flags: Flags | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Flag, then environment, then default, for every setting; bad values raise SettingError."""
    flags = flags or Flags()
    env = os.environ if env is None else env

    def text(flag: str | None, *names: str) -> str | None:
        if flag is not None and flag.strip():
            return flag.strip()
        for name in names:
            value = env.get(name, "").strip()
            if value:
                return value
        return None

    named = text(flags.embedder, "RAG_EMBEDDER")
    embedder = named or "minilm-int8"
    _check_choice(embedder, EMBEDDERS, "--embedder" if flags.embedder else "RAG_EMBEDDER")
    backend = text(flags.backend, "RAG_BACKEND") or "extractive"
    _check_choice(backend, BACKENDS, "--backend" if flags.backend else "RAG_BACKEND")
    base_url = text(flags.base_url, "RAG_BASE_URL", "OPENAI_BASE_URL")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise SettingError(
            f"{'--base-url' if flags.base_url else 'RAG_BASE_URL'} must be an http:// or https:// URL, "
            f"e.g. http://127.0.0.1:8080/v1"
        )
    prompts = text(None, "RAG_PROMPTS")
    index = flags.index if flags.index is not None else Path(text(None, "RAG_INDEX") or DEFAULT_INDEX)
    store_text = text(flags.store, "RAG_STORE") or "local"
    try:
        store = parse_store(
            store_text,
            "--store" if flags.store else "RAG_STORE",
            shards=_number(None, env, "RAG_QDRANT_SHARDS", int, 1, low=1, high=1024),
            replicas=_number(None, env, "RAG_QDRANT_REPLICAS", int, 1, low=1, high=16),
        )
    except RagError as exc:
        raise SettingError(str(exc)) from None
    return Settings(
        index=index,
        store=store,
        cache=_cache_root(env),
        embedder=embedder,
        embedder_named=named is not None,
        backend=backend,
        model=text(flags.model, "RAG_MODEL"),
        base_url=base_url,
        api_key=text(None, "OPENAI_API_KEY", "RAG_API_KEY"),
        token=text(flags.token, "RAG_TOKEN"),
        qdrant_api_key=text(None, "QDRANT_API_KEY", "RAG_QDRANT_API_KEY"),
        ray_address=text(flags.ray_address, "RAG_RAY_ADDRESS"),
        timeout=_number(flags.timeout, env, "RAG_TIMEOUT", float, 60.0, low=0.001, high=86400.0),
        max_retries=_number(flags.max_retries, env, "RAG_MAX_RETRIES", int, 3, low=0, high=100),
        prompts=Path(prompts) if prompts else None,
        fetch_delay=_number(None, env, "RAG_FETCH_DELAY", float, 0.5, low=0.0, high=3600.0),
        fetch_max_bytes=_number(None, env, "RAG_FETCH_MAX_BYTES", int, 10 * 1024 * 1024, low=1024, high=2**31),
        fetch_timeout=_number(None, env, "RAG_FETCH_TIMEOUT", float, 20.0, low=0.1, high=3600.0),
        allow_private=flags.allow_private if flags.allow_private is not None else _switch(env, "RAG_ALLOW_PRIVATE"),
    )


def _switch(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingError(f"{name}={raw!r} is not a switch; set it to 1 or 0, or unset it")


def _cache_root(env: Mapping[str, str]) -> Path:
    explicit = env.get("RAG_CACHE", "").strip()
    if explicit:
        return Path(explicit)
    base = env.get("XDG_CACHE_HOME", "").strip()
    if not base:
        home = env.get("HOME", "").strip()
        if not home:
            try:
                home = str(Path.home())
            except RuntimeError:  # no HOME and no password entry
                raise SettingError("no home folder to keep the cache in; set RAG_CACHE to a writable folder") from None
        base = str(Path(home) / ".cache")
    return Path(base) / "rag"


def _check_choice(value: str, choices: tuple[str, ...], where: str) -> None:
    if value not in choices:
        raise SettingError(f"{where}={value!r} is not known; choose one of: {', '.join(choices)}")


def _number(
    flag: T | None,
    env: Mapping[str, str],
    name: str,
    kind: Callable[[str], T],
    default: T,
    low: float,
    high: float,
) -> T:
    if flag is not None:
        value, where = flag, f"--{name.removeprefix('RAG_').lower().replace('_', '-')}"
    else:
        raw = env.get(name, "").strip()
        if not raw:
            return default
        where = name
        try:
            value = kind(raw)
        except ValueError:
            noun = "a whole number" if kind is int else "a number"
            raise SettingError(f"{name}={raw!r} is not {noun}; set it to e.g. {default} or unset it") from None
    number = float(value)  # type: ignore[arg-type]
    if not (low <= number <= high) or number != number:
        raise SettingError(f"{where}={value} is out of range; use a value from {low:g} to {high:g}")
    return value
