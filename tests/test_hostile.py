"""Hostile input, by class: each class is a table (or a hypothesis strategy) of variants, and
every variant must end as a skipped entry or a clean article, never a traceback, with the good
files beside it ingested."""

import json
import os
from pathlib import Path

import pytest
from conftest import open_store
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rag.chunk import ChunkParams
from rag.cli import app
from rag.embed import Embedder, HashEmbedder
from rag.indexer import ingest
from rag.jsonl import read_jsonl
from rag.terminal import one_line, printable

runner = CliRunner()
GOOD = {"id": "good", "title": "Bridge reopens", "source": "Wire", "date": "2025-03-04", "text": "The bridge reopened."}


@pytest.fixture
def hash_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("RAG_EMBEDDER", "hash")
    index = tmp_path / "index"
    monkeypatch.setenv("RAG_INDEX", str(index))
    return index


# -- JSONL records that once stopped a whole run -------------------------------------------

HOSTILE_LINES = {
    "lone surrogate in the text": '{"id": "s", "text": "Before \\ud800 after."}',
    "lone surrogate in the title": '{"id": "t", "title": "\\udfff", "text": "Fine text."}',
    "nested 10,000 levels": '{"id": "n", "text": "x", "extra": ' + "[" * 10_000 + "]" * 10_000 + "}",
    "a 5,000-digit integer id": '{"id": ' + "9" * 5000 + ', "text": "Too long an id."}',
    "a boolean id": '{"id": true, "text": "Not an id."}',
    "an id of 10,000 characters": json.dumps({"id": "x" * 10_000, "text": "Long id."}),
    "not an object": "[1, 2, 3]",
    "invalid UTF-8": b'{"id": "u", "text": "caf\xe9"}'.decode("latin-1"),
}


@pytest.mark.parametrize("line", HOSTILE_LINES.values(), ids=HOSTILE_LINES.keys())
def test_a_hostile_jsonl_line_ends_only_itself(tmp_path: Path, line: str) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(line.encode("utf-8", "surrogatepass").replace(b"caf\xc3\xa9", b"caf\xe9") + b"\n")
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(GOOD) + "\n")
    result = read_jsonl(path)
    assert "good" in [a.doc_id for a in result.articles]
    for article in result.articles:
        for value in (article.text, article.title, article.key, article.doc_id):
            value.encode("utf-8")  # storable, tokenisable, printable


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.text(min_size=1, max_size=200))
def test_any_strings_in_a_record_become_storable_text(
    tmp_path_factory: pytest.TempPathFactory, title: str, text: str
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.jsonl"
    record = json.dumps({"id": "r", "title": title, "text": text + " end"})  # json escapes surrogates
    path.write_text(record + "\n", encoding="utf-8")
    (article,) = read_jsonl(path).articles
    assert article.text.encode("utf-8") and article.title.encode("utf-8")


@pytest.mark.integration
def test_a_surrogate_reaches_the_real_tokenizer_and_index_without_a_crash(tmp_path: Path, minilm: Embedder) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "s", "text": "Before \\ud800 after the storm, the bridge reopened."}\n')
    store = open_store(tmp_path / "ix", minilm, ChunkParams())
    try:
        report = ingest(store, minilm, [feed], ChunkParams())
    finally:
        store.close()
    assert report.added == 1 and report.chunks == 1


# -- identity includes the file -------------------------------------------------------------


def test_two_jsonl_files_may_use_the_same_ids(tmp_path: Path) -> None:
    embedder, params = HashEmbedder(), ChunkParams(target_tokens=24)
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "1", "text": "Flooding closed the coastal road."}) + "\n")
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": "1", "text": "The orchestra played a new symphony."}) + "\n")
    store = open_store(tmp_path / "ix", embedder, params)
    try:
        first = ingest(store, embedder, [tmp_path / "a.jsonl"], params)
        second = ingest(store, embedder, [tmp_path / "b.jsonl"], params)
        texts = sorted(r[0] for r in store.db.execute("SELECT text FROM articles"))
    finally:
        store.close()
    assert (first.added, second.added, second.updated) == (1, 1, 0)
    assert texts == ["Flooding closed the coastal road.", "The orchestra played a new symphony."]


