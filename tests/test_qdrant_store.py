"""The Qdrant store in qdrant-client's local mode: the same ingest guarantees as the local store
(unchanged work skipped, replacements, copies, pruning, the manifest), its filters, its commit
record surviving a kill at any moment, and every command taking `--store`."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, open_store
from typer.testing import CliRunner

from rag.cli import app
from rag.embed import HashEmbedder
from rag.errors import IndexMismatchError, RagError
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import ingest, manifest_for, reembed
from rag.store.filters import Filters
from rag.store.manifest import Manifest
from rag.store.qdrant import QdrantStore
from rag.store.qdrant.writes import QdrantWriter, _article_point, _chunk_points
from rag.store.spec import parse_store
from rag.types import Article, Chunk

runner = CliRunner()


def story(number: int, extra: str = "") -> str:
    return (
        f"Title: Harbour story {number}\nSource: Outlet {number % 3}\nDate: 2025-06-{number + 1:02d}\n\n"
        f"The harbour of town {number} closed on Monday after a storm damaged its pier. "
        f"Officials said repairs to pier {number} would take {number + 20} weeks. {extra}"
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for number in range(6):
        (folder / f"story-{number}.txt").write_text(story(number))
    return folder


@pytest.fixture
def spec(tmp_path: Path):  # type: ignore[no-untyped-def]
    return parse_store(f"qdrant:{tmp_path / 'qdrant'}")


@pytest.fixture
def store(spec, hash_embedder: HashEmbedder, params: ChunkParams) -> Iterator[QdrantStore]:  # type: ignore[no-untyped-def]
    opened = QdrantStore.open(spec, manifest_for(hash_embedder, params), create=True)
    opened.acquire_lock()
    yield opened
    opened.close()


def run(store: QdrantStore, corpus: Path, embedder: HashEmbedder, params: ChunkParams, prune: bool = False):  # type: ignore[no-untyped-def]
    return ingest(store, embedder, [corpus], params, prune=prune)


def test_a_first_ingest_stores_every_article_and_chunk(store, corpus, hash_embedder, params) -> None:  # type: ignore[no-untyped-def]
    report = run(store, corpus, hash_embedder, params)
    counts = store.counts()
    assert report.added == 6 and counts["articles"] == 6 and counts["chunks"] == report.chunks > 0


def test_a_second_ingest_of_the_same_files_embeds_nothing(store, corpus, hash_embedder, params) -> None:  # type: ignore[no-untyped-def]
    run(store, corpus, hash_embedder, params)
    again = run(store, corpus, hash_embedder, params)
    assert (again.unchanged, again.added, again.chunks) == (6, 0, 0)


def test_a_changed_file_replaces_its_article_and_chunks(store, corpus, hash_embedder, params) -> None:  # type: ignore[no-untyped-def]
    run(store, corpus, hash_embedder, params)
    before = store.counts()
    (corpus / "story-2.txt").write_text(story(2, "A second storm followed on Friday and flooded the quay."))
    report = run(store, corpus, hash_embedder, params)
    assert report.updated == 1 and store.counts()["articles"] == before["articles"]
    texts = [h.text for h in store.hits([cid for cid, _ in store.lexical_search("flooded quay", 20, Filters())])]
    assert any("flooded the quay" in text for text in texts)


def test_a_near_copy_is_recorded_as_a_duplicate_without_chunks(store, corpus, hash_embedder, params) -> None:  # type: ignore[no-untyped-def]
    (corpus / "z-copy.txt").write_text(story(4).replace("Outlet 1", "Another Outlet"))
    report = run(store, corpus, hash_embedder, params)
    assert report.duplicates == 1 and store.counts()["duplicates"] == 1


def test_both_engines_give_equal_records_of_the_same_articles(store, corpus, hash_embedder, params, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The catalogue's records are plain values, so the two engines can be compared directly."""
    (corpus / "z-copy.txt").write_text(story(4).replace("Outlet 1", "Another Outlet"))
    run(store, corpus, hash_embedder, params)
    local = open_store(tmp_path / "local", hash_embedder, params)
    try:
        run(local, corpus, hash_embedder, params)
        listed = local.article_list(None, Filters(), 50)
        assert listed == store.article_list(None, Filters(), 50) and len(listed) == 6
        assert local.article_list("pier 3", Filters(), 50) == store.article_list("pier 3", Filters(), 50)
        for doc_id in [a.doc_id for a in listed] + ["z-copy", "no-such-article"]:
            assert local.article_record(doc_id) == store.article_record(doc_id)
        copied = local.article_record("story-4")
        assert copied is not None and [d.doc_id for d in copied.duplicates] == ["z-copy"]
        assert local.sources() == store.sources()
        ours, theirs = local.figures(), store.figures()
        assert (ours.articles, ours.duplicates, ours.chunks) == (theirs.articles, theirs.duplicates, theirs.chunks)
        assert (ours.store, ours.shards, theirs.store, theirs.shards) == ("local", None, "qdrant", 1)
    finally:
        local.close()


