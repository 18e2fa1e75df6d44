"""Read files and folders into Articles: txt, md, html and JSONL, with their metadata.

Readers never raise for bad input: they yield `Skipped` (nothing usable) and attach warnings
(something was guessed or dropped), so that one bad file never stops the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rag.types import Article

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSONL_SUFFIXES = frozenset({".jsonl"})
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TITLE_CHARS = 160

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_WORD_DATE = re.compile(r"\b([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})\b")
_STATED_DATE = re.compile(
    r"\b(?:date|dated|published|posted|updated)\b[:\s]*(?:on\s+)?"
    r"(\d{4}-\d{2}-\d{2}|[A-Za-z]{3,9}\.? \d{1,2},? \d{4})",
    re.IGNORECASE,
)
_LEADING_DATE = re.compile(r"^\s*(?:date|dated|published)[:\s]+\d{4}-\d{2}-\d{2}\s+", re.IGNORECASE)
_HEADER_LINE = re.compile(r"^(title|source|outlet|publisher|date|published|url|author)\s*:\s*(.+)$", re.I)


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_date(value: object) -> str | None:
    """Normalise '2025-06-07', '2025-06-07T10:00Z', 'June 7, 2025' or 'Jun. 7 2025' to ISO."""
    if not isinstance(value, str):
        return None
    if match := _ISO_DATE.search(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _WORD_DATE.search(value):
        month_name, day_text, year_text = match.groups()
        month = _MONTHS.get(month_name.lower(), 0)
        year, day = int(year_text), int(day_text)
    else:
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1800 <= year <= 2200):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def content_hash(*parts: str | None) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update((part or "").encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


def make_article(
    key: str,
    doc_id: str,
    text: str,
    title: str | None = None,
    source: str | None = None,
    date: str | None = None,
    url: str | None = None,
    path: str | None = None,
) -> Article:
    title = (title or "").strip() or _title_from_text(text)
    return Article(
        key=key,
        doc_id=doc_id,
        title=title,
        text=text,
        content_hash=content_hash(text, title, source, date, url),
        source=(source or "").strip() or None,
        date=date,
        url=(url or "").strip() or None,
        path=path,
    )


def iter_files(paths: Iterable[Path], skipped: list[Skipped]) -> Iterator[Path]:
    """Expand folders recursively (sorted, symlinked folders not followed, so no loops)."""
    seen: set[Path] = set()
    for path in paths:
        if not path.exists():
            skipped.append(Skipped(str(path), "no such file or folder; check the path"))
            continue
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    candidate = Path(root) / name
                    if candidate.suffix.lower() in SUPPORTED:
                        resolved = candidate.resolve()
                        if resolved not in seen:
                            seen.add(resolved)
                            yield candidate
        else:
            resolved = path.resolve()
            if resolved not in seen:
                seen.add(resolved)
                yield path


def read_paths(paths: Iterable[Path]) -> Iterator[ReadResult]:
    """ReadResults in file order: one per file, or one per few hundred lines of a JSONL file,
    so that memory stays flat however large the corpus."""
    skipped: list[Skipped] = []
    for path in iter_files(paths, skipped):
        if skipped:
            yield ReadResult(skipped=skipped[:])
            skipped.clear()
        if path.suffix.lower() in JSONL_SUFFIXES:
            yield from iter_jsonl(path)
        else:
            yield read_file(path)
    if skipped:
        yield ReadResult(skipped=skipped)


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
    text, problem, warning = decode_text(raw)
    if problem:
        return ReadResult(skipped=[Skipped(str(path), problem)])
    result = ReadResult(warnings=[f"{path}: {warning}"] if warning else [])
    if suffix in HTML_SUFFIXES:
        article = _html_article(path, text)
    else:
        article = _text_article(path, text, markdown=suffix != ".txt")
    if article is None or not article.text.strip():
        result.skipped.append(Skipped(str(path), "no article text found in the file"))
    else:
        result.articles.append(article)
    return result


def decode_text(raw: bytes) -> tuple[str, str | None, str | None]:
    """Return (text, problem, warning): UTF-8 first, then Windows-1252 for plausible legacy text."""
    if not raw.strip():
        return "", "empty file", None
    if b"\x00" in raw[:8192]:
        return "", "binary file (contains NUL bytes); only text, HTML and JSONL are read", None
    warning: str | None = None
    try:
        decoded: str | None = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        decoded, warning = _decode_legacy(raw)
    if decoded is None:
        return "", "not valid UTF-8 and not plausibly text in another encoding", None
    text = decoded.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return "", "empty file (whitespace only)", None
    if _control_ratio(text) > 0.05:
        return "", "binary file (mostly control characters)", None
    return text, None, warning


def _decode_legacy(raw: bytes) -> tuple[str | None, str | None]:
    for encoding, label in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _control_ratio(text) <= 0.01:
            return text, f"not UTF-8; read as {label}"
    return None, None


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\n\t\f\v") or 0x7F <= ord(c) < 0xA0)
    return bad / max(1, len(sample))


def _text_article(path: Path, text: str, markdown: bool) -> Article | None:
    meta, body = _split_header(text, markdown)
    body = body.strip("\n")
    if not body.strip():
        return None
    title = meta.get("title") or (_markdown_title(body) if markdown else None)
    date = parse_date(meta.get("date") or meta.get("published") or "") or _stated_date(body)
    # A leading "date 2025-06-07" is metadata, not the article's first words.
    body = _LEADING_DATE.sub("", body, count=1)
    return make_article(
        key=str(path.resolve()),
        doc_id=path.stem,
        text=body,
        title=title,
        source=meta.get("source") or meta.get("outlet") or meta.get("publisher"),
        date=date,
        url=meta.get("url"),
        path=str(path.resolve()),
    )


def _split_header(text: str, markdown: bool) -> tuple[dict[str, str], str]:
    """Metadata from `---`-fenced front matter (markdown) or leading `Key: value` lines."""
    lines = text.split("\n")
    fenced = markdown and lines[0].strip() == "---"
    meta: dict[str, str] = {}
    index = 1 if fenced else 0
    while index < len(lines) and (match := _HEADER_LINE.match(lines[index].strip())):
        meta[match.group(1).lower()] = match.group(2).strip().strip("\"'")
        index += 1
    if fenced:
        if index < len(lines) and lines[index].strip() == "---":
            return meta, "\n".join(lines[index + 1 :])
        return {}, text
    return meta, "\n".join(lines[index:])


def _markdown_title(body: str) -> str | None:
    for line in body.split("\n"):
        if line.startswith("# "):
            return line[2:].strip()
    return None


def _stated_date(text: str) -> str | None:
    match = _STATED_DATE.search(text[:600])
    return parse_date(match.group(1)) if match else None


def _title_from_text(text: str) -> str:
    """The first line, skipping a short section label ("Political News") above a headline."""
    lines = [line.strip().lstrip("#").strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return ""
    title: str = lines[0]
    if len(lines) > 1 and len(title.split()) <= 3 and 3 < len(lines[1].split()) <= 25:
        title = lines[1]
    title = _STATED_DATE.sub("", title).strip() or title
    if len(title) > MAX_TITLE_CHARS:
        cut = title[:MAX_TITLE_CHARS].rsplit(" ", 1)[0]
        title = cut.rstrip(",;:—-") + "…"
    return title


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
        key=str(path.resolve()),
        doc_id=path.stem,
        text=text,
        title=document.get("title"),
        source=document.get("sitename"),
        date=parse_date(document.get("date") or "") or _stated_date(text),
        url=document.get("url"),
        path=str(path.resolve()),
    )


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
                result.skipped.append(Skipped(where, f"malformed JSON line ({_short(exc)})"))
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


def _short(exc: Exception) -> str:
    return str(exc).split("\n")[0][:80]
