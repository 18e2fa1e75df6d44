"""Briefing time on the seed articles, on 200 articles, and on a gold set's corpus.

    .venv/bin/python bench/brief.py [--articles 200] [--cache .cache/bench]
        [--gold ../shared/data/realtimeqa_dev] [--topic "..."]

Prints JSON: seconds to build the offline briefing (models loaded and warm) for the five seed
articles and for the whole 200-article corpus, with and without a topic, with the size of each
section and the process's peak RSS after each. With --gold, the same for the gold set's whole
corpus (at most 200 articles, BriefSettings.max_articles, are briefed) and for a topic a handful
of its articles cover (by default its first question).
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

from rag.brief import briefing_pipeline, build_briefing  # noqa: E402
from rag.embed import CachingEmbedder, Embedder, load_embedder  # noqa: E402
from rag.eval.evaluate import eval_index  # noqa: E402
from rag.eval.gold import load_gold  # noqa: E402
from rag.ingest.chunk import ChunkParams  # noqa: E402
from rag.nlp import Pipeline  # noqa: E402
from rag.settings import resolve  # noqa: E402
from rag.store.local.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def timed(store: Store, embedder: Embedder, topic: str | None, nlp: Pipeline) -> dict[str, object]:
    started = time.perf_counter()
    briefing = build_briefing(store, CachingEmbedder(embedder), topic, nlp=nlp)
    seconds = time.perf_counter() - started
    return {
        "topic": topic,
        "articles": len(briefing.sources),
        "seconds": round(seconds, 2),
        "agreements": len(briefing.agreements),
        "discrepancies": len(briefing.discrepancies),
        "single_source": len(briefing.single_source),
        "timeline": len(briefing.timeline),
        "people": len(briefing.people),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "bench")
    parser.add_argument("--gold", type=Path, help="also brief this gold set's corpus")
    parser.add_argument("--topic", help="the gold-set topic (default: its first question)")
    args = parser.parse_args()
    settings = resolve()
    embedder = load_embedder(settings.embedder, settings.model_cache)
    embedder.embed(["warm up"])
    nlp = briefing_pipeline()  # as `rag brief` parses
    started = time.perf_counter()
    nlp.parse(["Warm the parser up, once."])
    report: dict[str, object] = {"embedder": embedder.name, "spacy_load_s": round(time.perf_counter() - started, 2)}
    seeds, large = bench_indexes(args.cache, embedder, args.articles)
    report["seeds"] = timed(seeds, embedder, None, nlp)
    report[f"{args.articles}_articles"] = timed(large, embedder, None, nlp)
    report[f"{args.articles}_articles_topic"] = timed(large, embedder, "Google antitrust trial", nlp)
    if args.gold:
        gold = load_gold(args.gold)
        store = eval_index(gold, embedder, ChunkParams(), settings.eval_cache)
        topic = args.topic or gold.questions[0].question
        report[f"{gold.name}_whole"] = timed(store, embedder, None, nlp)
        report[f"{gold.name}_topic"] = timed(store, embedder, topic, nlp)
        report[f"{gold.name}_whole_again"] = timed(store, embedder, None, nlp)  # memory stays flat
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