def test_removing_an_original_makes_its_copy_an_article_to_embed(store, corpus, hash_embedder, params) -> None:  # type: ignore[no-untyped-def]
    (corpus / "z-copy.txt").write_text(story(4).replace("Outlet 1", "Another Outlet"))
    run(store, corpus, hash_embedder, params)
    (corpus / "story-4.txt").unlink()
    report = run(store, corpus, hash_embedder, params, prune=True)
    assert report.pruned == 1 and report.chunks > 0
    assert store.counts()["duplicates"] == 0 and store.unembedded_count() == 0


def test_pruning_drops_articles_whose_files_are_gone(store, corpus, hash_embedder, params) -> None:  # type: ignore[no-untyped-def]
    run(store, corpus, hash_embedder, params)
    (corpus / "story-0.txt").unlink()
    report = run(store, corpus, hash_embedder, params, prune=True)
    assert report.pruned == 1 and store.counts()["articles"] == 5
    assert all(h.title != "Harbour story 0" for h in store.hits(list(range(1, 200))))


def test_filters_keep_only_the_outlets_and_dates_asked_for(store, corpus, hash_embedder, params) -> None:  # type: ignore[no-untyped-def]
    run(store, corpus, hash_embedder, params)
    vector = hash_embedder.embed(["harbour pier storm"])
    _, ids = store.dense_search(vector, 20, Filters(sources=("outlet 1",), since="2025-06-02", until="2025-06-05"))
    hits = store.hits([int(i) for i in ids[0] if i >= 0])
    assert hits and {(h.source, h.date) for h in hits} <= {("Outlet 1", "2025-06-02"), ("Outlet 1", "2025-06-05")}


def test_lexical_search_ranks_the_passage_holding_the_rare_words_first(store, corpus, hash_embedder, params) -> None:  # type: ignore[no-untyped-def]
    run(store, corpus, hash_embedder, params)
    found = store.lexical_search("repairs to pier 3", 5, Filters())
    assert found and store.hits([found[0][0]])[0].title == "Harbour story 3"
    assert [score for _, score in found] == sorted((score for _, score in found), reverse=True)


def test_an_index_built_with_another_model_is_refused_with_the_fix(spec, store, corpus, hash_embedder, params) -> None:  # type: ignore[no-untyped-def]
    run(store, corpus, hash_embedder, params)
    store.close()
    other = Manifest("other", "other@1", 384, {"target_tokens": 1})
    with pytest.raises(IndexMismatchError, match="--reembed --store qdrant:"):
        QdrantStore.open(spec, other)


def test_reembedding_with_other_chunking_rewrites_every_chunk_and_the_manifest(  # type: ignore[no-untyped-def]
    spec, store, corpus, hash_embedder, params
) -> None:
    run(store, corpus, hash_embedder, params)
    store.close()
    wider = ChunkParams(target_tokens=8, overlap_sentences=0)
    again = QdrantStore.open(spec, manifest_for(hash_embedder, wider), check=False)
    again.acquire_lock()
    try:
        report = reembed(again, hash_embedder, wider)
        assert report.chunks == again.counts()["chunks"] > 0 and again.unembedded_count() == 0
        assert again.stored_manifest() == manifest_for(hash_embedder, wider)
    finally:
        again.close()


