"""Ingest throughput against the raw model on the same chunks, in the same run.

    .venv/bin/python bench/ingest.py [--articles 300]

Prints JSON: end-to-end ingest chunks/s (read, chunk, dedupe, embed, SQLite, FAISS; the model
already loaded), raw `SentenceTransformer.encode` chunks/s on exactly the chunks ingest stored,
their ratio, and peak RSS. Target: ratio ≥ 0.9.
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

from corpus import write_corpus  # noqa: E402

from rag.chunk import ChunkParams  # noqa: E402
from rag.embed import MiniLMEmbedder  # noqa: E402
from rag.indexer import ingest, manifest_for  # noqa: E402
from rag.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_corpus(Path(tmp) / "corpus.jsonl", args.articles)
        embedder = MiniLMEmbedder()
        embedder.embed(["warm up the model"])
        params = ChunkParams()
        store = Store.open(Path(tmp) / "index", manifest_for(embedder, params), create=True)
        store.acquire_lock()
        started = time.perf_counter()
        report = ingest(store, embedder, [corpus], params)
        ingest_seconds = time.perf_counter() - started
        texts = [row[0] for row in store.db.execute("SELECT text FROM chunks ORDER BY id")]
        tokens = [row[0] for row in store.db.execute("SELECT n_tokens FROM chunks")]
        store.close()
        model = embedder._loaded()
        started = time.perf_counter()
        model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        raw_seconds = time.perf_counter() - started
    ingest_rate = report.chunks / ingest_seconds
    raw_rate = len(texts) / raw_seconds
    print(
        json.dumps(
            {
                "articles": args.articles,
                "chunks": report.chunks,
                "mean_tokens_per_chunk": round(sum(tokens) / len(tokens), 1),
                "ingest_seconds": round(ingest_seconds, 2),
                "ingest_chunks_per_s": round(ingest_rate, 1),
                "ingest_articles_per_s": round(args.articles / ingest_seconds, 2),
                "raw_encode_seconds": round(raw_seconds, 2),
                "raw_encode_chunks_per_s": round(raw_rate, 1),
                "ratio_ingest_to_raw": round(ingest_rate / raw_rate, 3),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
