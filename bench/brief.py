"""Briefing time on the seed articles and on 200 articles.

    .venv/bin/python bench/brief.py [--articles 200] [--cache .cache/bench]

Prints JSON: seconds to build the offline briefing (model loaded and warm) for the five seed
articles and for the whole 200-article corpus, with the number of claims compared and the
size of each section, and peak RSS.
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

from corpus import bench_indexes  # noqa: E402

from rag.brief import build_briefing  # noqa: E402
from rag.embed import CachingEmbedder, Embedder, load_embedder  # noqa: E402
from rag.settings import resolve  # noqa: E402
from rag.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def timed(store: Store, embedder: Embedder, topic: str | None) -> dict[str, object]:
    started = time.perf_counter()
    briefing = build_briefing(store, CachingEmbedder(embedder), topic)
    seconds = time.perf_counter() - started
    return {
        "topic": topic,
        "articles": len(briefing.sources),
        "seconds": round(seconds, 2),
        "agreements": len(briefing.agreements),
        "discrepancies": len(briefing.discrepancies),
        "single_source": len(briefing.single_source),
        "timeline": len(briefing.timeline),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "bench")
    args = parser.parse_args()
    settings = resolve()
    embedder = load_embedder(settings.embedder, settings.model_cache)
    embedder.embed(["warm up"])
    seeds, large = bench_indexes(args.cache, embedder, args.articles)
    report = {
        "embedder": embedder.name,
        "seeds": timed(seeds, embedder, None),
        f"{args.articles}_articles": timed(large, embedder, None),
        f"{args.articles}_articles_topic": timed(large, embedder, "Google antitrust trial"),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
