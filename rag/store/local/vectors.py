"""The FAISS index type, chosen from the corpus size: exact search while it is fast enough,
inverted lists beyond, optionally with 8-bit scalar quantisation to cut memory.

Measured on this machine (2 cores, one query, 384 dimensions; bench/scale.py): exact search
answers in ~1.4 ms at 17k vectors and ~10 ms at 100k, and grows linearly, so exact stays the
choice up to EXACT_LIMIT (searched by `exact_search`, on the index's own rows); IVF with
nlist ≈ 4·√N and the nprobe below keeps recall@10 ≥ 0.95 against exact on perturbed real
embeddings. Every kind supports removing ids, so updates and
pruning work, and every index is rebuilt from SQLite when needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

EXACT_LIMIT = 150_000
TRAIN_SAMPLE = 100_000


@dataclass(frozen=True)
class IndexSpec:
    kind: str  # "flat" | "ivf" | "ivf-sq8"
    nlist: int = 0
    nprobe: int = 0


def choose(n_vectors: int, sq8: bool = False) -> IndexSpec:
    return IndexSpec("flat") if n_vectors <= EXACT_LIMIT else ivf_spec(n_vectors, sq8)


def ivf_spec(n_vectors: int, sq8: bool = False) -> IndexSpec:
    """nlist ≈ 4·√N (a power of two); nprobe scanning about 1/64 of the lists, at least 16."""
    nlist = int(2 ** round(math.log2(4 * math.sqrt(max(n_vectors, 1)))))
    return IndexSpec("ivf-sq8" if sq8 else "ivf", nlist, max(16, nlist // 64))


def spec_of(index: Any) -> IndexSpec:
    import faiss

    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else index
    if isinstance(inner, faiss.IndexIVF):
        kind = "ivf-sq8" if isinstance(inner, faiss.IndexIVFScalarQuantizer) else "ivf"
        return IndexSpec(kind, inner.nlist, inner.nprobe)
    return IndexSpec("flat")


def empty(dimension: int, spec: IndexSpec, training: np.ndarray | None = None) -> Any:
    """A new index of the given kind; IVF kinds are trained on `training` first."""
    import faiss

    if spec.kind == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    quantizer: Any = faiss.IndexFlatIP(dimension)
    index: Any
    if spec.kind == "ivf-sq8":
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, dimension, spec.nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
    else:
        index = faiss.IndexIVFFlat(quantizer, dimension, spec.nlist, faiss.METRIC_INNER_PRODUCT)
    if training is None or len(training) < spec.nlist:
        raise ValueError("an IVF index needs at least nlist training vectors")
    index.train(np.ascontiguousarray(training, dtype=np.float32))
    index.nprobe = spec.nprobe
    index.own_fields = True
    quantizer.this.disown()
    return index


def ids_of(index: Any) -> np.ndarray:
    """Every id stored in the index (for consistency checks)."""
    import faiss

    if isinstance(index, faiss.IndexIDMap2) or hasattr(index, "id_map"):
        return faiss.vector_to_array(index.id_map).astype(np.int64)
    inner = faiss.extract_index_ivf(index)
    lists: Any = inner.invlists
    found = [
        faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
        for i in range(inner.nlist)
        if lists.list_size(i)
    ]
    return np.concatenate(found).astype(np.int64) if found else np.zeros(0, dtype=np.int64)


def sample_rows(n_rows: int, size: int = TRAIN_SAMPLE, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_rows, size=min(size, n_rows), replace=False))


def exact_search(
    index: Any, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids) of the `k` best inner products of an exact (flat) index, best first, ties by
    id, -1 ids where fewer than `k` rows are `allowed`.

    FAISS's own flat search of one query costs 1.6 ms on two OpenMP threads, or 3.0 ms on one,
    at 17,692 rows, against 1.1 ms on one thread for its inner-product kernel over the same rows
    (faiss 1.15, 2 cores); a server makes one such search per request. The rows are read in
    place, so the index stays the one store of the vectors.
    """
    import faiss

    inner: Any = faiss.downcast_index(index.index)
    n, d = inner.ntotal, inner.d
    rows = faiss.rev_swig_ptr(inner.get_xb(), n * d).reshape(n, d) if n else np.zeros((0, d), np.float32)
    ids = faiss.rev_swig_ptr(index.id_map.data(), n) if n else np.zeros(0, np.int64)
    if allowed is not None:
        keep = np.flatnonzero(np.isin(ids, allowed))
        rows, ids = rows[keep], ids[keep]
    rows = np.ascontiguousarray(rows)
    found = min(k, len(ids))
    top_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    top_ids = np.full((len(queries), k), -1, dtype=np.int64)
    kernel = faiss.fvec_inner_products_ny  # type: ignore[attr-defined]
    row = np.empty(len(ids), dtype=np.float32)
    for q, query in enumerate(np.ascontiguousarray(queries, dtype=np.float32)):
        # FAISS's kernel for one query against many rows: one thread, no BLAS or OpenMP pool
        # (whose idle threads spin on the cores a server's other requests need).
        kernel(faiss.swig_ptr(row), faiss.swig_ptr(query), faiss.swig_ptr(rows), d, len(ids))
        best = np.argpartition(-row, found - 1)[:found] if found < len(row) else np.arange(len(row))
        order = best[np.lexsort((ids[best], -row[best]))]
        top_scores[q, :found], top_ids[q, :found] = row[order], ids[order]
    return top_scores, top_ids


def is_exact(index: Any) -> bool:
    """Whether `index` is an exact (flat) index under its id map, which `exact_search` reads."""
    import faiss

    return isinstance(index, faiss.IndexIDMap) and isinstance(faiss.downcast_index(index.index), faiss.IndexFlat)
