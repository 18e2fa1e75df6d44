"""Read files and folders into Articles: txt, md, html and JSONL, with their metadata.

Readers never raise for bad input: they yield `Skipped` (nothing usable) and attach warnings
(something was guessed or dropped), so that one bad file never stops the rest.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from rag.ingest.articles import (
    NO_WORDS,
    STATED_DATE,
    ReadResult,
    Skipped,
    has_words,
    make_article,
    parse_date,
    path_key,
    short,
)
from rag.ingest.decoding import decode_text
from rag.ingest.jsonl import iter_jsonl, read_jsonl
from rag.terminal import path_text
from rag.types import Article

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSONL_SUFFIXES = frozenset({".jsonl"})
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
MAX_FILE_BYTES = 20 * 1024 * 1024

_LEADING_DATE = re.compile(r"^\s*(?:date|dated|published)[:\s]+\d{4}-\d{2}-\d{2}\s+", re.IGNORECASE)
_HEADER_LINE = re.compile(r"^(title|source|outlet|publisher|date|published|url|author)\s*:\s*(.+)$", re.I)


def iter_files(paths: Iterable[Path], skipped: list[Skipped]) -> Iterator[Path]:
    """Expand folders (sorted, hidden names and symlinked folders skipped, so no loops; walked
    with an explicit stack, so any depth is fine). A link inside a folder to a file outside it
    is skipped, saying so: ingesting a folder reads that folder (name such a file itself to
    ingest it)."""
    seen: set[Path] = set()
    for path in paths:
        if not path.exists():
            skipped.append(Skipped(str(path), "no such file or folder; check the path"))
            continue
        if not path.is_dir():
            if _first_time(path, seen):
                yield path
            continue
        root = _resolved(path)
        folders = [path]
        while folders:
            folder = folders.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                skipped.append(Skipped(str(folder), f"cannot list folder: {exc.strerror or exc}"))
                continue
            subfolders = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    is_folder = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_folder = False
                if is_folder:
                    subfolders.append(Path(entry.path))
                elif Path(entry.name).suffix.lower() not in SUPPORTED:
                    continue
                elif entry.is_symlink() and not _resolved(Path(entry.path)).is_relative_to(root):
                    target = path_text(_resolved(Path(entry.path)))
                    reason = f"a link to {target}, outside the folder; give that file itself to ingest it"
                    skipped.append(Skipped(entry.path, reason))
                elif _first_time(Path(entry.path), seen):
                    yield Path(entry.path)
            folders.extend(reversed(subfolders))


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _first_time(path: Path, seen: set[Path]) -> bool:
    resolved = _resolved(path)
    if resolved in seen:
        return False
    seen.add(resolved)
    return True


def read_paths(paths: Iterable[Path]) -> Iterator[ReadResult]:
    """ReadResults in file order: one per file, or one per few hundred lines of a JSONL file,
    so that memory stays flat however large the corpus. A file whose reading fails in any way
    becomes a skipped entry with the reason; the files after it are still read."""
    skipped: list[Skipped] = []
    for path in iter_files(paths, skipped):
        if skipped:
            yield ReadResult(skipped=skipped[:])
            skipped.clear()
        yield from read_path(path)
    if skipped:
        yield ReadResult(skipped=skipped)


def read_path(path: Path, jsonl_batch: int = 256) -> Iterator[ReadResult]:
    """Read one file; any failure ends that file only, as a skipped entry with its reason."""
    problem = _not_a_regular_file(path)
    if problem:
        yield ReadResult(skipped=[Skipped(str(path), problem)])
        return
    try:
        complete = True
        results = iter_jsonl(path, jsonl_batch) if path.suffix.lower() in JSONL_SUFFIXES else iter([read_file(path)])
        for result in results:
            complete = complete and not result.skipped
            yield result
        if complete:
            yield ReadResult(complete_files=[path_key(path)])
    except ImportError as exc:
        yield ReadResult(skipped=[Skipped(str(path), missing_dependency(exc))])
    except Exception as exc:  # one file's failure must never stop the rest
        yield ReadResult(skipped=[Skipped(str(path), f"could not be read ({type(exc).__name__}: {short(exc)})")])


def _not_a_regular_file(path: Path) -> str | None:
    """Pipes, devices and sockets are never read: a FIFO blocks forever, /dev/zero never ends."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return "not a regular file (a pipe, device or socket); only files are read"
    return None


def missing_dependency(exc: ImportError) -> str:
    """The one-line fix for a library that is not installed (or is installed broken)."""
    message = str(exc)
    package = _PACKAGE_FOR_MODULE.get((exc.name or "").split(".")[0], exc.name or "")
    if "lxml_html_clean" in message or "lxml.html.clean" in message:
        package = "lxml_html_clean"
    if not package:
        return f"a library it needs is missing ({short(exc)}); reinstall rag"
    return f"needs the missing library {package} ({short(exc)}); install it with `pip install {package}`"