def test_a_second_writer_is_told_who_holds_the_lock(spec, store, hash_embedder, params) -> None:  # type: ignore[no-untyped-def]
    second = QdrantStore.open(spec, manifest_for(hash_embedder, params))
    try:
        with pytest.raises(RagError, match="being written by pid"):
            second.acquire_lock()
    finally:
        second.close()


def test_a_batch_that_fails_before_its_commit_leaves_nothing_visible(  # type: ignore[no-untyped-def]
    store, corpus, hash_embedder, params, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self, client, commit):  # type: ignore[no-untyped-def]
        raise RuntimeError("killed before the commit")

    monkeypatch.setattr(QdrantWriter, "_commit", fail)
    with pytest.raises(RuntimeError):
        run(store, corpus, hash_embedder, params)
    monkeypatch.undo()
    assert store.counts() == {"articles": 0, "duplicates": 0, "chunks": 0, "undated": 0}
    report = run(store, corpus, hash_embedder, params)
    assert report.added == 6 and store.counts()["chunks"] == report.chunks


def test_a_server_reader_sees_nothing_above_the_commit_marks(store, corpus, hash_embedder, params) -> None:  # type: ignore[no-untyped-def]
    """What another process's writer has written but not committed stays unseen by a server's
    readers, which read through the commit record (local mode's readers take turns instead)."""
    run(store, corpus, hash_embedder, params)
    before, commit = store.counts(), store.commit()
    article = next(iter(store.articles_by_key().values()))
    text = "Uncommitted words: a lighthouse keeper found the missing ferry."
    chunk = Chunk(0, 0, len(text), text, 12)
    pending = Article("pending-key", "pending", "Pending", text, "hash")
    with store.connection.turn() as client:
        client.upsert(store.article_points, [_article_point(commit.articles_done + 1, pending, b"\x00" * 8, None)])
        points = _chunk_points(
            [commit.chunks_done + 1],
            [(commit.articles_done + 1, pending)],
            [(0, chunk)],
            hash_embedder.embed([text]),
            12.0,
        )
        client.upsert(store.chunks, points)
    store.guarded = True
    assert store.counts() == before
    assert all(
        h.article_id != commit.articles_done + 1
        for h in store.hits([c for c, _ in store.lexical_search("lighthouse ferry", 10, Filters())])
    )
    assert article.key in store.articles_by_key() and "pending-key" not in store.articles_by_key()


# -- a real kill, at random moments ------------------------------------------------------------


