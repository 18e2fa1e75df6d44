"""CI gates: the seed gold set and both dev sets, run with the extractive model and the real
embedding model, must stay at or above the floors in eval/thresholds.json. Each gate also names
the target its issue set; `rag eval DATASET --gates eval/thresholds.json` shows both."""

import json
from pathlib import Path

import pytest
from conftest import ROOT

from rag.app import Rag
from rag.embed import Embedder
from rag.eval.evaluate import eval_index, run_eval, summarize
from rag.eval.gates import Gate, Verdict, check_gates, gates_markdown, load_gates, parse_gates
from rag.eval.gold import load_gold
from rag.eval.stories import eval_stories
from rag.ingest.chunk import ChunkParams
from rag.retrieve import RetrievalParams

THRESHOLDS = ROOT / "eval" / "thresholds.json"


@pytest.mark.integration
@pytest.mark.parametrize("dataset", sorted(json.loads(THRESHOLDS.read_text())))
def test_the_gold_set_stays_above_its_floors(dataset: str, minilm: Embedder, tmp_path: Path) -> None:
    gold = load_gold(ROOT / "eval" / dataset)
    with eval_index(gold, minilm, ChunkParams(), tmp_path) as store, Rag.open(embedder=minilm).over(store) as rag:
        report = summarize(run_eval(gold, rag, RetrievalParams()))
        if gold.stories:
            report["briefing"] = eval_stories(gold, rag)
    verdicts = check_gates(report, load_gates(THRESHOLDS, dataset))
    assert not [v for v in verdicts if v.failed], f"{dataset} regressed:\n" + gates_markdown(verdicts)


def test_every_gate_has_a_floor_or_ceiling_and_a_target() -> None:
    for dataset, spec in json.loads(THRESHOLDS.read_text()).items():
        for gate in parse_gates(spec, dataset):
            assert gate.target is not None, (dataset, gate.metric)
            assert gate.goal, (dataset, gate.metric)


def test_a_value_under_its_floor_fails_and_one_short_of_its_target_does_not() -> None:
    gate = Gate("answers.f1", limit=0.2, higher_is_better=True, target=0.6)
    assert Verdict(gate, 0.19).failed
    assert Verdict(gate, 0.3).status == "short of target" and not Verdict(gate, 0.3).failed
    assert Verdict(gate, 0.6).status == "ok"


def test_a_ceiling_fails_from_above() -> None:
    gate = Gate("abstention.false_abstain_rate", limit=0.05, higher_is_better=False, target=0.02)
    assert Verdict(gate, 0.06).failed
    assert Verdict(gate, 0.04).status == "short of target"
    assert Verdict(gate, 0.01).status == "ok"


def test_a_missing_metric_fails() -> None:
    (verdict,) = check_gates({"answers": {}}, [Gate("answers.f1", 0.2, True, 0.6)])
    assert verdict.failed and verdict.status == "missing"
