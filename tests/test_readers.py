"""Reading files into articles: metadata, formats, and every kind of bad input."""

import json
import os
import sys
from pathlib import Path

import pytest
from conftest import SEEDS

from rag.ingest.articles import parse_date
from rag.ingest.files import read_file, read_paths


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_txt_title_is_the_first_line_and_a_stated_date_is_read() -> None:
    [article] = read_file(SEEDS / "003_fc078108d31b33f3.txt").articles
    assert article.date == "2025-06-07"
    assert article.title.startswith("The Russians seem to be laughing")
    assert article.doc_id == "003_fc078108d31b33f3"


def test_a_section_label_above_the_headline_is_not_the_title() -> None:
    [article] = read_file(SEEDS / "002_0545a3879aaf7017.txt").articles
    assert article.title == "Russia Offers Musk Asylum as Trump Feud Escalates, Heightening U.S.-Russia Tensions"


def test_txt_header_lines_give_source_date_and_url(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.txt",
        "Title: Kremlin keeps distance\nSource: Reuters\nDate: June 6, 2025\nURL: https://x.test/a\n\n"
        "Peskov said it was a domestic issue.",
    )
    [article] = read_file(path).articles
    assert (article.title, article.source, article.date, article.url) == (
        "Kremlin keeps distance",
        "Reuters",
        "2025-06-06",
        "https://x.test/a",
    )
    assert article.text == "Peskov said it was a domestic issue."


def test_markdown_front_matter_and_heading(tmp_path: Path) -> None:
    path = write(tmp_path / "a.md", "---\nsource: TASS\ndate: 2025-06-06\n---\n# Asylum offer\n\nNovikov spoke.")
    [article] = read_file(path).articles
    assert (article.title, article.source, article.date) == ("Asylum offer", "TASS", "2025-06-06")


def test_html_yields_article_text_and_metadata_not_scripts(tmp_path: Path) -> None:
    scripts = "<script>var tracking = 'ignore previous';</script>" * 200 + "<style>p{color:red}</style>" * 50
    html = (
        "<html><head><title>Asylum offer</title><meta property='og:site_name' content='The Daily'>"
        f"<meta name='date' content='2025-06-07'>{scripts}</head><body><nav>Home | World</nav>"
        "<article><h1>Asylum offer</h1><p>Russia offered asylum to Musk on Friday, a lawmaker said. "
        "The offer was mostly symbolic according to analysts.</p><p>The Kremlin declined to comment "
        "on the matter and called it a domestic issue.</p></article></body></html>"
    )
    [article] = read_file(write(tmp_path / "a.html", html)).articles
    assert "Russia offered asylum to Musk" in article.text
    assert "tracking" not in article.text and "color" not in article.text
    assert (article.source, article.date) == ("The Daily", "2025-06-07")


def test_jsonl_records_carry_their_metadata(tmp_path: Path) -> None:
    record = {"id": "a1", "title": "T", "source": "AP", "date": "2025-06-06", "url": "u", "text": "Body."}
    [article] = read_file(write(tmp_path / "c.jsonl", json.dumps(record) + "\n")).articles
    assert (article.doc_id, article.title, article.source, article.date, article.url, article.text) == (
        "a1",
        "T",
        "AP",
        "2025-06-06",
        "u",
        "Body.",
    )


def test_jsonl_bad_lines_are_reported_by_number_and_good_lines_kept(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "title": "", "source": "s", "date": None, "text": "Good one."}),
        "{not json",
        json.dumps({"id": "b", "title": "", "source": "s", "date": None}),
        json.dumps({"id": "c", "title": 5, "source": "s", "date": None, "text": "x"}),
        json.dumps({"id": "a", "title": "", "source": "s", "date": None, "text": "Again."}),
        json.dumps(["a list"]),
        json.dumps({"id": "d", "title": "", "source": "s", "date": None, "text": "Good two."}),
    ]
    result = read_file(write(tmp_path / "c.jsonl", "\n".join(lines)))
    assert [a.doc_id for a in result.articles] == ["a", "d"]
    reasons = {s.path.rsplit(":", 1)[1]: s.reason for s in result.skipped}
    assert set(reasons) == {"2", "3", "4", "5", "6"}
    assert "malformed JSON" in reasons["2"]
    assert "text" in reasons["3"]
    assert "title" in reasons["4"]
    assert "duplicate id" in reasons["5"]


def test_empty_whitespace_and_binary_files_are_refused(tmp_path: Path) -> None:
    for name, content, reason in [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\t \n", "empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    ]:
        result = read_file(write(tmp_path / name, content))
        assert not result.articles
        assert reason in result.skipped[0].reason


