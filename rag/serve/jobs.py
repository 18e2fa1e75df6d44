"""Ingest of uploaded files in the background, one at a time, with progress to poll.

The write lock is taken before a job is accepted, so a second writer (another upload, or a
`rag ingest` in a terminal) is told at once who holds the index."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag.app import Rag
from rag.errors import RagError
from rag.ingest.sources import FetchTally
from rag.ingest.updates import IngestRun
from rag.shapes import ingest_report_json

SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")
MAX_STEM = 100  # characters of a stored name before its suffix
MAX_LINKS = 20  # links in one request: each may be a feed of many articles
MAX_LINK_CHARS = 2048


@dataclass
class Job:
    id: str
    files: list[str]
    links: list[str] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)  # {"file", "reason"} per file not taken
    state: str = "running"  # running | done | failed
    embedded: int = 0
    seen: int = 0
    started: float = field(default_factory=time.time)
    report: dict[str, Any] | None = None
    error: str | None = None
    fetched: dict[str, int] = field(default_factory=dict)  # links only: sources, pages, articles, skipped

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "files": self.files,
            "links": self.links,
            "refused": self.refused,
            "embedded": self.embedded,
            "seen": self.seen,
            "seconds": round(time.time() - self.started, 1),
            "report": self.report,
            "error": self.error,
            "fetched": self.fetched,
        }


def safe_name(name: str) -> str:
    """The file's own name only, in plain characters (nothing in an upload names a path), its
    stem cut to MAX_STEM characters and its suffix kept; a RagError says why a file is refused."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name.replace("\\", "/")).name).lstrip(".")
    if not base or not base.lower().endswith(SUFFIXES):
        raise RagError("not a .txt, .md, .html or .jsonl file")
    stem, suffix = _split(base)
    return stem[:MAX_STEM] + suffix


def stored_names(
    names: list[str], taken: Callable[[list[str]], set[str]]
) -> tuple[list[str | None], list[dict[str, str]]]:
    """The name each uploaded file is stored under (None for a refused file), and the refusals.

    Files whose id would be their name's stem (all but JSONL, whose lines carry their own ids)
    get a stem that no other file of the upload and no article of the index has, so each
    becomes an article of its own that can be opened: `a b.txt`, `a?b.txt` and a second
    `a_b.txt` are stored as `a_b.txt`, `a_b-2.txt` and `a_b-3.txt`."""
    safe: list[str | None] = []
    refused = []
    for name in names:
        try:
            safe.append(safe_name(name))
        except RagError as exc:
            safe.append(None)
            refused.append({"file": name, "reason": str(exc)})
    stems = [_split(s)[0] for s in safe if s is not None and not s.lower().endswith(".jsonl")]
    used = taken(stems)
    stored: list[str | None] = []
    for kept in safe:
        if kept is None or kept.lower().endswith(".jsonl"):
            stored.append(kept)
            continue
        stem, suffix = _split(kept)
        candidate, number = stem, 1
        while candidate in used:
            number += 1
            candidate = f"{stem}-{number}"
        used.add(candidate)
        stored.append(candidate + suffix)
    return stored, refused


def checked_links(given: list[str]) -> list[str]:
    """The http(s) links of a request (blanks ignored), or a RagError that says what is wrong
    with them. Where a link leads is checked when it is fetched: a private or loopback address
    is refused then, unless the server was started with --allow-private."""
    links = [link.strip() for link in given if link.strip()]
    if not links:
        raise RagError("no links given; paste one or more http(s) addresses of feeds, pages, sitemaps or OPML lists")
    if len(links) > MAX_LINKS:
        raise RagError(f"{len(links)} links at once; give at most {MAX_LINKS} (a feed or OPML list brings many)")
    for link in links:
        if len(link) > MAX_LINK_CHARS:
            raise RagError(f"a link of {len(link)} characters; links up to {MAX_LINK_CHARS} are taken")
        if not link.lower().startswith(("http://", "https://")) or not link.isprintable():
            raise RagError(f"not an http(s) link: {link[:80]!r}; give addresses starting with http:// or https://")
    return list(dict.fromkeys(links))


def _split(name: str) -> tuple[str, str]:
    suffix = next(s for s in SUFFIXES if name.lower().endswith(s))
    return name[: -len(suffix)], name[-len(suffix) :]


class Ingests:
    """The uploads folder and the jobs that ingest from it."""

    def __init__(self, rag: Rag, upload_dir: Path) -> None:
        self.rag = rag
        self.upload_dir = upload_dir
        self.jobs: dict[str, Job] = {}
        self._guard = threading.Lock()

    def start(self, files: list[tuple[str, bytes]]) -> Job:
        """Store the files and ingest them in a thread; raises IndexBusyError if another
        writer holds the index."""
        if not files:
            raise RagError("no files in the upload; choose one or more .txt, .md, .html or .jsonl files")
        run = self.rag.begin_ingest()  # names are chosen under the write lock: no upload races another
        try:
            stored, refused = stored_names([name for name, _ in files], self._taken)
            if not any(stored):
                reasons = "; ".join(f"{r['file']!r}: {r['reason']}" for r in refused[:3])
                raise RagError(f"no file in the upload can be ingested ({reasons}); upload .txt, .md, .html or .jsonl")
            job = Job(uuid.uuid4().hex[:12], [name for name in stored if name], refused=refused)
            folder = self.upload_dir / job.id
            folder.mkdir(parents=True)
            paths = []
            for name, (_, data) in zip(stored, files, strict=True):
                if name is not None:
                    path = folder / name
                    path.write_bytes(data)
                    paths.append(path)
        except BaseException:
            run.close()
            raise
        with self._guard:
            self.jobs[job.id] = job
        threading.Thread(target=self._run, args=(job, run, paths), daemon=True, name=f"ingest-{job.id}").start()
        return job

    def start_links(self, given: list[str]) -> Job:
        """Fetch and ingest the links in a thread, and follow the feeds, lists and sitemaps
        among them, as `rag ingest URL` does."""
        links = checked_links(given)
        run = self.rag.begin_ingest()
        job = Job(uuid.uuid4().hex[:12], [], links)
        with self._guard:
            self.jobs[job.id] = job
        threading.Thread(target=self._run, args=(job, run, [], links), daemon=True, name=f"ingest-{job.id}").start()
        return job

    def _run(self, job: Job, run: IngestRun, paths: list[Path], links: list[str] | None = None) -> None:
        def progress(embedded: int, seen: int) -> None:
            job.embedded, job.seen = embedded, seen

        def fetching(tally: FetchTally) -> None:
            job.fetched = asdict(tally)

        try:
            report = run.run(paths, links or (), progress=progress, fetch_progress=fetching)
            job.report = ingest_report_json(report)
            job.state = "done"
        except RagError as exc:
            job.error, job.state = str(exc), "failed"
        except Exception as exc:  # a bug: said on the page, not lost in a thread
            job.error, job.state = f"ingest failed: {type(exc).__name__}: {exc}", "failed"

    def _taken(self, stems: list[str]) -> set[str]:
        """Which of these ids articles of the index already have (none before the first ingest)."""
        return set(self.rag.taken_ids(stems))

    def get(self, job_id: str) -> Job | None:
        with self._guard:
            return self.jobs.get(job_id)