_PACKAGE_FOR_MODULE = {"trafilatura": "trafilatura", "lxml": "lxml", "lxml_html_clean": "lxml_html_clean"}


def read_file(path: Path) -> ReadResult:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        return ReadResult(
            skipped=[Skipped(str(path), f"unsupported file type {suffix or '(none)'}; use .txt, .md, .html or .jsonl")]
        )
    try:
        size = path.stat().st_size
        if suffix in JSONL_SUFFIXES:
            return read_jsonl(path)
        if size > MAX_FILE_BYTES:
            return ReadResult(
                skipped=[
                    Skipped(
                        str(path),
                        f"file is {size / 2**20:.0f} MB, over the "
                        f"{MAX_FILE_BYTES // 2**20} MB limit for one article; split it",
                    )
                ]
            )
        raw = path.read_bytes()
    except OSError as exc:
        return ReadResult(skipped=[Skipped(str(path), f"cannot read file: {exc.strerror or exc}")])
    text, problem, warning = decode_text(raw, html=suffix in HTML_SUFFIXES)
    if problem:
        return ReadResult(skipped=[Skipped(str(path), problem)])
    result = ReadResult(warnings=[f"{path_text(path)}: {warning}"] if warning else [])
    if suffix in HTML_SUFFIXES:
        article = _html_article(path, text)
    else:
        article = _text_article(path, text, suffix != ".txt", result.warnings)
    if article is None or not article.text.strip():
        result.skipped.append(Skipped(str(path), "no article text found in the file"))
    elif not has_words(article.text):
        result.skipped.append(Skipped(str(path), NO_WORDS))
    else:
        result.articles.append(article)
    return result


def _text_article(path: Path, text: str, markdown: bool, warnings: list[str]) -> Article | None:
    meta, body, warning = _split_header(text, markdown)
    if warning:
        warnings.append(f"{path_text(path)}: {warning}")
    body = body.strip("\n")
    if not body.strip():
        return None
    title = _text_field(meta, "title") or (_markdown_title(body) if markdown else None)
    date = parse_date(meta.get("date") or meta.get("published") or "") or _stated_date(body)
    # A leading "date 2025-06-07" is metadata, not the article's first words.
    body = _LEADING_DATE.sub("", body, count=1)
    return make_article(
        key=path_key(path),
        doc_id=path.stem,
        text=body,
        title=title,
        source=_text_field(meta, "source", "outlet", "publisher"),
        date=date,
        url=_text_field(meta, "url"),
        path=path_key(path),
    )


def _split_header(text: str, markdown: bool) -> tuple[dict[str, object], str, str | None]:
    """(metadata, body, warning): metadata from YAML front matter fenced by `---` lines
    (markdown), or from leading `Key: value` lines. Front matter never reaches the body."""
    lines = text.split("\n")
    if markdown and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is not None:
            meta, warning = _front_matter("\n".join(lines[1:end]))
            return meta, "\n".join(lines[end + 1 :]), warning
    header: dict[str, object] = {}
    index = 0
    while index < len(lines) and (match := _HEADER_LINE.match(lines[index].strip())):
        header[match.group(1).lower()] = match.group(2).strip().strip("\"'")
        index += 1
    return header, "\n".join(lines[index:]), None


def _front_matter(block: str) -> tuple[dict[str, object], str | None]:
    import yaml

    if len(block) > 65536:
        return {}, "front matter over 64 KB; ignored"
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        return {}, f"front matter is not valid YAML ({short(exc)}); ignored"
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        return {}, "front matter is not a set of `key: value` fields; ignored"
    meta: dict[str, object] = {
        str(k).lower(): v for k, v in data.items() if isinstance(v, (str, int, float, dt.date)) and v != ""
    }
    return meta, None


def _text_field(meta: dict[str, object], *names: str) -> str | None:
    for name in names:
        value = meta.get(name)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _markdown_title(body: str) -> str | None:
    for line in body.split("\n"):
        if line.startswith("# "):
            return line[2:].strip()
    return None


def _stated_date(text: str) -> str | None:
    match = STATED_DATE.search(text[:600])
    return parse_date(match.group(1)) if match else None


def _html_article(path: Path, html: str) -> Article | None:
    import trafilatura

    extracted = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
    if extracted is None:
        return None
    document = extracted if isinstance(extracted, dict) else extracted.as_dict()
    text = (document.get("text") or "").strip()
    if not text:
        return None
    return make_article(
        key=path_key(path),
        doc_id=path.stem,
        text=text,
        title=document.get("title"),
        source=document.get("sitename"),
        date=parse_date(document.get("date") or "") or _stated_date(text),
        url=document.get("url"),
        path=path_key(path),
    )
