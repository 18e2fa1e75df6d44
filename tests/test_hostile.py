"""Hostile input, by class: each class is a table (or a hypothesis strategy) of variants, and
every variant must end as a skipped entry or a clean article, never a traceback, with the good
files beside it ingested."""

import codecs
import json
import os
from pathlib import Path

import pytest
from conftest import open_store
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rag.cli import app
from rag.embed import Embedder, HashEmbedder
from rag.ingest.chunk import ChunkParams
from rag.ingest.files import read_file
from rag.ingest.jsonl import read_jsonl
from rag.ingest.pipeline import ingest
from rag.terminal import one_line, printable

runner = CliRunner()
GOOD = {"id": "good", "title": "Bridge reopens", "source": "Wire", "date": "2025-03-04", "text": "The bridge reopened."}


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


# -- encodings and formats users have -------------------------------------------------------

CYRILLIC = "Министр заявил в среду, что новый мост через реку откроется весной."
ENCODED = {
    "UTF-16 LE with a BOM": (CYRILLIC.encode("utf-16"), ".txt", "UTF-16"),
    "UTF-16 BE with a BOM": (codecs.BOM_UTF16_BE + CYRILLIC.encode("utf-16-be"), ".txt", "UTF-16"),
    "UTF-8 with a BOM": (codecs.BOM_UTF8 + CYRILLIC.encode("utf-8"), ".txt", None),
    "Windows-1251 Cyrillic": (CYRILLIC.encode("cp1251"), ".txt", "cp1251"),
    "Windows-1252 Latin": ("Le ministre a inauguré le café, déjà célèbre.".encode("cp1252"), ".txt", "cp1252"),
    "HTML declaring windows-1251": (
        b'<html><head><meta charset="windows-1251"><title>t</title></head><body><article><p>'
        + CYRILLIC.encode("cp1251")
        + b"</p></article></body></html>",
        ".html",
        "windows-1251",
    ),
}


@pytest.mark.parametrize(("raw", "suffix", "named"), ENCODED.values(), ids=ENCODED.keys())
def test_text_is_read_in_the_encoding_it_is_in(tmp_path: Path, raw: bytes, suffix: str, named: str | None) -> None:
    path = tmp_path / f"article{suffix}"
    path.write_bytes(raw)
    result = read_file(path)
    (article,) = result.articles
    assert CYRILLIC in article.text or "inauguré le café, déjà célèbre" in article.text
    if named:
        assert any(named.lower() in w.lower() for w in result.warnings)


FRONT_MATTER = {
    "extra fields": (
        "title: Bridge opens\ntags: [city, transport]\nauthor:\n  name: A. Writer\ndate: 2025-03-04",
        None,
    ),
    "malformed YAML": ("title: [unclosed\ndate: 2025-03-04", "not valid YAML"),
    "a list, not fields": ("- one\n- two", "not a set of"),
    "empty": ("", None),
}


@pytest.mark.parametrize(("block", "warning"), FRONT_MATTER.values(), ids=FRONT_MATTER.keys())
def test_front_matter_never_leaks_into_the_article(tmp_path: Path, block: str, warning: str | None) -> None:
    path = tmp_path / "story.md"
    path.write_text(f"---\n{block}\n---\n\nThe bridge opened to traffic on Tuesday morning.\n")
    result = read_file(path)
    (article,) = result.articles
    assert article.text == "The bridge opened to traffic on Tuesday morning."
    assert "---" not in article.title and "tags" not in article.title
    if block.startswith("title: Bridge"):
        assert (article.title, article.date) == ("Bridge opens", "2025-03-04")
    if warning is None:
        assert not result.warnings
    else:
        assert any(warning in w for w in result.warnings)


DATES = {
    "impossible day": ("2025-02-30", None),
    "month 13": ("2025-13-01", None),
    "Unix seconds": (1749254400, "2025-06-07"),
    "Unix milliseconds": (1749254400000, "2025-06-07"),
    "YYYYMMDD number": (20250607, "2025-06-07"),
    "a boolean": (True, None),
    "an object": ({"y": 2025}, None),
    "far past": (-1e13, None),
}


