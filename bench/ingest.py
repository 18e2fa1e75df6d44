"""Ingest throughput against the raw model on the same chunks, in the same run.

    .venv/bin/python bench/ingest.py [--articles 150] [--embedders minilm,minilm-int8,minilm-torch]

Prints JSON: for each embedder, end-to-end ingest chunks/s and articles/s (read, chunk, dedupe,
embed, SQLite, FAISS; model loaded and warm) and the peak RSS of that ingest, each in a process
of its own so that one model's memory does not hide in another's; then raw
`SentenceTransformer.encode` chunks/s with its default settings (torch, the reference) on exactly
the chunks ingest stored, each ingest's ratio to it, and the cosine of each ingest's vectors to
the reference vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
from corpus import write_corpus  # noqa: E402


def ingest_once(name: str, corpus: Path, index: Path) -> dict[str, float]:
    """One timed ingest with a warm model (run in a child process by `main`)."""
    from rag.embed import load_embedder
    from rag.ingest.chunk import ChunkParams
    from rag.ingest.pipeline import ingest, manifest_for
    from rag.settings import resolve
    from rag.store.local.store import Store

    embedder = load_embedder(name, resolve().model_cache)
    embedder.embed(["warm up the model"])
    store = Store.open(index, manifest_for(embedder, ChunkParams()), create=True)
    store.acquire_lock()
    started = time.perf_counter()
    result = ingest(store, embedder, [corpus], ChunkParams())
    seconds = time.perf_counter() - started
    store.close()
    return {"chunks": result.chunks, "seconds": seconds, "peak_rss_mb": _peak_rss_mb()}


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def stored(index: Path) -> tuple[list[str], np.ndarray]:
    import sqlite3

    with sqlite3.connect(index / "rag.sqlite") as db:
        rows = db.execute("SELECT text, vector FROM chunks ORDER BY id").fetchall()
    return [r[0] for r in rows], np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=150)
    parser.add_argument("--embedders", default="minilm,minilm-int8,minilm-torch")
    parser.add_argument("--child", nargs=3, metavar=("EMBEDDER", "CORPUS", "INDEX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, corpus, index = args.child
        print(json.dumps(ingest_once(name, Path(corpus), Path(index))))
        return

    report: dict[str, object] = {"articles": args.articles}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_corpus(Path(tmp) / "corpus.jsonl", args.articles)
        rates: dict[str, float] = {}
        vectors: dict[str, np.ndarray] = {}
        texts: list[str] = []
        for name in args.embedders.split(","):
            index = Path(tmp) / f"index-{name}"
            child = subprocess.run(
                [sys.executable, __file__, "--child", name, str(corpus), str(index)],
                check=True,
                capture_output=True,
                text=True,
            )
            run = json.loads(child.stdout)
            texts, vectors[name] = stored(index)
            rates[name] = run["chunks"] / run["seconds"]
            report[name] = {
                "chunks": run["chunks"],
                "ingest_seconds": round(run["seconds"], 2),
                "ingest_chunks_per_s": round(rates[name], 1),
                "ingest_articles_per_s": round(args.articles / run["seconds"], 2),
                "ingest_peak_rss_mb": run["peak_rss_mb"],
            }
        from rag.embed import MiniLMEmbedder
        from rag.settings import resolve

        model = MiniLMEmbedder(resolve().model_cache)._loaded()
        model.encode(["warm up"])
        started = time.perf_counter()
        raw = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)  # its defaults: batches of 32
        raw_rate = len(texts) / (time.perf_counter() - started)
    report["raw_sentence_transformers_chunks_per_s"] = round(raw_rate, 1)
    for name, rate in rates.items():
        entry = report[name]
        assert isinstance(entry, dict)
        entry["ratio_to_raw_torch"] = round(rate / raw_rate, 3)
        cosines = (vectors[name] * raw).sum(axis=1)
        entry["cosine_to_torch_mean"] = round(float(cosines.mean()), 5)
        entry["cosine_to_torch_min"] = round(float(cosines.min()), 5)
    report["reference_peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
