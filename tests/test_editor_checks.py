"""What an editor checks, on the team's 42 labelled stories (tests/fixtures/briefings), each
briefed as `rag brief --story` briefs it: the figures `rag eval` reports there, held where they
stand so that no change loses them unseen (the issue's targets are higher: see the README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from rag.brief import build_briefing
from rag.embed import CachingEmbedder, Embedder
from rag.eval.editor import Tally, read_labels, score_briefing
from rag.eval.judges import JudgeTally, judge_briefing
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import ingest, manifest_for
from rag.nlp import Pipeline
from rag.store.local.store import Store

pytestmark = pytest.mark.integration
FOLDER = ROOT / "tests" / "fixtures" / "briefings"


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory, minilm: Embedder) -> dict[str, Any]:
    directory: Path = tmp_path_factory.mktemp("briefings-index")
    store = Store.open(directory, manifest_for(minilm, ChunkParams()), create=True)
    store.acquire_lock()
    ingest(store, minilm, [FOLDER / "corpus.jsonl"], ChunkParams())
    texts = {r["id"]: r["text"] for r in map(json.loads, (FOLDER / "corpus.jsonl").read_text().splitlines())}
    labels = read_labels(FOLDER / "stories.jsonl")
    embedder, nlp = CachingEmbedder(minilm), Pipeline()
    tally, judged = Tally(), JudgeTally()
    for story_id, story_labels in labels.items():
        ids = [a for a in texts if a.startswith(f"{story_id}-")]
        briefing = build_briefing(store, embedder, doc_ids=ids, nlp=nlp)
        score_briefing(briefing, story_labels, tally)
        judge_briefing(briefing, [texts[a] for a in ids], embedder, nlp, judged)
    store.close()
    return {**tally.figures(), **judged.figures()}


def test_nearly_everyone_in_people_is_a_labelled_person(figures: dict[str, Any]) -> None:
    assert figures["people_precision"] >= 0.95


def test_most_labelled_people_are_in_people(figures: dict[str, Any]) -> None:
    assert figures["people_recall"] >= 0.9


def test_roles_come_from_titles_and_appositions(figures: dict[str, Any]) -> None:
    assert figures["role_precision"] >= 0.9


def test_timeline_dates_are_right(figures: dict[str, Any]) -> None:
    assert figures["timeline_dates_right"] >= 0.95


def test_most_shared_facts_are_listed_as_agreements(figures: dict[str, Any]) -> None:
    assert figures["agreement_recall"] >= 0.65


def test_differences_listed_are_real_ones(figures: dict[str, Any]) -> None:
    assert figures["disagreement_precision"] >= 0.8


def test_summary_sentences_stand_alone(figures: dict[str, Any]) -> None:
    assert figures["not_standing_alone_share"] <= 0.05


def test_timeline_entries_stand_alone(figures: dict[str, Any]) -> None:
    assert figures["timeline_entries"] and figures["timeline_entries_not_standing_alone"] == 0
