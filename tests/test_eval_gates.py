"""CI gates: the seed gold set and both dev sets, run with the extractive model and the real
embedding model, must stay at or above the figures checked in to eval/thresholds.json."""

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from rag.chunk import ChunkParams
from rag.embed import CachingEmbedder, Embedder
from rag.evaluate import eval_index, eval_stories, run_eval, summarize
from rag.extractive import ExtractiveLLM
from rag.gold import load_gold
from rag.prompt import Prompts
from rag.retrieve import RetrievalParams

THRESHOLDS = json.loads((ROOT / "eval" / "thresholds.json").read_text())
pytestmark = pytest.mark.integration


def figure(report: dict[str, Any], dotted: str) -> float:
    group, name = dotted.split(".", 1)
    value = report[group][name]
    assert value is not None, dotted
    return float(value)


@pytest.mark.parametrize("dataset", sorted(THRESHOLDS))
def test_the_gold_set_meets_its_checked_in_thresholds(
    dataset: str, minilm: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gold = load_gold(ROOT / "eval" / dataset)
    embedder = CachingEmbedder(minilm)
    with eval_index(gold, minilm, ChunkParams(), tmp_path) as store:
        results = run_eval(gold, store, embedder, ExtractiveLLM(embedder), RetrievalParams(), Prompts.load())
        report = summarize(results)
        if gold.stories:
            report["briefing"] = eval_stories(gold, store, embedder)
    limits = THRESHOLDS[dataset]
    failures = [
        f"{name} = {figure(report, name):.3f} < {low}"
        for name, low in limits.get("min", {}).items()
        if figure(report, name) < low
    ] + [
        f"{name} = {figure(report, name):.3f} > {high}"
        for name, high in limits.get("max", {}).items()
        if figure(report, name) > high
    ]
    assert not failures, f"{dataset} regressed: " + "; ".join(failures)
