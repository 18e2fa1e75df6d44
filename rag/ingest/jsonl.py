"""JSON Lines: one article per line (id, title, source, date, url, text); a bad line is a
skipped entry with its line number, never the end of the file."""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from rag.ingest.articles import NO_WORDS, ReadResult, Skipped, has_words, make_article, parse_date, path_key, short
from rag.types import Article


def read_jsonl(path: Path) -> ReadResult:
    """One article per line (id, title, source, date, url, text); bad lines are reported by number."""
    whole = ReadResult()
    for part in iter_jsonl(path):
        whole.articles.extend(part.articles)
        whole.skipped.extend(part.skipped)
        whole.warnings.extend(part.warnings)
    return whole


def iter_jsonl(path: Path, batch: int = 256) -> Iterator[ReadResult]:
    """`read_jsonl` a few hundred lines at a time."""
    result = ReadResult()
    seen: set[str] = set()
    empty = True
    try:
        handle = path.open("rb")
    except OSError as exc:
        result.skipped.append(Skipped(str(path), f"cannot read file: {exc.strerror or exc}"))
        yield result
        return
    file_key = path_key(path)
    with handle:
        for number, raw in enumerate(_utf8_lines(handle), start=1):
            where = f"{path}:{number}"
            if not raw.strip():
                continue
            try:
                article, problem = _article(raw, file_key, seen)
            except Exception as exc:  # one bad line never ends the file
                article, problem = None, f"unreadable record ({type(exc).__name__}: {short(exc)})"
            if article is None:
                result.skipped.append(Skipped(where, problem or "unreadable record"))
                continue
            empty = False
            result.articles.append(article)
            if len(result.articles) >= batch:
                yield result
                result = ReadResult()
    if empty and not result.skipped:
        result.skipped.append(Skipped(str(path), "empty file" if path.stat().st_size == 0 else "no articles in file"))
    yield result


def _utf8_lines(handle: BinaryIO) -> Iterator[bytes]:
    """The file's lines as UTF-8 bytes: a file that opens with a UTF-16 or UTF-32 byte-order mark
    is read in that encoding (line by line, so memory stays flat), and a UTF-8 mark is dropped."""
    start = handle.read(4)
    handle.seek(0)
    encoding = next((name for mark, name in _WIDE_BOMS if start.startswith(mark)), None)
    if encoding is None:
        for number, raw in enumerate(handle):
            yield raw[len(codecs.BOM_UTF8) :] if number == 0 and raw.startswith(codecs.BOM_UTF8) else raw
        return
    text = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline=None)
    for line in text:
        yield line.encode("utf-8", "surrogatepass")


# UTF-32's marks first: UTF-32-LE's begins with UTF-16-LE's.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _article(raw: bytes, file_key: str, seen: set[str]) -> tuple[Article | None, str | None]:
    """One line's article, or why there is none. Its key names the file and the record's id, so
    two files may use the same ids."""
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError, and integers too long to parse
        return None, f"malformed JSON line ({short(exc)})"
    except RecursionError:
        return None, "malformed JSON line (nested too deeply)"
    problem = _jsonl_problem(record)
    if problem:
        return None, problem
    doc_id = str(record["id"])
    if doc_id in seen:
        return None, f"duplicate id {doc_id[:80]!r} in this file; the first one kept"
    seen.add(doc_id)
    text = record["text"].replace("\r\n", "\n")
    article = make_article(
        key=f"{file_key}#{doc_id}",
        doc_id=doc_id,
        text=text.strip(),
        title=_str_or_none(record.get("title")),
        source=_str_or_none(record.get("source")),
        date=parse_date(record.get("date")),
        url=_str_or_none(record.get("url")),
        path=file_key,
    )
    return article, None


def _jsonl_problem(record: object) -> str | None:
    if not isinstance(record, dict):
        return "line is not a JSON object"
    identifier = record.get("id")
    if isinstance(identifier, bool) or not isinstance(identifier, (str, int)) or identifier == "":
        return "missing or invalid 'id' (a non-empty string)"
    if len(str(identifier)) > 512:
        return "'id' is longer than 512 characters"
    text = record.get("text")
    if not isinstance(text, str):
        return "missing or invalid 'text' (a string)"
    if not text.strip():
        return "empty 'text'"
    if not has_words(text):
        return NO_WORDS
    for name in ("title", "source", "url"):
        if record.get(name) is not None and not isinstance(record[name], str):
            return f"field {name!r} must be a string or null"
    return None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
