"""JSON Lines: one article per line (id, title, source, date, url, text); a bad line is a
skipped entry with its line number, never the end of the file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from rag.articles import ReadResult, Skipped, make_article, parse_date, short


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
    with handle:
        for number, raw in enumerate(handle, start=1):
            where = f"{path}:{number}"
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                result.skipped.append(Skipped(where, f"malformed JSON line ({short(exc)})"))
                continue
            problem = _jsonl_problem(record)
            if problem:
                result.skipped.append(Skipped(where, problem))
                continue
            doc_id = str(record["id"])
            if doc_id in seen:
                result.skipped.append(Skipped(where, f"duplicate id {doc_id!r}; first one kept"))
                continue
            seen.add(doc_id)
            empty = False
            text = record["text"].replace("\r\n", "\n")
            result.articles.append(
                make_article(
                    key=f"id:{doc_id}",
                    doc_id=doc_id,
                    text=text.strip(),
                    title=_str_or_none(record.get("title")),
                    source=_str_or_none(record.get("source")),
                    date=parse_date(record.get("date")),
                    url=_str_or_none(record.get("url")),
                    path=str(path.resolve()),
                )
            )
            if len(result.articles) >= batch:
                yield result
                result = ReadResult()
    if empty and not result.skipped:
        result.skipped.append(Skipped(str(path), "empty file" if path.stat().st_size == 0 else "no articles in file"))
    yield result


def _jsonl_problem(record: object) -> str | None:
    if not isinstance(record, dict):
        return "line is not a JSON object"
    if "id" not in record or not isinstance(record["id"], (str, int)) or str(record["id"]) == "":
        return "missing or invalid 'id' (a non-empty string)"
    text = record.get("text")
    if not isinstance(text, str):
        return "missing or invalid 'text' (a string)"
    if not text.strip():
        return "empty 'text'"
    for name in ("title", "source", "date", "url"):
        if record.get(name) is not None and not isinstance(record[name], str):
            return f"field {name!r} must be a string or null"
    return None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
