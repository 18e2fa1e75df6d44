"""Beyond one machine, measured on this one: ingest on a local Ray next to the local ingest, Qdrant
local-mode search next to FAISS on the same vectors, and what the store protocol costs the local
ingest.

    .venv/bin/python bench/scale_out.py [--articles 300] [--queries 200] [--cache .cache/bench]

Prints JSON. Ingest: articles/s and chunks/s for the local path and for `--ray` (a Ray started
here with as many CPUs as this process may use), same corpus, same run, each into a fresh index,
and their ratio. Search: the vectors of the 2,000-article bench index put into a Qdrant collection
in local mode and into FAISS, then the same query vectors against both (p50/p95 ms); then the
whole hybrid `retrieve()` on the local and the Qdrant store. Protocol: the time spent in the store
protocol's own code during the local ingest (the local writer around the database writer and the
FAISS copy), as a share of the ingest.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
from ask import percentiles  # noqa: E402
from corpus import bench_indexes, write_corpus  # noqa: E402

from rag.embed import load_embedder  # noqa: E402
from rag.eval.gold import load_gold  # noqa: E402
from rag.ingest.chunk import ChunkParams  # noqa: E402
from rag.ingest.pipeline import ingest, manifest_for  # noqa: E402
from rag.settings import resolve  # noqa: E402
from rag.store.registry import open_index  # noqa: E402
from rag.store.spec import StoreSpec, parse_store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def cpu_flags() -> dict[str, object]:
    flags: set[str] = set()
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    return {
        "cores": len(os.sched_getaffinity(0)),
        "avx2": "avx2" in flags,
        "avx512_vnni": "avx512_vnni" in flags,
    }


def timed_ingest(way: str, corpus: Path, folder: Path, embedder: object, model_cache: Path) -> dict[str, float]:
    from rag.ingest.on_ray import RaySettings, ray_ingest

    shutil.rmtree(folder, ignore_errors=True)
    store = open_index(StoreSpec(), folder, manifest_for(embedder, ChunkParams()), create=True)  # type: ignore[arg-type]
    store.acquire_lock()
    started = time.perf_counter()
    if way == "ray":
        settings = RaySettings(workers=len(os.sched_getaffinity(0)), model_cache=model_cache)
        report = ray_ingest(store, embedder, [corpus], ChunkParams(), settings)  # type: ignore[arg-type]
    else:
        report = ingest(store, embedder, [corpus], ChunkParams())  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    store.close()
    articles = report.added + report.duplicates
    return {
        "seconds": round(seconds, 2),
        "articles": articles,
        "chunks": report.chunks,
        "articles_per_s": round(articles / seconds, 1),
        "chunks_per_s": round(report.chunks / seconds, 1),
    }


def protocol_share(corpus: Path, folder: Path, embedder: object) -> dict[str, float]:
    """Time inside LocalWriter's methods less the database writes and FAISS updates they make."""
    from rag.store.local import store as local
    from rag.store.local.writes import DatabaseWriter

    spent = {"wrapper": 0.0, "inner": 0.0}

    def clock(owner: type, name: str, bucket: str) -> None:
        original = getattr(owner, name)

        def timed(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[bucket] += time.perf_counter() - started

        setattr(owner, name, timed)

    for name in ("write_batch", "add_chunks", "rekey", "finish"):
        clock(local.LocalWriter, name, "wrapper")
    for name in ("write_batch", "add_chunks", "rekey"):
        clock(DatabaseWriter, name, "inner")
    clock(local.Store, "save_faiss", "inner")
    shutil.rmtree(folder, ignore_errors=True)
    store = local.Store.open(folder, manifest_for(embedder, ChunkParams()), create=True)  # type: ignore[arg-type]
    store.acquire_lock()
    started = time.perf_counter()
    ingest(store, embedder, [corpus], ChunkParams())  # type: ignore[arg-type]
    total = time.perf_counter() - started
    store.close()
    own = spent["wrapper"] - spent["inner"]  # includes the FAISS adds, which any store would make
    return {"ingest_s": round(total, 2), "protocol_and_faiss_s": round(own, 3), "share": round(own / total, 4)}


def search_latency(local_store: object, questions: list[str], embedder: object, folder: Path) -> dict[str, object]:
    """The same vectors in FAISS and in a Qdrant local-mode collection, the same query vectors."""
    from qdrant_client import QdrantClient, models

    ids, vectors = [], []
    for batch_ids, batch in local_store.db.vector_batches():  # type: ignore[attr-defined]
        ids.append(batch_ids)
        vectors.append(batch)
    all_ids, matrix = np.concatenate(ids), np.vstack(vectors)
    shutil.rmtree(folder, ignore_errors=True)
    client = QdrantClient(path=str(folder))
    client.create_collection(
        "v", vectors_config=models.VectorParams(size=matrix.shape[1], distance=models.Distance.DOT)
    )
    for first in range(0, len(all_ids), 1024):
        client.upsert(
            "v",
            [
                models.PointStruct(id=int(i), vector=v.tolist())
                for i, v in zip(all_ids[first : first + 1024], matrix[first : first + 1024], strict=True)
            ],
        )
    queries = embedder.embed(questions)  # type: ignore[attr-defined]
    index = local_store.faiss_index()  # type: ignore[attr-defined]
    faiss_times, qdrant_times, agree = [], [], []
    for query in queries:
        started = time.perf_counter()
        _, faiss_ids = index.search(query[None, :], 10)
        faiss_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        found = client.query_points("v", query=query.tolist(), limit=10).points
        qdrant_times.append(time.perf_counter() - started)
        agree.append(len(set(faiss_ids[0].tolist()) & {int(p.id) for p in found}) / 10)
    client.close()
    return {
        "vectors": len(all_ids),
        "faiss": percentiles(faiss_times),
        "qdrant_local_mode": percentiles(qdrant_times),
        "top10_overlap": round(float(np.mean(agree)), 4),
    }


def retrieve_latency(store: object, questions: list[str], embedder: object) -> dict[str, float]:
    from rag.embed import CachingEmbedder
    from rag.retrieve import RetrievalParams, retrieve

    cached = CachingEmbedder(embedder)  # type: ignore[arg-type]
    cached.embed(questions)  # the query encoding is the same for both stores: leave it out
    times = []
    for question in questions:
        started = time.perf_counter()
        retrieve(store, cached, question, RetrievalParams(k=8))  # type: ignore[arg-type]
        times.append(time.perf_counter() - started)
    return percentiles(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=300, help="articles in the ingest corpus")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "bench")
    args = parser.parse_args()
    import faiss
    import ray

    faiss.omp_set_num_threads(1)
    settings = resolve()
    embedder = load_embedder(settings.embedder, settings.model_cache)
    work = args.cache / "scale-out"
    work.mkdir(parents=True, exist_ok=True)
    corpus = write_corpus(work / f"corpus-{args.articles}.jsonl", args.articles)
    report: dict[str, object] = {"machine": cpu_flags(), "embedder": embedder.name}

    ray.init(num_cpus=len(os.sched_getaffinity(0)), include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        runs = {
            way: timed_ingest(way, corpus, work / f"ingest-{way}", embedder, settings.model_cache)
            for way in ("local", "ray")
        }
    finally:
        ray.shutdown()
    runs["ray_over_local"] = round(runs["ray"]["chunks_per_s"] / runs["local"]["chunks_per_s"], 3)  # type: ignore[assignment]
    report["ingest"] = runs
    report["protocol_overhead_local_ingest"] = protocol_share(corpus, work / "ingest-protocol", embedder)

    questions = [q.question for name in ("seeds", "squad2_dev") for q in load_gold(ROOT / "eval" / name).questions]
    questions = questions[: args.queries]
    _, large = bench_indexes(args.cache, embedder, 2000)
    report["search_same_vectors"] = search_latency(large, questions, embedder, work / "qdrant-vectors")
    qdrant = open_index(
        parse_store(f"qdrant:{work / 'qdrant-store'}"), work, manifest_for(embedder, ChunkParams()), create=True
    )  # type: ignore[arg-type]
    if qdrant.counts()["articles"] == 0:
        qdrant.acquire_lock()
        ingest(qdrant, embedder, [corpus], ChunkParams())  # type: ignore[arg-type]
        qdrant.release_lock()
    local_small = open_index(StoreSpec(), work / "ingest-local", manifest_for(embedder, ChunkParams()))  # type: ignore[arg-type]
    report["retrieve_hybrid"] = {
        "chunks": qdrant.counts()["chunks"],
        "local": retrieve_latency(local_small, questions, embedder),
        "qdrant_local_mode": retrieve_latency(qdrant, questions, embedder),
    }
    qdrant.close()
    local_small.close()
    large.close()  # type: ignore[attr-defined]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
