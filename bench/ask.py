"""Warm retrieval and answer latency on the seed index and on a corpus of 2,000+ articles.

    .venv/bin/python bench/ask.py [--articles 2000] [--cache .cache/bench]

Prints JSON with p50/p95 (ms) of retrieval alone and of the whole ask pipeline (retrieve, pack,
extractive model, citation check), per corpus, beside raw FAISS search and raw query encoding
on the same machine in the same run. The large index is cached between runs.

Each corpus is measured twice: first with no passage sentence's vector kept yet (every sentence
the reader scores is embedded), then `..._asked_again` by a fresh reader over the vectors the
first pass kept on disk (rag.embed.stored), as a later process asking about the same articles.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from corpus import bench_indexes  # noqa: E402

from rag.answer import ask  # noqa: E402
from rag.embed import CachingEmbedder, Embedder, load_embedder  # noqa: E402
from rag.embed.stored import StoredVectors  # noqa: E402
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


def measure(store: Store, embedder: Embedder, questions: list[str], sentences: Path) -> dict[str, object]:
    """Each question once, in a warm process (models loaded by three questions first), with the
    sentence vectors kept in the file `sentences`, as rag.parts wires the reader."""
    params = RetrievalParams()
    # As `Rag` holds it: one remembering embedder for retrieval, the reader and the citation
    # check (so the question is embedded once per ask); the reader's behind the vectors on disk.
    cached = CachingEmbedder(embedder)
    llm = ExtractiveLLM(StoredVectors(cached, sentences))
    prompts = Prompts.load(cache=resolve().model_cache)
    for question in questions[:3]:
        retrieve(store, embedder, question, params)
        ask(question, store, cached, llm, params, prompts, llm)  # warm: spaCy is loaded on first need
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
        ask(question, store, cached, llm, params, prompts, llm)
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
    report: dict[str, object] = {"embedder": embedder.name}
    with tempfile.TemporaryDirectory() as tmp:
        for name, index in (("seeds", seeds), (f"{args.articles}_articles", large)):
            kept = Path(tmp) / f"{name}-sentence-vectors.sqlite"
            # First: no passage sentence has been read before. Again: a new process (nothing in
            # memory, spaCy's memo empty) asking the same questions finds the sentences kept.
            report[name] = measure(index, embedder, questions, kept)
            report[f"{name}_asked_again"] = measure(index, embedder, questions, kept)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
