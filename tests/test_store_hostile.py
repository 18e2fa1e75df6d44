"""Stores under hostile conditions: an index on a read-only mount, credentials in a --store
address, two writers of one Qdrant folder, and what a killed writer leaves behind.

The read-only tests mount the index folder read-only for real (a bind mount in a private mount
namespace, `unshare -rm`, which needs no privileges where user namespaces are allowed) and run
the command inside it; root ignores permission bits, so chmod could not stand in for it. They
are skipped where such a mount cannot be made.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from rag.cli import app
from rag.embed import HashEmbedder
from rag.errors import IndexBusyError, RagError
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import manifest_for
from rag.store.local.store import Store
from rag.store.qdrant import QdrantStore
from rag.store.spec import parse_store

runner = CliRunner()
Finished = subprocess.CompletedProcess[str]
BOUNDED = 60.0  # seconds a waiting writer may take once the other lets go


def read_only_mounts_work() -> bool:
    with tempfile.TemporaryDirectory() as folder:
        try:
            probe = on_read_only_mount(Path(folder), "sh", "-c", f"! touch {folder}/written")
        except (OSError, subprocess.TimeoutExpired):
            return False
    return probe.returncode == 0


def on_read_only_mount(folder: Path, *command: str, env: dict[str, str] | None = None) -> Finished:
    """`command` run where `folder` is mounted read-only (for everyone, root included)."""
    mount = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", mount, "sh", str(folder), *command],
        cwd=ROOT,
        env={**os.environ, "RAG_EMBEDDER": "hash", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def rag_on_read_only_mount(folder: Path, *args: str, env: dict[str, str] | None = None) -> Finished:
    """`rag ARGS` run where `folder` is mounted read-only."""
    return on_read_only_mount(folder, sys.executable, "-m", "rag.cli", *args, env=env)


needs_read_only_mount = pytest.mark.skipif(not read_only_mounts_work(), reason="cannot make a read-only bind mount")


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Title: Council\n\nThe council met on Monday to discuss the harbour bridge.")
    (folder / "b.txt").write_text("Title: Orchestra\n\nThe orchestra played on Friday in the old town hall.")
    return folder


@pytest.fixture
def index(hash_env: Path, articles: Path) -> Path:
    """A local index, closed as a finished ingest leaves it (no -wal or -shm file beside it)."""
    assert runner.invoke(app, ["ingest", str(articles)]).exit_code == 0
    return hash_env


# -- a read-only index is read ----------------------------------------------------------------


@needs_read_only_mount
def test_stats_search_and_ask_read_an_index_on_a_read_only_mount(index: Path) -> None:
    stats = rag_on_read_only_mount(index, "stats", "--index", str(index), "--json")
    search = rag_on_read_only_mount(index, "search", "harbour bridge", "--index", str(index), "--json")
    ask = rag_on_read_only_mount(index, "ask", "Who met on Monday?", "--index", str(index), "--json")
    assert (stats.returncode, search.returncode, ask.returncode) == (0, 0, 0), stats.stderr + search.stderr + ask.stderr
    assert json.loads(stats.stdout)["articles"] == 2
    assert json.loads(search.stdout)[0]["title"] == "Council"
    assert json.loads(ask.stdout)["sources"]


@needs_read_only_mount
def test_a_read_only_index_without_its_faiss_file_is_searched_from_sqlite(index: Path) -> None:
    for path in index.glob("vectors-*.faiss"):
        path.unlink()
    search = rag_on_read_only_mount(index, "search", "harbour bridge", "--index", str(index), "--json")
    assert search.returncode == 0, search.stderr
    assert json.loads(search.stdout)[0]["title"] == "Council"
    assert not list(index.glob("vectors-*"))


@needs_read_only_mount
def test_a_read_only_index_holding_unmerged_writes_says_how_to_read_it(index: Path) -> None:
    connection = sqlite3.connect(index / "rag.sqlite", isolation_level=None)
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("INSERT INTO meta(key, value) VALUES ('note', 'a write left in the WAL')")
    (index / "rag.sqlite-shm").unlink()  # as after a crash and a reboot: the WAL alone holds the write
    result = rag_on_read_only_mount(index, "stats", "--index", str(index))
    connection.close()
    assert result.returncode == 2
    assert "not yet merged" in result.stderr and "where its folder is writable" in result.stderr


@needs_read_only_mount
def test_ingesting_into_a_read_only_index_says_it_needs_write_access(index: Path, articles: Path) -> None:
    result = rag_on_read_only_mount(index, "ingest", str(articles), "--index", str(index))
    assert result.returncode == 2
    assert "cannot be written here" in result.stderr and "Traceback" not in result.stderr


@needs_read_only_mount
def test_a_read_only_qdrant_folder_is_searched_from_a_private_copy_removed_after(
    hash_env: Path, articles: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "qdrant"
    assert runner.invoke(app, ["ingest", str(articles), "--store", f"qdrant:{folder}"]).exit_code == 0
    scratch = tmp_path / "scratch"
    left = scratch / "rag-qdrant-read-999999999-killed"  # a copy whose reader was killed
    left.mkdir(parents=True)
    search = rag_on_read_only_mount(
        folder, "search", "harbour bridge", "--store", f"qdrant:{folder}", "--json", env={"TMPDIR": str(scratch)}
    )
    assert search.returncode == 0, search.stderr
    assert json.loads(search.stdout)[0]["title"] == "Council"
    assert not list(scratch.iterdir())


# -- credentials never shown ------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_server_is_named_without_its_password_or_api_key(
    hash_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QDRANT_API_KEY", "key-7f3a9c")
    result = runner.invoke(app, ["stats", "--store", f"qdrant+http://alice:hunter2@127.0.0.1:{closed_port()}/news"])
    assert result.exit_code == 2 and "cannot reach the Qdrant server at http://***@127.0.0.1:" in result.stderr
    assert "hunter2" not in result.output and "key-7f3a9c" not in result.output


MALFORMED = {
    "a collection name with a space": "qdrant+http://alice:hunter2@db.example:6333/bad name",
    "no host": "qdrant+http://alice:hunter2@/news",
    "a slash in the password": "qdrant+http://alice:hun/ter2@db.example:6333/news",
    "a scheme rag does not know": "qdrant+ftp://alice:hunter2@db.example/news",
}


@pytest.mark.parametrize("address", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_store_address_is_refused_without_its_password(hash_env: Path, address: str) -> None:
    result = runner.invoke(app, ["stats", "--store", address])
    assert result.exit_code == 2 and "***@" in result.stderr
    assert "hunter2" not in result.output and "ter2" not in result.output


def test_a_store_spec_names_a_server_without_its_credentials() -> None:
    spec = parse_store("qdrant+https://alice:p%40ss word@db.example:6333/news")
    shown = [spec.describe(), spec.where(Path("ix")), spec.flag(Path("ix")), repr(spec), str(spec)]
    assert all("alice" not in text and "ss word" not in text for text in shown)
    assert spec.describe() == "qdrant+https://***@db.example:6333/news"


def test_a_client_error_quoting_the_api_key_is_scrubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    import qdrant_client

    class Refusing:
        def __init__(self, url: str, api_key: str | None, timeout: int) -> None:
            self.api_key = api_key

        def get_collections(self) -> None:
            raise RuntimeError(f"401: api-key {self.api_key} refused for http://alice:hunter2@db.example")

    monkeypatch.setattr(qdrant_client, "QdrantClient", Refusing)
    spec = parse_store("qdrant+http://alice:hunter2@db.example:6333/news")
    with pytest.raises(RagError) as refused:
        QdrantStore.open(spec, manifest_for(HashEmbedder(), ChunkParams()), api_key="key-7f3a9c")
    assert "key-7f3a9c" not in str(refused.value) and "hunter2" not in str(refused.value)


# -- writers queue --------------------------------------------------------------------------------

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from rag.embed import HashEmbedder
    from rag.ingest.chunk import ChunkParams
    from rag.ingest.pipeline import manifest_for
    from rag.store.qdrant import QdrantStore
    from rag.store.spec import parse_store

    spec = parse_store("qdrant:" + sys.argv[1])
    store = QdrantStore.open(spec, manifest_for(HashEmbedder(), ChunkParams()), create=True)
    store.acquire_lock()
    print("held", flush=True)
    sys.stdin.readline()
    store.close()
    """
)


