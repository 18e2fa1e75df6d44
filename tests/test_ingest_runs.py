"""Runs that find nothing to do, or fail part way, say what happened in one line and leave the
index as a user expects: a first ingest that adds nothing leaves no index; an empty index, or
filters that match nothing, are named as such rather than blamed on a topic."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SEEDS
from typer.testing import CliRunner

from rag.cli import app

runner = CliRunner()


def error_line(result: object) -> str:
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


@pytest.mark.ray
@pytest.mark.slow
def test_a_ray_cluster_not_reached_leaves_no_index_behind(hash_env: Path) -> None:
    pytest.importorskip("ray", reason="Ray is not installed: make install adds it (the 'ray' extra)")
    # Its own process: a Ray client that failed to connect stays half set up in the one that tried.
    rag = str(Path(sys.executable).parent / "rag")
    run = subprocess.run([rag, "ingest", str(SEEDS), "--ray-address", "ray://127.0.0.1:1"], capture_output=True)
    lines = run.stderr.decode().strip().splitlines()
    assert run.returncode == 2 and len(lines) == 1 and "--ray-address" in lines[0], lines
    search = runner.invoke(app, ["search", "asylum"])
    assert search.exit_code == 2 and "no index" in error_line(search)


def test_a_briefing_of_an_empty_index_says_the_index_is_empty(hash_env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "note.txt").write_text("The council approved the budget on Monday after a long debate.")
    runner.invoke(app, ["ingest", str(folder)])
    (folder / "note.txt").unlink()
    assert runner.invoke(app, ["ingest", "--prune"]).exit_code == 0
    result = runner.invoke(app, ["brief"])
    assert result.exit_code == 2 and "no articles" in error_line(result) and "topic" not in error_line(result)


def test_a_briefing_whose_filters_match_nothing_names_the_filters(hash_env: Path) -> None:
    runner.invoke(app, ["ingest", str(SEEDS)])
    result = runner.invoke(app, ["brief", "--source", "No Such Outlet"])
    assert result.exit_code == 2 and "--source" in error_line(result)


@pytest.mark.slow
def test_a_writer_queued_behind_a_first_ingest_that_adds_nothing_keeps_what_it_wrote(
    hash_env: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for number in range(8000):
        (empty / f"{number}.txt").write_text("")
    rag = str(Path(sys.executable).parent / "rag")
    first = subprocess.Popen([rag, "ingest", str(empty)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = hash_env / "write.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (lock.exists() and "pid" in lock.read_text()):
        time.sleep(0.01)
    queued = subprocess.run([rag, "ingest", str(SEEDS), "--wait"], capture_output=True, timeout=300)
    first.wait(timeout=300)
    assert first.returncode != 0 and queued.returncode == 0, queued.stderr
    search = runner.invoke(app, ["search", "asylum", "--json"])
    assert search.exit_code == 0 and json.loads(search.stdout)
