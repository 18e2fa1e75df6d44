"""The index: idempotent ingest, updates, pruning, duplicates, and SQLite/FAISS consistency."""

from pathlib import Path

import numpy as np
import pytest
from conftest import SEEDS, open_store

from rag.embed import HashEmbedder
from rag.errors import IndexBusyError, IndexMismatchError
from rag.ingest.chunk import ChunkParams, chunk_text
from rag.ingest.pipeline import ingest, manifest_for, reembed
from rag.store.local.store import Filters, Store
from rag.store.local.vectors import ids_of

ARTICLE = (
    "Title: Asylum offer\nSource: Outlet A\nDate: 2025-06-06\n\n"
    "Russia could offer Musk political asylum, Dmitry Novikov said. He spoke to TASS on Friday. "
    "The Kremlin called the feud a domestic issue. Peskov declined to say more about it.\n"
)


def vector_ids(store: Store) -> set[int]:
    return set(ids_of(store.faiss_index()).tolist())


def chunk_ids(store: Store) -> set[int]:
    return {r[0] for r in store.db.execute("SELECT id FROM chunks")}


def assert_consistent(store: Store) -> None:
    assert vector_ids(store) == chunk_ids(store)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE)
    (folder / "b.txt").write_text("Medvedev joked about a peace deal between D and E. He wanted Starlink shares.")
    return folder


@pytest.fixture
def store(tmp_path: Path, hash_embedder: HashEmbedder, params: ChunkParams):  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "index", hash_embedder, params)
    yield store
    store.close()


