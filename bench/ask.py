"""Warm retrieval and answer latency on the seed index and on a corpus of 2,000+ articles.

    .venv/bin/python bench/ask.py [--articles 2000] [--cache .cache/bench]

Prints JSON with p50/p95 (ms) of retrieval alone and of the whole ask pipeline (retrieve, pack,
extractive model, citation check), per corpus, beside raw FAISS search and raw query encoding
on the same machine in the same run. The large index is cached between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from corpus import bench_indexes  # noqa: E402

from rag.answer import ask  # noqa: E402
from rag.embed import CachingEmbedder, Embedder, load_embedder  # noqa: E402
from rag.eval.gold import load_gold  # noqa: E402
from rag.prompt import Prompts  # noqa: E402
from rag.reader.extractive import ExtractiveLLM  # noqa: E402
from rag.retrieve import RetrievalParams, retrieve  # noqa: E402
from rag.settings import resolve  # noqa: E402
from rag.store.local.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 2),
    }


def measure(store: Store, embedder: Embedder, questions: list[str]) -> dict[str, object]:
    params = RetrievalParams()
    llm = ExtractiveLLM(CachingEmbedder(embedder))
    prompts = Prompts.load(cache=resolve().model_cache)
    for question in questions[:3]:
        retrieve(store, embedder, question, params)
        ask(question, store, embedder, llm, params, prompts, llm)  # warm: spaCy is loaded on first need
    encode, dense, retrieval, answer = [], [], [], []
    for question in questions:
        started = time.perf_counter()
        vector = embedder.embed([question])
        encode.append(time.perf_counter() - started)
        started = time.perf_counter()
        store.faiss_index().search(vector, params.candidates)
        dense.append(time.perf_counter() - started)
        started = time.perf_counter()
        retrieve(store, embedder, question, params)
        retrieval.append(time.perf_counter() - started)
        started = time.perf_counter()
        ask(question, store, embedder, llm, params, prompts, llm)
        answer.append(time.perf_counter() - started)
    return {
        "chunks": store.db.counts()["chunks"],
        "questions": len(questions),
        "raw_query_encode": percentiles(encode),
        "raw_faiss_search": percentiles(dense),
        "retrieval": percentiles(retrieval),
        "ask_extractive": percentiles(answer),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "bench")
    args = parser.parse_args()
    import faiss

    faiss.omp_set_num_threads(1)  # as `rag ask` runs: one query at a time
    settings = resolve()
    embedder = load_embedder(settings.embedder, settings.model_cache)
    questions = [q.question for q in load_gold(ROOT / "eval" / "seeds").questions]
    seeds, large = bench_indexes(args.cache, embedder, args.articles)
    report = {
        "embedder": embedder.name,
        "seeds": measure(seeds, embedder, questions),
        f"{args.articles}_articles": measure(large, embedder, questions),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