def test_prune_removes_a_record_deleted_from_its_jsonl_file(tmp_path: Path) -> None:
    embedder, params = HashEmbedder(), ChunkParams(target_tokens=24)
    feed = tmp_path / "feed.jsonl"
    records = [{"id": "keep", "text": "The council met on Monday."}, {"id": "drop", "text": "Rain is expected."}]
    feed.write_text("".join(json.dumps(r) + "\n" for r in records))
    store = open_store(tmp_path / "ix", embedder, params)
    try:
        ingest(store, embedder, [feed], params)
        feed.write_text(json.dumps(records[0]) + "\n")
        report = ingest(store, embedder, [feed], params, prune=True)
        ids = [r[0] for r in store.db.execute("SELECT doc_id FROM articles")]
    finally:
        store.close()
    assert report.pruned == 1 and ids == ["keep"]


def test_prune_keeps_records_of_a_file_with_an_unreadable_line(tmp_path: Path) -> None:
    embedder, params = HashEmbedder(), ChunkParams(target_tokens=24)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a", "text": "The council met."}) + "\n")
    store = open_store(tmp_path / "ix", embedder, params)
    try:
        ingest(store, embedder, [feed], params)
        feed.write_text('{"id": "a", "text": "The council met.\n')  # damaged while being edited
        report = ingest(store, embedder, [feed], params, prune=True)
    finally:
        store.close()
    assert report.pruned == 0


def test_records_stored_under_the_old_key_are_recognised_not_re_embedded(tmp_path: Path) -> None:
    embedder, params = HashEmbedder(), ChunkParams(target_tokens=24)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "7", "text": "The council met on Monday."}) + "\n")
    store = open_store(tmp_path / "ix", embedder, params)
    try:
        ingest(store, embedder, [feed], params)
        store.writer().rekey(1, "id:7")  # as earlier versions keyed JSONL records
        again = ingest(store, embedder, [feed], params)
        keys = [r[0] for r in store.db.execute("SELECT key FROM articles")]
    finally:
        store.close()
    assert (again.unchanged, again.added, again.chunks) == (1, 0, 0)
    assert keys == [f"{feed.resolve()}#7"]


# -- file names and terminals ---------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_ingested_and_printed(hash_env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "w") as handle:
        handle.write("The cafe on the corner reopened on Friday.")
    (folder / "plain.txt").write_text("A plain story about the harbour.")
    result = runner.invoke(app, ["ingest", str(folder)])
    assert result.exit_code == 0, result.output
    assert "2 added" in result.stdout


TERMINAL_ATTACKS = {
    "clear screen": "\x1b[2J\x1b[H",
    "window title": "\x1b]0;owned\x07",
    "hyperlink": "\x1b]8;;http://evil.test\x1b\\click\x1b]8;;\x1b\\",
    "bidi override": "\u202egnp.exe",
    "C1 control": "\x9b31m",
}


@pytest.mark.parametrize("attack", TERMINAL_ATTACKS.values(), ids=TERMINAL_ATTACKS.keys())
def test_escape_sequences_in_articles_never_reach_the_terminal(hash_env: Path, tmp_path: Path, attack: str) -> None:
    feed = tmp_path / "feed.jsonl"
    record = {"id": "x", "title": f"Headline {attack}", "source": f"Outlet{attack}", "text": f"Floods hit {attack}."}
    feed.write_text(json.dumps(record) + "\n")
    assert runner.invoke(app, ["ingest", str(feed)]).exit_code == 0
    for command in (["search", "floods"], ["ask", "What hit?"], ["brief"]):
        output = runner.invoke(app, command).stdout
        assert printable(output) == output, command
        assert "\x1b" not in output and "\u202e" not in output


def test_a_newline_in_a_file_name_cannot_forge_a_report_line(hash_env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty\nskipped secrets.txt: forged.txt").write_text("")
    (folder / "good.txt").write_text("A real story about the harbour.")
    result = runner.invoke(app, ["ingest", str(folder)])
    skipped_lines = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert len(skipped_lines) == 1 and "⏎" in skipped_lines[0]


def test_titles_are_cut_for_the_terminal() -> None:
    assert len(one_line("word " * 400, 200)) == 200