def ingest_process(corpus: Path, location: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RAG_EMBEDDER": "hash"}
    return subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ingest", str(corpus), "--store", location, "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("qdrant-kill-corpus")
    rng = random.Random(5)
    words = "harbour pier storm repair mayor council budget vote ferry quay flood tide".split()
    for number in range(160):
        body = " ".join(
            " ".join(rng.choice(words) for _ in range(rng.randint(6, 14))).capitalize() + f" {number}."
            for _ in range(10)
        )
        (folder / f"a-{number:03d}.txt").write_text(f"Title: Story {number}\n\n{body}")
    return folder


def stats(location: str) -> dict[str, int]:
    result = runner.invoke(app, ["stats", "--store", location, "--json"], env={"RAG_EMBEDDER": "hash"})
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    return {k: figures[k] for k in ("articles", "duplicates", "chunks")}


@pytest.mark.slow
def test_an_ingest_killed_at_any_moment_is_finished_by_a_rerun(big_corpus: Path, tmp_path: Path) -> None:
    clean = f"qdrant:{tmp_path / 'clean'}"
    assert ingest_process(big_corpus, clean).wait(timeout=300) == 0
    expected = stats(clean)
    rng = random.Random(3)
    for trial in range(3):
        location = f"qdrant:{tmp_path / f'killed-{trial}'}"
        process = ingest_process(big_corpus, location)
        time.sleep(rng.uniform(2.0, 6.0))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        rerun = ingest_process(big_corpus, location)
        assert rerun.wait(timeout=300) == 0, rerun.stderr.read().decode() if rerun.stderr else ""
        assert stats(location) == expected


# -- the commands -------------------------------------------------------------------------------


def test_every_reading_command_takes_the_store(corpus: Path, tmp_path: Path, hash_env: Path) -> None:
    location = f"qdrant:{tmp_path / 'cli-qdrant'}"
    assert runner.invoke(app, ["ingest", str(corpus), "--store", location]).exit_code == 0
    searched = runner.invoke(app, ["search", "harbour pier", "--store", location, "--json"])
    asked = runner.invoke(app, ["ask", "How long will the repairs to the pier take?", "--store", location, "--json"])
    briefed = runner.invoke(app, ["brief", "--store", location, "--json"])
    assert (searched.exit_code, asked.exit_code, briefed.exit_code) == (0, 0, 0)
    assert json.loads(searched.output) and json.loads(asked.output)["sources"]


def test_the_environment_names_the_store_as_the_flag_does(
    corpus: Path, tmp_path: Path, hash_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_STORE", f"qdrant:{tmp_path / 'env-qdrant'}")
    assert runner.invoke(app, ["ingest", str(corpus)]).exit_code == 0
    assert json.loads(runner.invoke(app, ["stats", "--json"]).output)["store"] == "qdrant"
    assert not hash_env.exists()  # nothing went to the local --index folder


def test_an_unknown_store_is_one_line_and_exit_2(hash_env: Path) -> None:
    result = runner.invoke(app, ["stats", "--store", "mongodb://x"])
    assert result.exit_code == 2 and "qdrant:PATH" in result.output and "Traceback" not in result.output


def test_a_missing_qdrant_index_says_how_to_build_it(tmp_path: Path, hash_env: Path) -> None:
    result = runner.invoke(app, ["ask", "Who closed the harbour?", "--store", f"qdrant:{tmp_path / 'none'}"])
    assert result.exit_code != 0 and "rag ingest PATH --store qdrant:" in result.output


def test_a_failed_first_ingest_leaves_no_qdrant_folder(tmp_path: Path, hash_env: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    folder = tmp_path / "never"
    result = runner.invoke(app, ["ingest", str(tmp_path / "empty.txt"), "--store", f"qdrant:{folder}"])
    assert result.exit_code != 0 and not folder.exists()


def test_the_server_ingests_an_upload_into_a_qdrant_store_and_reads_it(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    import httpx
    from serve_helpers import running_server
    from test_serve_api import wait_for

    from rag.settings import Flags

    location = f"qdrant:{tmp_path / 'served'}"
    with running_server(tmp_path / "index", hash_embedder, Flags(store=location)) as url:
        response = httpx.post(f"{url}/api/ingest", files={"files": ("story.txt", story(3), "text/plain")})
        state = wait_for(url, response.json())
        assert state["state"] == "done" and state["report"]["added"] == 1  # type: ignore[index]
        stats = httpx.get(f"{url}/api/stats").json()
        rows = httpx.get(f"{url}/api/search", params={"q": "repairs to pier 3", "k": 2}).json()
        page = httpx.get(f"{url}/api/articles/story").json()
    assert (stats["store"], stats["articles"]) == ("qdrant", 1)
    assert rows and rows[0]["title"] == "Harbour story 3"
    assert page["chunks"] and page["text"].startswith("The harbour of town 3")


def test_reading_a_folder_that_is_no_qdrant_store_leaves_it_untouched(corpus: Path, hash_env: Path) -> None:
    before = sorted(p.name for p in corpus.iterdir())
    result = runner.invoke(app, ["ask", "Who closed the harbour?", "--store", f"qdrant:{corpus}"])
    assert result.exit_code != 0 and "no index at qdrant:" in result.output
    assert sorted(p.name for p in corpus.iterdir()) == before


def test_a_failed_first_ingest_into_an_existing_folder_removes_only_what_it_made(
    tmp_path: Path, hash_env: Path
) -> None:
    (tmp_path / "empty.txt").write_text("")
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("my own file")
    result = runner.invoke(app, ["ingest", str(tmp_path / "empty.txt"), "--store", f"qdrant:{folder}"])
    assert result.exit_code != 0 and sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
