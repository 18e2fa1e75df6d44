"""Ingest of uploaded files in the background, one at a time, with progress to poll.

The write lock is taken before a job is accepted, so a second writer (another upload, or a
`rag ingest` in a terminal) is told at once who holds the index."""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.app import Rag
from rag.errors import RagError
from rag.ingest.updates import IngestRun
from rag.shapes import ingest_report_json

SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")


@dataclass
class Job:
    id: str
    files: list[str]
    state: str = "running"  # running | done | failed
    embedded: int = 0
    seen: int = 0
    started: float = field(default_factory=time.time)
    report: dict[str, Any] | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "files": self.files,
            "embedded": self.embedded,
            "seen": self.seen,
            "seconds": round(time.time() - self.started, 1),
            "report": self.report,
            "error": self.error,
        }


def safe_name(name: str) -> str:
    """The file's own name only, in plain characters: nothing in an upload names a path."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name.replace("\\", "/")).name).lstrip(".")
    if not base or not base.lower().endswith(SUFFIXES):
        raise RagError(f"cannot ingest {name!r}: upload .txt, .md, .html or .jsonl files")
    return base[:120]


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
        names = [safe_name(name) for name, _ in files]
        run = self.rag.begin_ingest()
        job = Job(uuid.uuid4().hex[:12], names)
        folder = self.upload_dir / job.id
        paths = []
        try:
            folder.mkdir(parents=True)
            for name, (_, data) in zip(names, files, strict=True):
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

    def _run(self, job: Job, run: IngestRun, paths: list[Path]) -> None:
        def progress(embedded: int, seen: int) -> None:
            job.embedded, job.seen = embedded, seen

        try:
            report = run.run(paths, progress=progress)
            job.report = ingest_report_json(report)
            job.state = "done"
        except RagError as exc:
            job.error, job.state = str(exc), "failed"
        except Exception as exc:  # a bug: said on the page, not lost in a thread
            job.error, job.state = f"ingest failed: {type(exc).__name__}: {exc}", "failed"

    def get(self, job_id: str) -> Job | None:
        with self._guard:
            return self.jobs.get(job_id)
