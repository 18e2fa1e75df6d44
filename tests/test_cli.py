"""The command line: JSON shapes, exit codes, and one-line errors that leave the index alone."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS
from typer.testing import CliRunner

from rag.cli import app

runner = CliRunner()


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file() and p.name != "write.lock"}


def test_ingest_json_reports_what_it_did(hash_env: Path) -> None:
    result = runner.invoke(app, ["ingest", str(SEEDS), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"added", "updated", "unchanged", "duplicates", "skipped", "chunks"} <= set(report)
    assert (report["added"], report["unchanged"]) == (5, 0)
    again = json.loads(runner.invoke(app, ["ingest", str(SEEDS), "--json"]).stdout)
    assert (again["added"], again["unchanged"], again["chunks"]) == (0, 5, 0)


def test_second_ingest_says_it_did_nothing(hash_env: Path) -> None:
    runner.invoke(app, ["ingest", str(SEEDS)])
    result = runner.invoke(app, ["ingest", str(SEEDS)])
    assert "Nothing to do: 5 articles unchanged." in result.stdout


def test_stats_json_has_the_documented_fields(hash_env: Path) -> None:
    runner.invoke(app, ["ingest", str(SEEDS)])
    stats = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)
    assert stats["articles"] == 5 and stats["duplicates"] == 0 and stats["chunks"] > 5
    assert stats["model"].startswith("hash-embedder") and stats["bytes"] > 0


def test_search_json_lists_ranked_passages(hash_env: Path) -> None:
    runner.invoke(app, ["ingest", str(SEEDS)])
    rows = json.loads(runner.invoke(app, ["search", "Medvedev Starlink", "-k", "3", "--json"]).stdout)
    assert len(rows) == 3
    assert set(rows[0]) == {"article_id", "chunk_id", "title", "source", "date", "text", "score"}


def test_missing_path_is_one_line_error_and_creates_no_index(hash_env: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope")])
    assert result.exit_code != 0
    assert result.stderr.strip().count("\n") == 0 and "no such file" in result.stderr
    assert not hash_env.exists()


def test_nothing_ingestable_exits_non_zero_and_leaves_the_index_as_it_was(hash_env: Path, tmp_path: Path) -> None:
    runner.invoke(app, ["ingest", str(SEEDS)])
    before = snapshot(hash_env)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "blob.md").write_bytes(b"\x00\x01\x02binary")
    (bad / "broken.jsonl").write_text("{oops\n")
    result = runner.invoke(app, ["ingest", str(bad)])
    assert result.exit_code == 1
    assert "empty.txt: empty file" in result.stderr
    assert "broken.jsonl:1: malformed JSON" in result.stderr
    assert snapshot(hash_env) == before


def test_good_files_are_ingested_beside_bad_ones(hash_env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text("Peskov said the feud was a domestic issue.")
    (folder / "empty.txt").write_text(" ")
    report = json.loads(runner.invoke(app, ["ingest", str(folder), "--json"]).stdout)
    assert report["added"] == 1
    assert report["skipped"] == [{"path": str(folder / "empty.txt"), "reason": "empty file"}]


def test_searching_without_an_index_names_the_fix(hash_env: Path) -> None:
    result = runner.invoke(app, ["search", "anything"])
    assert result.exit_code == 2
    assert "rag ingest" in result.stderr


def test_an_index_built_with_another_model_is_refused_in_one_line(
    hash_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.invoke(app, ["ingest", str(SEEDS)])
    monkeypatch.setenv("RAG_EMBEDDER", "minilm")
    result = runner.invoke(app, ["search", "asylum"])
    assert result.exit_code == 2
    assert "was built with hash-embedder" in result.stderr and "--reembed" in result.stderr


def test_empty_or_wordless_questions_are_refused(hash_env: Path) -> None:
    runner.invoke(app, ["ingest", str(SEEDS)])
    for question in ("", "   ", "?!...", "x" * 5000):
        result = runner.invoke(app, ["search", question])
        assert result.exit_code == 2, question
        assert result.stderr.startswith("error: ")


@pytest.mark.integration
def test_the_installed_command_prints_no_traceback_for_user_errors(tmp_path: Path) -> None:
    env = {**os.environ, "RAG_EMBEDDER": "hash"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rag.cli",
            "ingest",
            str(tmp_path / "missing"),
            "--index",
            str(tmp_path / "ix"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: no such file or folder")


@pytest.mark.integration
def test_the_installed_command_keeps_its_output_and_exit_codes_with_its_quick_exit(tmp_path: Path) -> None:
    env = {**os.environ, "RAG_EMBEDDER": "hash", "RAG_INDEX": str(tmp_path / "ix")}

    def rag(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, env=env, cwd=ROOT
        )

    assert rag("ingest", str(SEEDS)).returncode == 0
    result = rag("search", "Musk asylum offer", "-k", "20", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)  # all of it, as parseable JSON
    assert rag("stats", "--json").returncode == 0
    assert rag("no-such-command").returncode == 2


def test_a_failed_first_ingest_into_a_folder_of_other_files_touches_only_its_own(
    hash_env: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("my own notes")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = runner.invoke(app, ["ingest", str(empty), "--index", str(folder)])
    assert result.exit_code == 1
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_ask_filters_by_outlet_and_shows_the_packed_context(hash_env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Source: Outlet A\nDate: 2025-06-06\n\nNovikov offered Musk political asylum on Friday."
    )
    (folder / "b.txt").write_text(
        "Source: Outlet B\nDate: 2025-06-07\n\nRogozin offered Musk political asylum on Saturday."
    )
    runner.invoke(app, ["ingest", str(folder)])
    result = runner.invoke(
        app, ["ask", "Who offered Musk political asylum?", "--source", "Outlet B", "--json", "--show-context"]
    )
    payload = json.loads(result.stdout)
    assert {s["source"] for s in payload["sources"]} <= {"Outlet B"}
    assert "Outlet A" not in payload["context"] and 'outlet="Outlet B"' in payload["context"]


def test_a_bad_date_filter_is_one_line(hash_env: Path) -> None:
    runner.invoke(app, ["ingest", str(SEEDS)])
    result = runner.invoke(app, ["ask", "Who offered asylum?", "--since", "last tuesday"])
    assert result.exit_code == 2
    assert result.stderr == "error: --since 'last tuesday' is not a date; use YYYY-MM-DD\n"


def test_a_broken_lexical_index_is_an_error_not_an_empty_result(hash_env: Path) -> None:
    import sqlite3

    assert runner.invoke(app, ["ingest", str(SEEDS)]).exit_code == 0
    with sqlite3.connect(hash_env / "rag.sqlite") as connection:
        connection.execute("DROP TABLE chunks_fts")
    result = runner.invoke(app, ["search", "asylum offer"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "No passages found" not in result.stdout


def test_an_index_path_that_is_a_file_is_one_line(hash_env: Path, tmp_path: Path) -> None:
    target = tmp_path / "not-a-folder"
    target.write_text("mine")
    result = runner.invoke(app, ["ingest", str(SEEDS), "--index", str(target)])
    assert result.exit_code == 2 and "is a file, not a folder" in result.stderr
    assert target.read_text() == "mine"


def test_an_inverted_date_range_names_the_flags(hash_env: Path) -> None:
    assert runner.invoke(app, ["ingest", str(SEEDS)]).exit_code == 0
    result = runner.invoke(app, ["ask", "Who offered asylum?", "--since", "2025-06-09", "--until", "2025-06-01"])
    assert result.exit_code == 2 and "--since 2025-06-09 is after --until 2025-06-01" in result.stderr


def test_a_briefing_into_a_missing_folder_is_one_line(hash_env: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["ingest", str(SEEDS)]).exit_code == 0
    result = runner.invoke(app, ["brief", "--out", str(tmp_path / "missing" / "brief.md")])
    assert result.exit_code == 2 and "does not exist" in result.stderr