def test_first_ingest_adds_every_article(
    store: Store, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    report = ingest(store, hash_embedder, [corpus], params)
    assert (report.added, report.unchanged, report.chunks) == (2, 0, len(chunk_ids(store)))
    assert_consistent(store)


def test_second_ingest_of_the_same_files_does_no_work(
    store: Store, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    ingest(store, hash_embedder, [corpus], params)
    calls = hash_embedder.calls
    report = ingest(store, hash_embedder, [corpus], params)
    assert (report.added, report.updated, report.unchanged, report.chunks) == (0, 0, 2, 0)
    assert hash_embedder.calls == calls


def test_a_changed_file_replaces_its_chunks_and_vectors(
    store: Store, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    ingest(store, hash_embedder, [corpus], params)
    (corpus / "b.txt").write_text("Rogozin invited Musk to join a drone unit. Musk did not answer.")
    report = ingest(store, hash_embedder, [corpus], params)
    assert (report.updated, report.unchanged) == (1, 1)
    texts = " ".join(r[0] for r in store.db.execute("SELECT text FROM chunks"))
    assert "Rogozin" in texts and "Medvedev" not in texts
    assert_consistent(store)


def test_prune_removes_articles_whose_files_are_gone(
    store: Store, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    ingest(store, hash_embedder, [corpus], params)
    (corpus / "b.txt").unlink()
    report = ingest(store, hash_embedder, [corpus], params, prune=True)
    assert report.pruned == 1
    assert store.db.counts()["articles"] == 1
    assert_consistent(store)


def test_a_syndicated_copy_is_recorded_as_duplicate_and_not_embedded(
    store: Store, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    (corpus / "copy.txt").write_text(ARTICLE.replace("Outlet A", "Outlet B") + "Reporting by staff.\n")
    report = ingest(store, hash_embedder, [corpus], params)
    assert (report.added, report.duplicates) == (2, 1)
    counts = store.db.counts()
    assert (counts["articles"], counts["duplicates"]) == (3, 1)
    copy_id = store.db.execute("SELECT id FROM articles WHERE doc_id='copy'").fetchone()[0]
    assert store.db.execute("SELECT COUNT(*) FROM chunks WHERE article_id=?", (copy_id,)).fetchone()[0] == 0


def test_a_copy_is_embedded_once_its_original_is_pruned(
    store: Store, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    (corpus / "z_copy.txt").write_text(ARTICLE + "Reporting by staff.\n")
    ingest(store, hash_embedder, [corpus], params)
    (corpus / "a.txt").unlink()
    ingest(store, hash_embedder, [corpus], params, prune=True)
    texts = " ".join(r[0] for r in store.db.execute("SELECT text FROM chunks"))
    assert "Novikov" in texts
    assert_consistent(store)


def test_a_reader_builds_a_missing_faiss_index_in_memory_and_writes_nothing(
    tmp_path: Path, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    store = open_store(tmp_path / "ix", hash_embedder, params)
    ingest(store, hash_embedder, [corpus], params)
    store.close()
    for path in (tmp_path / "ix").glob("*.faiss"):
        path.unlink()
    reopened = Store.open(tmp_path / "ix", manifest_for(hash_embedder, params))
    assert_consistent(reopened)
    assert not list((tmp_path / "ix").glob("*.faiss"))


def test_a_writer_saves_a_missing_faiss_index_again(
    tmp_path: Path, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    store = open_store(tmp_path / "ix", hash_embedder, params)
    ingest(store, hash_embedder, [corpus], params)
    for path in (tmp_path / "ix").glob("*.faiss"):
        path.unlink()
    generation = store.db.generation()
    store.rebuild_faiss()
    store.close()
    (saved,) = (tmp_path / "ix").glob("*.faiss")
    assert saved.name == f"vectors-{generation}.faiss"


def test_a_reader_searches_an_index_it_cannot_write(
    tmp_path: Path, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path / "ix", hash_embedder, params)
    ingest(store, hash_embedder, [corpus], params)
    store.close()
    folder = tmp_path / "ix"
    for path in [folder, *folder.iterdir()]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    # Permissions do not bind root (CI runs as root): the database layer is told as well.
    monkeypatch.setattr("rag.store.local.database._writable", lambda path: False)
    try:
        with Store.open(folder, manifest_for(hash_embedder, params)) as reader:
            _, ids = reader.dense_search(hash_embedder.embed(["asylum"]), 3)
            assert (ids >= 0).sum() == 3
            assert reader.db.lexical_search('"asylum"', 3, Filters())
    finally:
        for path in [folder, *folder.iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_writing_without_the_lock_is_refused(tmp_path: Path, hash_embedder: HashEmbedder, params: ChunkParams) -> None:
    with Store.open(tmp_path / "ix", manifest_for(hash_embedder, params), create=True) as store:
        with pytest.raises(RuntimeError, match="write lock"):
            store.writer()


def test_a_user_file_named_like_a_vector_file_survives_every_ingest(
    tmp_path: Path, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    folder = tmp_path / "ix"
    folder.mkdir()
    mine = folder / "vectors-backup.faiss"
    mine.write_bytes(b"the user's own file")
    store = open_store(folder, hash_embedder, params)
    ingest(store, hash_embedder, [corpus], params)
    store.rebuild_faiss()
    store.close()
    assert mine.read_bytes() == b"the user's own file"


def test_a_truncated_faiss_file_is_rebuilt(
    tmp_path: Path, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    store = open_store(tmp_path / "ix", hash_embedder, params)
    ingest(store, hash_embedder, [corpus], params)
    store.close()
    [path] = (tmp_path / "ix").glob("*.faiss")
    path.write_bytes(path.read_bytes()[:100])
    reopened = Store.open(tmp_path / "ix", manifest_for(hash_embedder, params))
    assert_consistent(reopened)
    assert len(chunk_ids(reopened)) > 0


def test_a_different_model_is_refused_with_the_fix(
    tmp_path: Path, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    store = open_store(tmp_path / "ix", hash_embedder, params)
    ingest(store, hash_embedder, [corpus], params)
    store.close()
    with pytest.raises(IndexMismatchError, match="--reembed"):
        Store.open(tmp_path / "ix", manifest_for(HashEmbedder(dimension=32), params))
    with pytest.raises(IndexMismatchError, match="target_tokens"):
        Store.open(tmp_path / "ix", manifest_for(hash_embedder, ChunkParams(target_tokens=99)))


def test_reembed_rewrites_vectors_for_new_parameters(
    tmp_path: Path, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    store = open_store(tmp_path / "ix", hash_embedder, params)
    ingest(store, hash_embedder, [corpus], params)
    store.close()
    narrower = ChunkParams(target_tokens=8)
    store = Store.open(tmp_path / "ix", manifest_for(hash_embedder, narrower), check=False)
    store.acquire_lock()
    reembed(store, hash_embedder, narrower)
    store.close()
    reopened = Store.open(tmp_path / "ix", manifest_for(hash_embedder, narrower))
    texts = [r[0] for r in reopened.db.execute("SELECT text FROM articles")]
    expected = sum(len(chunk_text(t, hash_embedder, narrower)) for t in texts)
    assert reopened.db.counts()["chunks"] == expected > sum(len(chunk_text(t, hash_embedder, params)) for t in texts)
    assert_consistent(reopened)


def test_a_second_writer_is_told_the_index_is_busy(
    store: Store, hash_embedder: HashEmbedder, params: ChunkParams
) -> None:
    other = Store.open(store.directory, manifest_for(hash_embedder, params))
    with pytest.raises(IndexBusyError, match="being written by pid"):
        other.acquire_lock()
    other.close()


def test_dense_search_respects_source_and_date_filters(
    store: Store, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    ingest(store, hash_embedder, [corpus], params)
    query = hash_embedder.embed(["Novikov asylum"])
    _, ids = store.dense_search(query, 10, Filters(sources=("outlet a",)))
    sources = {h.source for h in store.db.hits([int(i) for i in ids[0] if i >= 0])}
    assert sources == {"Outlet A"}
    _, ids = store.dense_search(query, 10, Filters(since="2026-01-01"))
    assert ids.size == 0 or (ids < 0).all()


def test_seed_ingest_is_consistent_and_complete(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    params = ChunkParams()
    store = open_store(tmp_path / "ix", hash_embedder, params)
    report = ingest(store, hash_embedder, [SEEDS], params)
    assert report.added == 5
    assert_consistent(store)
    for article_id, text in store.db.execute("SELECT id, text FROM articles"):
        for start, end, chunk in store.db.execute(
            "SELECT start, end, text FROM chunks WHERE article_id=?", (article_id,)
        ):
            assert text[start:end] == chunk
    vectors = np.frombuffer(store.db.execute("SELECT vector FROM chunks LIMIT 1").fetchone()[0], np.float32)
    assert abs(float(np.linalg.norm(vectors)) - 1.0) < 1e-5
    store.close()


def test_a_large_corpus_gets_an_ivf_index_that_still_deletes_and_rebuilds(
    tmp_path: Path, hash_embedder: HashEmbedder, params: ChunkParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.store.local import vectors

    monkeypatch.setattr(vectors, "EXACT_LIMIT", 40)
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(60):
        text = f"Story {number} about asylum number {number}. " * 3 + f"Unique{number}."
        (folder / f"a{number}.txt").write_text(text)
    store = open_store(tmp_path / "ix", hash_embedder, params)
    ingest(store, hash_embedder, [folder], params)
    assert vectors.spec_of(store.faiss_index()).kind == "ivf"
    assert_consistent(store)
    (folder / "a0.txt").unlink()
    ingest(store, hash_embedder, [folder], params, prune=True)
    assert_consistent(store)
    _, ids = store.dense_search(hash_embedder.embed(["Story 7 about asylum number 7"]), 3)
    assert any("Unique7" in h.text or "Story 7 " in h.text for h in store.db.hits([int(i) for i in ids[0] if i >= 0]))
    store.close()


def test_a_faiss_file_copied_from_another_index_is_not_used(
    tmp_path: Path, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    other_corpus = tmp_path / "other"
    other_corpus.mkdir()
    for path in sorted(corpus.iterdir()):
        (other_corpus / path.name).write_text(" ".join(reversed(path.read_text().split())) + " Different words here.")
    stores = {}
    for name, folder in (("ours", corpus), ("theirs", other_corpus)):
        store = open_store(tmp_path / name, hash_embedder, params)
        ingest(store, hash_embedder, [folder], params)
        stores[name] = (store.db.generation(), store.db.chunk_count())
        store.close()
    assert stores["ours"] == stores["theirs"]  # same generation, same count: names alone cannot tell
    (ours,) = (tmp_path / "ours").glob("*.faiss")
    (theirs,) = (tmp_path / "theirs").glob("*.faiss")
    ours.write_bytes(theirs.read_bytes())
    with Store.open(tmp_path / "ours", manifest_for(hash_embedder, params)) as reader:
        assert_consistent(reader)
        query = reader.db.execute("SELECT text FROM chunks LIMIT 1").fetchone()[0]
        scores, ids = reader.dense_search(hash_embedder.embed([query]), 1)
        assert scores[0][0] > 0.99


class _FailsAfter(HashEmbedder):
    """An embedder that dies on its n-th call, as a killed process would stop."""

    def __init__(self, calls: int, dimension: int) -> None:
        super().__init__(dimension=dimension)
        self.left = calls

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt
        return super().embed(texts)


def test_an_interrupted_reembed_is_finished_by_running_it_again(
    tmp_path: Path, params: ChunkParams, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("rag.ingest.pipeline.BATCH_CHUNKS", 2)
    store = open_store(tmp_path / "ix", HashEmbedder(dimension=64), params)
    ingest(store, HashEmbedder(dimension=64), [corpus], params)
    total = store.db.chunk_count()
    store.close()

    dying = _FailsAfter(calls=1, dimension=32)
    store = Store.open(tmp_path / "ix", manifest_for(dying, params), check=False)
    store.acquire_lock()
    with pytest.raises(KeyboardInterrupt):
        reembed(store, dying, params)
    store.close()

    finishing = HashEmbedder(dimension=32)
    store = Store.open(tmp_path / "ix", manifest_for(finishing, params), check=False)
    assert store.db.unembedded_count() > 0
    store.acquire_lock()
    reembed(store, finishing, params)
    assert store.db.unembedded_count() == 0 and store.db.chunk_count() == total
    assert finishing.embedded < total  # the chunks made before the interruption were kept
    assert_consistent(store)
    store.close()


def test_a_copy_that_gives_another_figure_is_kept_as_its_own_version(
    store: Store, hash_embedder: HashEmbedder, params: ChunkParams, corpus: Path
) -> None:
    original = (
        "Flooding along the river forced officials to evacuate 1,200 people from the valley on "
        "Sunday, the regional authority said, as water levels kept rising through the night and "
        "roads into the town were closed to all traffic until further notice.\n"
    )
    (corpus / "flood_a.txt").write_text(original)
    (corpus / "flood_b.txt").write_text(original.replace("1,200", "3,400"))
    report = ingest(store, hash_embedder, [corpus], params)
    assert report.duplicates == 0
    texts = " ".join(r[0] for r in store.db.execute("SELECT text FROM chunks"))
    assert "1,200" in texts and "3,400" in texts
