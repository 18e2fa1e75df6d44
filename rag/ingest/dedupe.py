"""Near-duplicate detection (syndicated copies) with MinHash over word shingles."""

from __future__ import annotations

import hashlib

import numpy as np

from rag.text import words

SIGNATURE_SIZE = 64
SHINGLE = 5
DUPLICATE_SIMILARITY = 0.8
_MERSENNE = np.uint64((1 << 61) - 1)
_rng = np.random.default_rng(20250607)
_A = _rng.integers(1, 1 << 32, SIGNATURE_SIZE, dtype=np.uint64)
_B = _rng.integers(0, 1 << 32, SIGNATURE_SIZE, dtype=np.uint64)


def signature(text: str) -> np.ndarray:
    """MinHash signature of the text's word 5-grams; equal texts give equal signatures."""
    tokens = words(text)
    shingles = {" ".join(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1))}
    hashes = np.fromiter(
        (int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest()) >> 3 for s in shingles),
        dtype=np.uint64,
        count=len(shingles),
    )
    # (a*x + b) mod p with a, b, x below 2**32, so nothing overflows 64 bits.
    permuted = (np.outer(hashes % np.uint64(1 << 32), _A) + _B) % _MERSENNE
    return permuted.min(axis=0).astype(np.uint64)


def similarity(signature_a: np.ndarray, signatures: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of one signature against each row of `signatures`."""
    if signatures.size == 0:
        return np.zeros(0)
    return (signatures == signature_a).mean(axis=1)


def to_blob(sig: np.ndarray) -> bytes:
    return sig.astype(np.uint64).tobytes()
