"""What stories cost at ingest and at listing, on a pile of N articles (default 2,000).

    .venv/bin/python bench/stories_overhead.py [--articles 2000] [--embedder minilm]

Ingests the benchmark corpus (bench/corpus.py: full-length articles) into a fresh index with the
story placement that every ingest runs, timing the two apart: the ingest itself (read, chunk,
dedupe, embed, store) and the placement of every new article in its story (rag.stories.kept
.update). Then lists the stories as `rag stories` does, warm, five times. Prints JSON: both
times, placement as a share of the ingest (goal: <= 10%), and the listing's times (goal: <= 1 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from corpus import write_corpus  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--embedder", default="minilm")
    args = parser.parse_args()

    from rag.app import Rag
    from rag.embed import load_embedder
    from rag.ingest.chunk import ChunkParams
    from rag.ingest.pipeline import ingest, manifest_for
    from rag.settings import resolve
    from rag.store.local.store import Store
    from rag.stories.kept import update

    embedder = load_embedder(args.embedder, resolve().model_cache)
    embedder.embed(["warm up the model"])
    with tempfile.TemporaryDirectory() as scratch:
        corpus = write_corpus(Path(scratch) / "corpus.jsonl", args.articles)
        index = Path(scratch) / "index"
        store = Store.open(index, manifest_for(embedder, ChunkParams()), create=True)
        store.acquire_lock()
        started = time.perf_counter()
        report = ingest(store, embedder, [corpus], ChunkParams())
        ingest_seconds = time.perf_counter() - started
        started = time.perf_counter()
        state = update(store, embedder)
        placing_seconds = time.perf_counter() - started
        store.close()
        listing = []
        with Rag.open(index=index, embedder=embedder) as rag:
            for _ in range(6):
                started = time.perf_counter()
                stories = rag.stories()
                listing.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "articles": args.articles,
                "chunks": report.chunks,
                "ingest_seconds": round(ingest_seconds, 1),
                "placing_seconds": round(placing_seconds, 2),
                "placing_share_of_ingest": round(placing_seconds / ingest_seconds, 4),
                "placed_ms_per_article": round(1000 * placing_seconds / max(1, args.articles), 2),
                "stories": len(stories),
                "kept_articles": len(state.article_ids),
                "listing_seconds_warm": [round(s, 3) for s in listing[1:]],
                "listing_seconds_median_warm": round(statistics.median(listing[1:]), 3),
                "listing_seconds_first": round(listing[0], 3),
                "cpu": platform.processor() or platform.machine(),
                "cpu_count": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
