"""Ingest throughput against the raw model on the same chunks, in the same run.

    .venv/bin/python bench/ingest.py [--articles 150] [--embedders minilm,minilm-int8,minilm-torch]

Prints JSON: for each embedder, end-to-end ingest chunks/s and articles/s (read, chunk, dedupe,
embed, SQLite, FAISS; model loaded and warm); then raw `SentenceTransformer.encode` chunks/s
(torch, the reference) on exactly the chunks ingest stored, each ingest's ratio to it, the
cosine of ONNX vectors to the reference, and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
from corpus import write_corpus  # noqa: E402

from rag.chunk import ChunkParams  # noqa: E402
from rag.embed import MiniLMEmbedder, load_embedder  # noqa: E402
from rag.indexer import ingest, manifest_for  # noqa: E402
from rag.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=150)
    parser.add_argument("--embedders", default="minilm,minilm-int8,minilm-torch")
    args = parser.parse_args()
    report: dict[str, object] = {"articles": args.articles}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_corpus(Path(tmp) / "corpus.jsonl", args.articles)
        texts: list[str] = []
        vectors: dict[str, np.ndarray] = {}
        rates: dict[str, float] = {}
        for name in args.embedders.split(","):
            embedder = load_embedder(name)
            embedder.embed(["warm up the model"])
            store = Store.open(Path(tmp) / f"index-{name}", manifest_for(embedder, ChunkParams()), create=True)
            store.acquire_lock()
            started = time.perf_counter()
            result = ingest(store, embedder, [corpus], ChunkParams())
            seconds = time.perf_counter() - started
            rows = store.db.execute("SELECT text, vector FROM chunks ORDER BY id").fetchall()
            store.close()
            texts = [r[0] for r in rows]
            vectors[name] = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
            rates[name] = result.chunks / seconds
            report[name] = {
                "chunks": result.chunks,
                "ingest_seconds": round(seconds, 2),
                "ingest_chunks_per_s": round(rates[name], 1),
                "ingest_articles_per_s": round(args.articles / seconds, 2),
            }
        reference = MiniLMEmbedder()
        model = reference._loaded()
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
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