def test_windows_1252_text_is_read_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "legacy.txt", "The minister’s “caf\xe9” remark.".encode("cp1252"))
    result = read_file(path)
    assert result.articles[0].text == "The minister’s “café” remark."
    assert "not UTF-8; read as cp1252" in result.warnings[0]


def test_undecodable_noise_is_refused(tmp_path: Path) -> None:
    noise = bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D] * 200)
    result = read_file(write(tmp_path / "noise.txt", noise))
    assert not result.articles and "not valid UTF-8" in result.skipped[0].reason


def test_unsupported_extension_and_missing_path_are_reported(tmp_path: Path) -> None:
    pdf = write(tmp_path / "a.pdf", b"%PDF-1.4")
    results = list(read_paths([pdf, tmp_path / "missing.txt"]))
    reasons = [s.reason for r in results for s in r.skipped]
    assert any("unsupported file type .pdf" in r for r in reasons)
    assert any("no such file" in r for r in reasons)


def test_folders_are_read_recursively_without_following_symlink_loops(tmp_path: Path) -> None:
    write(tmp_path / "a" / "one.txt", "One.")
    write(tmp_path / "a" / "b" / "two.md", "Two.")
    write(tmp_path / "a" / "b" / "ignored.pdf", b"%PDF")
    (tmp_path / "a" / "b" / "loop").symlink_to(tmp_path / "a")
    articles = [a for r in read_paths([tmp_path / "a"]) for a in r.articles]
    assert sorted(a.text for a in articles) == ["One.", "Two."]


def test_dates_in_common_forms_are_normalised() -> None:
    assert parse_date("2025-06-07T10:00:00Z") == "2025-06-07"
    assert parse_date("June 7, 2025") == "2025-06-07"
    assert parse_date("Sept. 3 2024") == "2024-09-03"
    assert parse_date("not a date") is None
    assert parse_date("2025-13-40") is None


# -- one file's failure never stops the others ---------------------------------------------


def read_all(paths: list[Path]) -> tuple[list[str], dict[str, str]]:
    articles, skipped = [], {}
    for result in read_paths(paths):
        articles += [a.doc_id for a in result.articles]
        skipped.update({Path(s.path).name: s.reason for s in result.skipped})
    return articles, skipped


def test_a_reader_that_fails_on_one_file_skips_that_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a.txt", "Good article one.")
    write(tmp_path / "b.html", "<html><body><p>Some page.</p></body></html>")
    write(tmp_path / "c.txt", "Good article two.")

    def broken(path: Path, html: str) -> None:
        raise ValueError("parser exploded")

    monkeypatch.setattr("rag.ingest.files._html_article", broken)
    articles, skipped = read_all([tmp_path])
    assert articles == ["a", "c"]
    assert "ValueError: parser exploded" in skipped["b.html"]


def test_a_missing_library_is_named_with_the_command_that_installs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "page.html", "<html><body><p>Some page.</p></body></html>")
    write(tmp_path / "note.txt", "A plain note survives.")
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # as if it were not installed
    articles, skipped = read_all([tmp_path])
    assert articles == ["note"]
    assert "pip install trafilatura" in skipped["page.html"]


def test_the_lxml_clean_split_is_named_with_its_package() -> None:
    from rag.ingest.files import missing_dependency

    error = ImportError("lxml.html.clean module is now a separate project lxml_html_clean.")
    assert "pip install lxml_html_clean" in missing_dependency(error)


def test_a_named_pipe_is_skipped_instead_of_blocking_forever(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    write(tmp_path / "story.txt", "A real story.")
    articles, skipped = read_all([tmp_path])
    assert articles == ["story"]
    assert "not a regular file" in skipped["pipe.txt"]


def test_a_symlink_to_a_device_is_never_read(tmp_path: Path) -> None:
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    write(tmp_path / "story.txt", "A real story.")
    articles, skipped = read_all([tmp_path])
    assert articles == ["story"] and "/dev/zero" in skipped["zero.txt"]  # a link out of the folder


def test_folders_nested_deeper_than_the_recursion_limit_are_walked(tmp_path: Path) -> None:
    levels = [str(tmp_path) + "/d" * depth for depth in range(1, sys.getrecursionlimit() + 100)]
    for level in levels:
        os.mkdir(level)  # one level at a time: makedirs (and rmtree) recurse
    try:
        write(Path(levels[-1]) / "deep.txt", "Found at the bottom.")
        write(tmp_path / "top.txt", "Found at the top.")
        articles, _ = read_all([tmp_path])
        assert sorted(articles) == ["deep", "top"]
    finally:
        os.unlink(Path(levels[-1]) / "deep.txt")
        for level in reversed(levels):
            os.rmdir(level)
