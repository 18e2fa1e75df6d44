"""Vector search at 100k and 1M chunks: the index kinds rag chooses, against exact search.

    .venv/bin/python bench/scale.py [--sizes 100000,1000000] [--queries 200]

Vectors are real MiniLM embeddings of the seed and dev-set sentences (a few thousand), each
perturbed with Gaussian noise and renormalised to reach N, so that clusters and neighbourhoods
look like real text. Prints JSON per size and kind: build seconds, peak RSS growth over the raw
vector bytes, single-query p50/p95 (ms) and recall@10 against exact search, with raw
exact-search latency in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
from corpus import _sentence_pool  # noqa: E402

from rag.embed import load_embedder  # noqa: E402
from rag.settings import resolve  # noqa: E402
from rag.store.local import vectors  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def synthetic(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        rows = min(100_000, n - start)
        picked = base[rng.integers(0, len(base), rows)]
        noisy = picked + rng.normal(0, 0.06, picked.shape).astype(np.float32)
        out[start : start + rows] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    return out


def latency(index: object, queries: np.ndarray, k: int = 10) -> tuple[dict[str, float], np.ndarray]:
    import faiss

    faiss.omp_set_num_threads(1)
    times, found = [], []
    for query in queries:
        started = time.perf_counter()
        _, ids = index.search(query[None, :], k)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - started)
        found.append(ids[0])
    ordered = sorted(times)
    figures = {
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * len(ordered))] * 1000, 2),
    }
    return figures, np.array(found)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(3)
    embedder = load_embedder("minilm", resolve().model_cache)
    pool = _sentence_pool()[:6000]
    base = embedder.embed(pool)
    report: dict[str, object] = {"base_vectors": len(base)}
    for n in (int(s) for s in args.sizes.split(",")):
        data = synthetic(base, n, rng)
        ids = np.arange(n, dtype=np.int64)
        queries = synthetic(base, args.queries, rng)
        raw_mb = data.nbytes / 2**20
        exact = vectors.empty(data.shape[1], vectors.IndexSpec("flat"))
        exact.add_with_ids(data, ids)
        exact_latency, truth = latency(exact, queries)
        del exact
        entry: dict[str, object] = {"raw_vector_mb": round(raw_mb, 1), "exact": exact_latency}
        for sq8 in (False, True):
            spec = vectors.ivf_spec(n, sq8=sq8)
            before = current_rss_mb()
            started = time.perf_counter()
            sample = data[vectors.sample_rows(n)]
            index = vectors.empty(data.shape[1], spec, sample)
            for start in range(0, n, 100_000):
                index.add_with_ids(data[start : start + 100_000], ids[start : start + 100_000])
            build = time.perf_counter() - started
            figures, found = latency(index, queries)
            recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)])
            entry[spec.kind] = {
                "nlist": spec.nlist,
                "nprobe": spec.nprobe,
                "build_seconds": round(build, 1),
                "index_memory_mb": round(current_rss_mb() - before, 1),
                **figures,
                "recall@10_vs_exact": round(float(recall), 4),
            }
            del index
        entry["chosen"] = vectors.choose(n).kind
        report[str(n)] = entry
        del data
    report["peak_rss_mb"] = round(rss_mb(), 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
