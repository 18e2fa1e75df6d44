"""The hostile catalogue: one folder holding a file of every kind that has ever stopped, hung or
fooled an ingest, beside good files, ingested in one run of the real command. The good files
are all in, each bad one is reported with a reason, and there is no traceback, no hang and no
lost file."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

GOOD_TEXT = "The harbour bridge reopened on Monday after three months of repairs, the council said."


def build(folder: Path) -> tuple[set[str], set[str]]:
    """Write the catalogue; return (doc ids that must be ingested, file names that must be skipped)."""
    good: set[str] = set()
    bad: set[str] = set()

    def article(name: str, content: bytes, doc_id: str | None) -> None:
        with open(os.path.join(os.fsencode(folder), name.encode("utf-8", "surrogateescape")), "wb") as handle:
            handle.write(content)
        (good.add(doc_id) if doc_id else bad.add(name))

    article("plain.txt", GOOD_TEXT.encode(), "plain")
    article("caf\udce9.txt", b"A cafe with a name that is not UTF-8 reopened on Friday.", "caf\ufffd")
    article("utf16.txt", "Министр открыл мост в понедельник утром.".encode("utf-16"), "utf16")
    article("cp1251.txt", "Министр заявил в среду, что мост откроется весной.".encode("cp1251"), "cp1251")
    article(
        "declared.html",
        b'<html><head><meta charset="windows-1251"><title>Bridge</title></head><body><article><p>'
        + "Министр открыл новый мост через реку в понедельник утром, сообщили власти города.".encode("cp1251")
        + b"</p></article></body></html>",
        "declared",
    )
    article("yaml-bad.md", b"---\ntitle: [unclosed\n---\n\nThe library extended its hours.\n", "yaml-bad")
    article("yaml-extra.md", b"---\ntitle: Ferry\ntags: [a, b]\n---\n\nThe ferry service resumed.\n", "yaml-extra")
    article("escapes.txt", b"Title: \x1b]0;owned\x07Headline\x1b[2J\n\nThe market rose sharply on Tuesday.", "escapes")
    article("new\nline.txt", b"A file whose name holds a newline reports nothing false.", "new\nline")
    article("empty.txt", b"", None)
    article("binary.txt", bytes(range(256)) * 40, None)
    article("noise.txt", bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D] * 200), None)
    article("huge-id.jsonl", b'{"id": ' + b"9" * 5000 + b', "text": "x"}\n', None)

    feed = [
        '{"id": "s", "text": "Before \\ud800 after the storm the road reopened."}',
        '{"id": "deep", "text": "x", "extra": ' + "[" * 10_000 + "]" * 10_000 + "}",
        json.dumps({"id": "same", "text": "Feed one says the council met on Monday."}),
        '{"id": "epoch", "date": 1749254400, "text": "A record dated in Unix time."}',
    ]
    article("feed-one.jsonl", ("\n".join(feed) + "\n").encode("utf-8", "surrogatepass"), "s")
    good.update({"same", "epoch"})
    bad.add("feed-one.jsonl:2")
    article(
        "feed-two.jsonl", (json.dumps({"id": "same", "text": "Feed two tells another story."}) + "\n").encode(), None
    )
    bad.discard("feed-two.jsonl")  # its "same" is a second article, not a clash: counted below

    os.mkfifo(folder / "pipe.txt")
    bad.add("pipe.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    bad.add("zero.txt")
    (folder / "loop").symlink_to(folder)
    deep = str(folder)
    for _ in range(sys.getrecursionlimit() + 100):
        deep += "/d"
        os.mkdir(deep)
    with open(deep + "/bottom.txt", "w") as handle:
        handle.write("Found at the bottom of a very deep folder.")
    good.add("bottom")
    return good, bad


def remove_deep(folder: Path) -> None:
    levels = []
    level = str(folder) + "/d"
    while os.path.isdir(level):
        levels.append(level)
        level += "/d"
    for path in reversed(levels):
        for name in os.listdir(path):
            if not os.path.isdir(os.path.join(path, name)):
                os.unlink(os.path.join(path, name))
        os.rmdir(path)


@pytest.mark.slow
def test_every_hostile_file_is_reported_and_every_good_one_ingested(tmp_path: Path) -> None:
    folder = tmp_path / "catalogue"
    folder.mkdir()
    index = tmp_path / "index"
    index.mkdir()
    (index / "vectors-backup.faiss").write_bytes(b"the user's own backup")
    good, bad = build(folder)
    try:
        env = {**os.environ, "RAG_EMBEDDER": "hash"}
        command = [sys.executable, "-m", "rag.cli", "ingest", str(folder), "--index", str(index), "--json"]
        run = subprocess.run(command, capture_output=True, cwd=ROOT, env=env, timeout=300)
        assert b"Traceback" not in run.stderr, run.stderr.decode(errors="replace")
        assert run.returncode == 0, run.stderr.decode(errors="replace")
        report = json.loads(run.stdout)
        with sqlite3.connect(index / "rag.sqlite") as connection:
            listed = [r[0] for r in connection.execute("SELECT doc_id FROM articles")]
        assert good <= set(listed), good - set(listed)
        assert listed.count("same") == 2  # one per feed file: identity includes the file
        reasons = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
        for name in bad:
            assert any(key.startswith(name.split(":")[0]) for key in reasons), name
        assert all(reason.strip() for reason in reasons.values())
        assert (index / "vectors-backup.faiss").read_bytes() == b"the user's own backup"
        again = subprocess.run(command + ["--prune"], capture_output=True, cwd=ROOT, env=env, timeout=300)
        assert again.returncode == 0 and json.loads(again.stdout)["pruned"] == 0
        assert (index / "vectors-backup.faiss").exists()
    finally:
        remove_deep(folder)
