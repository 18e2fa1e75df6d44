"""How much a recency prior helps time-relative questions, measured on a gold set with `as_of`.

    .venv/bin/python bench/recency.py ../shared/data/realtimeqa_dev [--weights 0,0.1,0.2,0.3,0.5]

Every question is asked as of its own date; for each weight, prints JSON with retrieval
(hit@1, hit@10, MRR@10) and answer accuracy with the extractive model, plus how many questions
named a period ("this week", "yesterday", …). The corpus is indexed once, in the eval cache.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.app import Rag
from rag.embed import load_embedder
from rag.eval.evaluate import eval_index, run_eval, summarize
from rag.eval.gold import load_gold
from rag.ingest.chunk import ChunkParams
from rag.retrieve import RetrievalParams
from rag.settings import resolve
from rag.timeframe import time_window


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--weights", default="0,0.05,0.1,0.2,0.3,0.5")
    args = parser.parse_args()
    settings = resolve()
    embedder = load_embedder(settings.embedder, settings.model_cache)
    gold = load_gold(args.dataset)
    dated = [q for q in gold.questions if q.as_of]
    timed = sum(1 for q in dated if q.as_of and time_window(q.question, _date(q.as_of)) is not None)
    report: dict[str, object] = {"dataset": gold.name, "questions": len(gold.questions), "naming_a_period": timed}
    with eval_index(gold, embedder, ChunkParams(), settings.eval_cache) as store:
        rag = Rag.open(settings=settings, embedder=embedder).over(store)
        for weight in (float(w) for w in args.weights.split(",")):
            results = run_eval(gold, rag, RetrievalParams(recency_weight=weight))
            summary = summarize(results)
            retrieval, answers = summary["retrieval"], summary["answers"]
            report[f"weight {weight:g}"] = {
                "hit@1": retrieval.get("hit@1"),
                "hit@10": retrieval.get("hit@10"),
                "mrr@10": retrieval.get("mrr@10"),
                "accuracy": answers.get("accuracy"),
            }
            print(f"weight {weight:g}: {report[f'weight {weight:g}']}", file=sys.stderr, flush=True)
    print(json.dumps(report, indent=2))


def _date(value: str):  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.date.fromisoformat(value)


if __name__ == "__main__":
    main()
