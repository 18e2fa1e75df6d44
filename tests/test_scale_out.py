"""The same answers beyond one machine. On two dev sets, with the real model, an index built four
ways (here or on a local Ray, into the local store or a Qdrant store) holds the same chunks, the
same vectors within float tolerance, and retrieves within 0.01 on hit@1, hit@10 and MRR@10."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT

from rag.embed import CachingEmbedder, Embedder
from rag.eval.evaluate import retrieval_scores
from rag.eval.gold import GoldSet, load_gold
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import ingest, manifest_for
from rag.retrieve import RetrievalParams, retrieve
from rag.store.filters import Filters
from rag.store.protocol import IndexStore
from rag.store.registry import open_index
from rag.store.spec import StoreSpec, parse_store

pytestmark = [pytest.mark.integration, pytest.mark.ray]
DATASETS = ("multihoprag_dev", "squad2_dev")
WAYS = ("local", "ray", "qdrant", "ray+qdrant")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    ray = pytest.importorskip("ray", reason="Ray is not installed: make install adds it (the 'ray' extra)")
    ray.init(
        num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR", _node_ip_address="127.0.0.1"
    )
    yield ray
    ray.shutdown()


def build(way: str, gold: GoldSet, folder: Path, embedder: Embedder, model_cache: Path) -> IndexStore:
    from rag.ingest.on_ray import RaySettings, ray_ingest

    spec = parse_store(f"qdrant:{folder / 'qdrant'}") if "qdrant" in way else StoreSpec()
    store = open_index(spec, folder / "local", manifest_for(embedder, ChunkParams()), create=True)
    store.acquire_lock()
    if way.startswith("ray"):
        settings = RaySettings(workers=2, embedder="minilm", model_cache=model_cache)
        ray_ingest(store, embedder, [gold.corpus_path], ChunkParams(), settings)
    else:
        ingest(store, embedder, [gold.corpus_path], ChunkParams())
    store.release_lock()
    return store


@pytest.fixture(scope="module", params=DATASETS)
def built(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    minilm: Embedder,
    model_cache: Path,
    local_ray: Any,
) -> Iterator[tuple[GoldSet, dict[str, IndexStore]]]:
    gold = load_gold(ROOT / "eval" / request.param)
    stores = {
        way: build(way, gold, tmp_path_factory.mktemp(f"{request.param}-{way}"), minilm, model_cache) for way in WAYS
    }
    yield gold, stores
    for store in stores.values():
        store.close()


def chunk_table(store: IndexStore) -> dict[tuple[str, int, int], np.ndarray]:
    """(document id, start, end) → vector, for every chunk of the store."""
    articles = store.articles()
    doc_ids = {a.id: a.doc_id for a in articles}
    return {(doc_ids[a], start, end): vector for a, start, end, vector in store.chunk_vectors(list(doc_ids))}


def retrieval(store: IndexStore, gold: GoldSet, embedder: Embedder) -> dict[str, float]:
    scores = []
    for question in gold.questions:
        if question.answerable:
            params = RetrievalParams(k=10, relevance_floor=-1.0, filters=Filters().as_of(question.as_of))
            scores.append(retrieval_scores(question, retrieve(store, embedder, question.question, params).hits))
    return {name: statistics.fmean(s[name] for s in scores) for name in ("hit@1", "hit@10", "mrr@10")}


def test_every_way_stores_the_same_articles(built: tuple[GoldSet, dict[str, IndexStore]]) -> None:
    gold, stores = built
    counts = {way: store.counts() for way, store in stores.items()}
    assert all(c == counts["local"] for c in counts.values()) and counts["local"]["articles"] == len(gold.corpus_ids)


def test_every_way_cuts_the_same_chunks(built: tuple[GoldSet, dict[str, IndexStore]]) -> None:
    _, stores = built
    reference = set(chunk_table(stores["local"]))
    for way in WAYS[1:]:
        assert set(chunk_table(stores[way])) == reference, way


def test_every_way_gives_the_same_vectors_within_float_tolerance(built: tuple[GoldSet, dict[str, IndexStore]]) -> None:
    _, stores = built
    reference = chunk_table(stores["local"])
    for way in WAYS[1:]:
        table = chunk_table(stores[way])
        worst = max(float(np.abs(table[key] - vector).max()) for key, vector in reference.items())
        assert worst < 1e-4, (way, worst)


def test_every_way_retrieves_within_a_hundredth(built: tuple[GoldSet, dict[str, IndexStore]], minilm: Embedder) -> None:
    gold, stores = built
    embedder = CachingEmbedder(minilm)  # each question is embedded once for all four
    reference = retrieval(stores["local"], gold, embedder)
    for way in WAYS[1:]:
        measured = retrieval(stores[way], gold, embedder)
        assert all(abs(measured[m] - reference[m]) <= 0.01 for m in reference), (way, measured, reference)


# -- a killed Ray ingest ------------------------------------------------------------------------


def ray_ingest_process(corpus: Path, index: Path) -> subprocess.Popen[bytes]:
    """`rag ingest --ray` in a session of its own, so that killing it kills its local Ray too."""
    env = {**os.environ, "RAG_EMBEDDER": "hash"}
    return subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ingest", str(corpus), "--index", str(index), "--ray", "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.mark.slow
def test_a_killed_ray_ingest_keeps_what_it_wrote_and_a_rerun_finishes(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="Ray is not installed: make install adds it (the 'ray' extra)")
    corpus = tmp_path / "wire.jsonl"
    with corpus.open("w") as handle:
        for number in range(1500):
            text = f"Story {number}: the council of town {number} voted {number % 7} to {number % 5} on the budget."
            handle.write(json.dumps({"id": f"w{number}", "title": f"Vote {number}", "text": text}) + "\n")
    clean = tmp_path / "clean"
    assert (
        subprocess.run(
            [sys.executable, "-m", "rag.cli", "ingest", str(corpus), "--index", str(clean), "--json"],
            cwd=ROOT,
            env={**os.environ, "RAG_EMBEDDER": "hash"},
            capture_output=True,
        ).returncode
        == 0
    )
    expected = counts_of(clean)
    index = tmp_path / "killed"
    process = ray_ingest_process(corpus, index)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None and counts_of(index)["articles"] == 0:
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)  # the driver and the Ray it started, mid-run
    process.wait(timeout=60)
    written = counts_of(index)
    assert 0 < written["articles"] <= expected["articles"]
    rerun = ray_ingest_process(corpus, index)
    output, _ = rerun.communicate(timeout=600)
    assert rerun.returncode == 0
    assert json.loads(output)["unchanged"] == written["articles"]  # nothing written is redone
    assert counts_of(index) == expected


def counts_of(index: Path) -> dict[str, int]:
    from rag.embed import HashEmbedder
    from rag.store.local.store import DB_NAME, Store

    if not (index / DB_NAME).exists():
        return {"articles": 0, "duplicates": 0, "chunks": 0, "undated": 0}
    with Store.open(index, manifest_for(HashEmbedder(), ChunkParams())) as store:
        return store.counts()
