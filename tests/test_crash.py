"""Crashes and concurrency: an ingest killed at random moments always leaves an index that opens,
whose SQLite rows and FAISS vectors agree, and which a rerun completes."""

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

from rag.embed import HashEmbedder
from rag.errors import RagError
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import manifest_for
from rag.store.local.store import Store
from rag.store.local.vectors import ids_of
from rag.store.lock import WriteLock

pytestmark = pytest.mark.slow
TRIALS = 20
WORDS = "russia musk asylum kremlin peskov medvedev starlink trump novikov duma offer feud tesla".split()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash-corpus")
    rng = random.Random(11)
    for number in range(400):
        sentences = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + f" {number}."
            for _ in range(12)
        ]
        (folder / f"article-{number:03d}.txt").write_text(f"Title: Story {number}\n\n" + " ".join(sentences))
    return folder


def ingest_process(corpus: Path, index: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RAG_EMBEDDER": "hash"}
    return subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ingest", str(corpus), "--index", str(index), "--json", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def open_index(index: Path) -> Store:
    return Store.open(index, manifest_for(HashEmbedder(), ChunkParams()))


def assert_consistent(store: Store) -> None:
    """Within one read snapshot, every vector id maps to a chunk and back."""
    store.db.execute("BEGIN")
    try:
        _check(store)
    finally:
        store.db.execute("COMMIT")


def _check(store: Store) -> None:
    vector_ids = set(ids_of(store.faiss_index()).tolist())
    chunk_ids = {r[0] for r in store.db.execute("SELECT id FROM chunks")}
    assert vector_ids == chunk_ids
    half_done = store.db.execute(
        "SELECT COUNT(*) FROM articles a WHERE a.duplicate_of IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.article_id = a.id)"
    ).fetchone()[0]
    assert half_done == 0, "an article was stored without its chunks"


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, int], float]:
    """The counts of an uninterrupted ingest, and how long it took on this machine."""
    index = tmp_path_factory.mktemp("reference") / "index"
    started = time.monotonic()
    assert ingest_process(corpus, index).wait() == 0
    duration = time.monotonic() - started
    with open_index(index) as store:
        return store.db.counts(), duration


def test_sigkill_at_random_moments_never_breaks_the_index(
    corpus: Path, reference: tuple[dict[str, int], float], tmp_path: Path
) -> None:
    complete_counts, duration = reference
    rng = random.Random(2025)
    killed_mid_ingest = 0
    for trial in range(TRIALS):
        index = tmp_path / f"trial-{trial}"
        process = ingest_process(corpus, index)
        time.sleep(rng.uniform(0.1, 0.95) * duration)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed_mid_ingest += 1
        process.wait()
        if Store.read_manifest(index) is not None:  # killed before the index was created: nothing to check
            with open_index(index) as store:
                assert_consistent(store)
        rerun = ingest_process(corpus, index)
        assert rerun.wait() == 0, rerun.stderr.read() if rerun.stderr else ""
        with open_index(index) as store:
            assert_consistent(store)
            assert store.db.counts() == complete_counts
    assert killed_mid_ingest >= TRIALS * 3 // 4


@pytest.fixture
def held_lock(tmp_path: Path) -> Iterator[tuple[Path, WriteLock]]:
    """An index folder whose write lock this test process holds."""
    index = tmp_path / "index"
    index.mkdir()
    holder = WriteLock(index)
    holder.acquire()
    yield index, holder
    holder.release()


def test_a_second_writer_is_told_who_holds_the_lock(corpus: Path, held_lock: tuple[Path, WriteLock]) -> None:
    index, _ = held_lock
    second = ingest_process(corpus, index)
    assert second.wait(timeout=60) == 2
    message = second.stderr.read().decode() if second.stderr else ""
    assert f"is being written by pid {os.getpid()}" in message and "--wait" in message


def test_a_writer_with_wait_queues_until_the_lock_is_free(corpus: Path, held_lock: tuple[Path, WriteLock]) -> None:
    index, holder = held_lock
    queued = ingest_process(corpus, index, "--wait")
    with pytest.raises(subprocess.TimeoutExpired):
        queued.wait(timeout=3)
    holder.release()
    assert queued.wait(timeout=300) == 0


def test_queries_during_an_ingest_see_a_consistent_index(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    writer = ingest_process(corpus, index)
    checks = 0
    deadline = time.monotonic() + 300
    while writer.poll() is None:
        if time.monotonic() > deadline:
            writer.kill()
            pytest.fail("the ingest did not finish in 300 s")
        if (index / "rag.sqlite").exists():
            try:
                store = open_index(index)
            except RagError as exc:
                # The one state a reader may meet that is not an index yet, and only before the
                # first good read: the database file made, its schema and manifest (one
                # transaction) not yet committed. Anything else a read raises is a failure.
                if "is empty" not in str(exc) or checks:
                    raise
                time.sleep(0.05)
                continue
            with store:
                assert_consistent(store)
                checks += 1
        time.sleep(0.05)
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    assert checks > 0


def test_a_corrupted_database_is_reported_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from rag.cli import app

    monkeypatch.setenv("RAG_EMBEDDER", "hash")
    index = tmp_path / "index"
    index.mkdir()
    (index / "rag.sqlite").write_bytes(b"this is not a database" * 100)
    result = CliRunner().invoke(app, ["search", "asylum", "--index", str(index)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: index database") and "corrupted" in result.stderr
    assert result.stderr.count("\n") == 1