@pytest.fixture
def qdrant_folder(tmp_path: Path) -> Path:
    return tmp_path / "qdrant"


@pytest.fixture
def other_writer(qdrant_folder: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process writing to the local-mode Qdrant folder until a line is sent to it."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(qdrant_folder)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    yield process
    process.kill()
    process.wait(timeout=30)


def in_thread(action: object) -> tuple[threading.Thread, list[BaseException], threading.Event]:
    failures: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            action()  # type: ignore[operator]
        except BaseException as exc:  # reported by the test
            failures.append(exc)
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, failures, done


def test_a_writer_waits_for_another_process_writing_the_qdrant_folder(
    qdrant_folder: Path, other_writer: subprocess.Popen[str]
) -> None:
    spec = parse_store(f"qdrant:{qdrant_folder}")
    store = QdrantStore.open(spec, manifest_for(HashEmbedder(), ChunkParams()), create=True)
    try:
        _, failures, done = in_thread(lambda: store.acquire_lock(wait=True))
        assert not done.wait(2.0) and not failures  # queued, not refused
        assert other_writer.stdin is not None
        other_writer.stdin.write("done\n")
        other_writer.stdin.flush()
        assert done.wait(BOUNDED) and not failures, failures
        assert store.lock_held and store.counts() == {"articles": 0, "duplicates": 0, "chunks": 0, "undated": 0}
    finally:
        store.close()


def test_a_writer_that_does_not_wait_is_told_which_process_writes_the_qdrant_folder(
    qdrant_folder: Path, other_writer: subprocess.Popen[str]
) -> None:
    store = QdrantStore.open(
        parse_store(f"qdrant:{qdrant_folder}"), manifest_for(HashEmbedder(), ChunkParams()), create=True
    )
    try:
        with pytest.raises(IndexBusyError, match=f"being written by pid {other_writer.pid}; .* pass --wait"):
            store.acquire_lock()
    finally:
        store.close()


def test_ingest_wait_queues_behind_another_process_writing_the_qdrant_folder(
    hash_env: Path, articles: Path, qdrant_folder: Path, other_writer: subprocess.Popen[str]
) -> None:
    ingest = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ingest", str(articles), "--store", f"qdrant:{qdrant_folder}", "--wait"],
        cwd=ROOT,
        env={**os.environ, "RAG_EMBEDDER": "hash"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with pytest.raises(subprocess.TimeoutExpired):
        ingest.wait(timeout=5.0)
    assert other_writer.stdin is not None
    other_writer.stdin.write("done\n")
    other_writer.stdin.flush()
    _, stderr = ingest.communicate(timeout=BOUNDED)
    assert ingest.returncode == 0, stderr


def test_two_stores_of_one_process_queue_on_one_qdrant_folder(qdrant_folder: Path) -> None:
    spec = parse_store(f"qdrant:{qdrant_folder}")
    manifest = manifest_for(HashEmbedder(), ChunkParams())
    first = QdrantStore.open(spec, manifest, create=True)
    second = QdrantStore.open(spec, manifest, create=True)
    try:
        first.acquire_lock()
        _, failures, done = in_thread(lambda: second.acquire_lock(wait=True))
        assert not done.wait(1.0)
        first.release_lock()
        assert done.wait(BOUNDED) and not failures and second.lock_held
    finally:
        second.close()
        first.close()


def leased(store: QdrantStore) -> QdrantStore:
    """The store locking as on a server, by the lease in its meta point (which local mode's
    client serves as a server would)."""
    store._file_lock = None
    return store


def test_two_stores_of_one_process_exclude_each_other_by_the_server_lease(qdrant_folder: Path) -> None:
    spec = parse_store(f"qdrant:{qdrant_folder}")
    manifest = manifest_for(HashEmbedder(), ChunkParams())
    first = leased(QdrantStore.open(spec, manifest, create=True))
    second = leased(QdrantStore.open(spec, manifest, create=True))
    try:
        first.acquire_lock()
        with pytest.raises(IndexBusyError, match=f"being written by pid {os.getpid()}"):
            second.acquire_lock()
    finally:
        second.close()
        first.close()


def test_a_writer_waits_for_the_server_lease(qdrant_folder: Path) -> None:
    spec = parse_store(f"qdrant:{qdrant_folder}")
    manifest = manifest_for(HashEmbedder(), ChunkParams())
    first = leased(QdrantStore.open(spec, manifest, create=True))
    second = leased(QdrantStore.open(spec, manifest, create=True))
    try:
        first.acquire_lock()
        _, failures, done = in_thread(lambda: second.acquire_lock(wait=True))
        assert not done.wait(2.5)
        first.release_lock()
        assert done.wait(BOUNDED) and not failures and second.lock_held
    finally:
        second.close()
        first.close()


# -- what a killed writer leaves --------------------------------------------------------------

KILLED_WHILE_SAVING = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import faiss
    from rag.embed import HashEmbedder
    from rag.ingest.chunk import ChunkParams
    from rag.ingest.pipeline import manifest_for
    from rag.store.local.store import Store

    def half_then_killed(index, path):
        Path(path).write_bytes(b"IxM2" + bytes(96))  # the start of a FAISS file, and no more
        os.kill(os.getpid(), signal.SIGKILL)

    faiss.write_index = half_then_killed
    store = Store.open(Path(sys.argv[1]), manifest_for(HashEmbedder(), ChunkParams()))
    store.acquire_lock()
    store.rebuild_vectors()
    """
)


def killed_rebuild(index: Path) -> list[Path]:
    """Run a rebuild killed halfway through writing its FAISS file; what it left behind."""
    process = subprocess.run([sys.executable, "-c", KILLED_WHILE_SAVING, str(index)], cwd=ROOT, timeout=120)
    assert process.returncode == -9
    return list(index.glob("vectors-*.tmp*"))


def test_a_killed_rebuilds_temporary_file_is_ignored_by_readers(index: Path) -> None:
    assert killed_rebuild(index)
    result = runner.invoke(app, ["search", "harbour bridge", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["title"] == "Council"


def test_a_killed_rebuilds_temporary_file_goes_when_the_next_writer_takes_the_lock(index: Path) -> None:
    (left,) = killed_rebuild(index)
    store = Store.open(index, manifest_for(HashEmbedder(), ChunkParams()), create=True)
    try:
        store.acquire_lock()
        assert not left.exists()
    finally:
        store.close()
    assert runner.invoke(app, ["search", "harbour bridge"]).exit_code == 0


def test_a_killed_rebuild_is_redone_by_the_next_one(index: Path) -> None:
    killed_rebuild(index)
    assert runner.invoke(app, ["ingest", "--rebuild"]).exit_code == 0
    assert [p.suffix for p in index.glob("vectors-*")] == [".faiss"]
    result = runner.invoke(app, ["search", "orchestra", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["title"] == "Orchestra"
