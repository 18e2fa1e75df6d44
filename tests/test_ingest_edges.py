"""Files that look like articles but are not quite: text of invisible characters only, links
that leave the folder, JSON Lines in UTF-16, titles of any length. Each is read for what it is,
or skipped with its reason, never counted as added with nothing in it."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

from rag.ingest.articles import MAX_GIVEN_TITLE_CHARS
from rag.ingest.files import read_paths
from rag.ingest.jsonl import read_jsonl

ZERO_WIDTH = "\u200b\u200c\u200d\ufeff" * 50


def read(*paths: Path) -> tuple[list[str], dict[str, str]]:
    """The texts of the articles read, and each skipped path's reason."""
    texts: list[str] = []
    skipped: dict[str, str] = {}
    for result in read_paths(list(paths)):
        texts += [a.text for a in result.articles]
        skipped.update({s.path: s.reason for s in result.skipped})
    return texts, skipped


def record(**fields: object) -> str:
    return json.dumps({"id": "r1", "title": "", "source": "Wire", "date": "2025-01-02", **fields})


def test_a_text_file_of_invisible_characters_is_skipped_saying_it_has_no_words(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(ZERO_WIDTH)
    texts, skipped = read(path)
    assert texts == [] and "no words" in skipped[str(path)]


def test_a_json_line_of_invisible_characters_is_skipped_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(record(text=ZERO_WIDTH) + "\n" + record(id="r2", text="The ferry sailed at dawn.") + "\n")
    result = read_jsonl(path)
    assert [a.text for a in result.articles] == ["The ferry sailed at dawn."]
    assert [s.path for s in result.skipped] == [f"{path}:1"] and "no words" in result.skipped[0].reason


def test_a_link_to_a_file_outside_the_folder_is_skipped_and_named(tmp_path: Path) -> None:
    outside = tmp_path / "private.txt"
    outside.write_text("A private note that was never meant for the index.")
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "story.txt").write_text("The council approved the budget on Monday.")
    (folder / "leak.txt").symlink_to(outside)
    texts, skipped = read(folder)
    assert texts == ["The council approved the budget on Monday."]
    assert "outside the folder" in skipped[str(folder / "leak.txt")]


def test_a_link_within_the_folder_is_read_once(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "story.txt").write_text("The council approved the budget on Monday.")
    (folder / "again.txt").symlink_to(folder / "story.txt")
    texts, skipped = read(folder)
    assert texts == ["The council approved the budget on Monday."] and not skipped


def test_a_file_named_directly_is_read_even_through_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("The harbour reopened after the storm.")
    link = tmp_path / "link.txt"
    link.symlink_to(outside)
    assert read(link)[0] == ["The harbour reopened after the storm."]


def test_json_lines_in_utf16_with_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = record(text="Les accents restent : été, à Zürich.") + "\n" + record(id="r2", text="Second line.") + "\n"
    path.write_bytes(codecs.BOM_UTF16_LE + lines.encode("utf-16-le"))
    result = read_jsonl(path)
    assert [a.text for a in result.articles] == ["Les accents restent : été, à Zürich.", "Second line."]
    assert not result.skipped


def test_json_lines_opening_with_a_utf8_byte_order_mark_lose_no_line(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(codecs.BOM_UTF8 + (record(text="First line.") + "\n").encode())
    assert [a.text for a in read_jsonl(path).articles] == ["First line."]


def test_a_title_of_any_length_is_cut_at_a_word_and_marked(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(record(title="Breaking " * 12_000, text="The mayor opened the bridge.") + "\n")
    title = read_jsonl(path).articles[0].title
    assert len(title) <= MAX_GIVEN_TITLE_CHARS + 1 and title.endswith("…") and title.startswith("Breaking Breaking")


def test_a_headline_of_ordinary_length_is_kept_whole(tmp_path: Path) -> None:
    headline = "A long headline of the kind news sites write, " * 4
    path = tmp_path / "feed.jsonl"
    path.write_text(record(title=headline.strip(), text="The mayor opened the bridge.") + "\n")
    assert read_jsonl(path).articles[0].title == headline.strip()