@pytest.mark.parametrize(("value", "expected"), DATES.values(), ids=DATES.keys())
def test_a_bad_date_loses_only_the_date(tmp_path: Path, value: object, expected: str | None) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps({"id": "a", "date": value, "text": "The council met."}) + "\n")
    (article,) = read_jsonl(path).articles
    assert article.date == expected


def test_an_impossible_date_filter_is_refused(hash_env: Path) -> None:
    result = runner.invoke(app, ["ask", "Who met?", "--since", "2025-02-30"])
    assert result.exit_code == 2 and "--since '2025-02-30' is not a date" in result.stderr


# -- errors that tell the truth -------------------------------------------------------------


def test_a_full_disk_while_writing_sqlite_says_so_and_keeps_the_index(
    hash_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.store.local import database

    first = tmp_path / "first"
    first.mkdir()
    (first / "a.txt").write_text("The council met on Monday to discuss the harbour bridge.")
    assert runner.invoke(app, ["ingest", str(first)]).exit_code == 0
    before = runner.invoke(app, ["stats", "--json"]).stdout
    connect = database._connect

    def full_disk(path: Path, read_only: bool = False):  # type: ignore[no-untyped-def]
        connection = connect(path, read_only)
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count={pages}")  # SQLite's own "database or disk is full"
        return connection

    monkeypatch.setattr(database, "_connect", full_disk)
    more = tmp_path / "more"
    more.mkdir()
    (more / "b.txt").write_text("A long new article about the orchestra. " * 400)
    result = runner.invoke(app, ["ingest", str(more)])
    assert result.exit_code == 2
    assert "disk is full" in result.stderr and "corrupt" not in result.stderr
    monkeypatch.setattr(database, "_connect", connect)
    assert runner.invoke(app, ["stats", "--json"]).stdout == before


def test_a_full_disk_while_saving_faiss_is_one_line(
    hash_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import faiss

    def no_space(index: object, path: str) -> None:
        raise RuntimeError("Error in faiss::FileIOWriter: write error: No space left on device")

    monkeypatch.setattr(faiss, "write_index", no_space)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("The council met on Monday.")
    result = runner.invoke(app, ["ingest", str(folder)])
    assert result.exit_code == 2 and "could not save the vector index" in result.stderr
    assert "Traceback" not in result.output
    assert not list(hash_env.glob("vectors-*.tmp*"))


def test_an_unwritable_cache_root_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("RAG_CACHE", str(blocker))
    (tmp_path / "a.txt").write_text("The council met on Monday.")
    result = runner.invoke(app, ["ingest", str(tmp_path / "a.txt"), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 2 and "RAG_CACHE" in result.stderr


# -- interrupted maintenance ----------------------------------------------------------------


def test_leftovers_of_a_killed_rebuild_are_cleaned_by_the_next_one(hash_env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("The council met on Monday.")
    assert runner.invoke(app, ["ingest", str(folder)]).exit_code == 0
    leftover = hash_env / "vectors-1.tmp99999"
    leftover.write_bytes(b"half a file")
    mine = hash_env / "vectors-notes.txt"
    mine.write_text("the user's")
    assert runner.invoke(app, ["ingest", "--rebuild"]).exit_code == 0
    assert not leftover.exists() and mine.exists()


def test_searching_an_index_with_articles_left_unembedded_says_how_to_finish(hash_env: Path, tmp_path: Path) -> None:
    import sqlite3

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("The council met on Monday.")
    (folder / "b.txt").write_text("The orchestra played on Friday.")
    assert runner.invoke(app, ["ingest", str(folder)]).exit_code == 0
    with sqlite3.connect(hash_env / "rag.sqlite") as connection:  # as an interrupted --reembed leaves it
        connection.execute("DELETE FROM chunks WHERE article_id = 2")
        connection.execute("UPDATE articles SET embedded = 0 WHERE id = 2")
    result = runner.invoke(app, ["search", "orchestra"])
    assert result.exit_code == 0
    assert "1 articles are not embedded yet" in result.stderr and "rag ingest --reembed" in result.stderr
    assert runner.invoke(app, ["ingest", "--reembed"]).exit_code == 0
    assert "not embedded" not in runner.invoke(app, ["search", "orchestra"]).stderr
