"""What the CLI prints for a person: ingest reports, answers, progress lines."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

from rag.shapes import ingest_report_json
from rag.terminal import one_line, path_text, printable, title

if TYPE_CHECKING:
    from rag.ingest.sources import FetchTally


def say(text: str, nl: bool = True) -> None:
    """Print for a person: control characters and escape sequences from untrusted text removed."""
    typer.echo(printable(text), nl=nl)


def err(message: str) -> None:
    """One line on stderr, whatever the message carries (file names may hold newlines)."""
    typer.echo(one_line(message), err=True)


def print_json(value: Any) -> None:
    """JSON on stdout; non-ASCII kept readable unless the text holds what UTF-8 cannot encode."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, ensure_ascii=True, indent=2)
    typer.echo(text)


def report_ingest(report: Any, as_json: bool) -> None:
    if as_json:
        print_json(ingest_report_json(report))
        return
    for skipped in report.skipped:
        err(f"skipped {path_text(skipped.path)}: {skipped.reason}")
    for warning in report.warnings:
        err(f"warning: {warning}")
    if not report.ingested_anything and not report.pruned and not report.chunks:
        if report.skipped:
            err("error: nothing could be ingested; fix the files above and run again")
        return
    if not (report.added or report.updated or report.duplicates or report.pruned or report.chunks):
        say(f"Nothing to do: {report.unchanged} articles unchanged.")
        return
    rate = f" ({report.chunks / report.seconds:.1f} chunks/s)" if report.seconds and report.chunks else ""
    say(
        f"Ingested: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.duplicates} duplicates, {report.pruned} pruned; {report.chunks} chunks embedded "
        f"in {report.seconds:.1f} s{rate}."
    )
    for article, original in report.duplicate_pairs:
        say(f"  {one_line(article)} is a near-duplicate of {one_line(original)}: recorded, not embedded again")


def render_answer(answer: Any, streamed: bool) -> None:
    """The answer for a person: each sentence with its citations, the disagreements, then the
    sources. Unless the model's text was streamed as it came (keys and all), citations are
    numbered [1], [2], ... in the order they first appear, whatever the passages' retrieval ranks."""
    if answer.abstained:
        say(answer.text)
        if answer.abstain_reason:
            say(f"({one_line(answer.abstain_reason)})")
        return
    number = {key: key for key in _cited_keys(answer)} if streamed else _numbered(answer)

    def marks(keys: Any) -> str:
        return "".join(f"[{number.get(k, k)}]" for k in keys)

    if not streamed:
        if answer.lead:
            say(answer.lead)
        for sentence in answer.sentences:
            note = f" {one_line(sentence.note)}" if sentence.note else ""
            flag = "" if sentence.supported else ("  ⚠ unsupported" if sentence.citations else "  ⚠ uncited")
            say(f"{one_line(sentence.text)} {marks(sentence.citations)}{note}{flag}".replace(" " + "  ", "  ").rstrip())
    else:
        for sentence in answer.sentences:
            if not sentence.supported:
                say(f"⚠ not supported by its sources: {one_line(sentence.text)}")
    if streamed and answer.conflicts:
        say("\nThe sources disagree:")
        for conflict in answer.conflicts:
            for position in conflict.answers:
                outlets = f" ({'; '.join(one_line(s, 80) for s in position.sources)})" if position.sources else ""
                say(f"  • {one_line(position.text)} {marks(position.citations)}{outlets}")
    if answer.truncated:
        say("⚠ the model's reply was too long and was cut; only its beginning is shown and checked")
    if answer.invalid_citations:
        keys = ", ".join(f"[{k}]" for k in answer.invalid_citations)
        say(f"⚠ removed citations that name no source: {keys}")
    if answer.sources:
        say("\nSources:")
    for item in sorted(answer.sources, key=lambda s: number.get(s.key, s.key)):
        hit = item.hit
        say(f"[{number.get(item.key, item.key)}] {_described(hit.title, hit.source, hit.date, hit.url)}")
        if item.quote:
            say(f'    "{one_line(item.quote)}"')


def _cited_keys(answer: Any) -> list[int]:
    """Passage keys in the order a reader meets them: the sentences' citations, then the
    disagreements', then any other source."""
    keys = [k for s in answer.sentences for k in s.citations]
    keys += [k for c in answer.conflicts for position in c.answers for k in position.citations]
    keys += [s.key for s in answer.sources]
    return list(dict.fromkeys(keys))


def _numbered(answer: Any) -> dict[int, int]:
    return {key: n for n, key in enumerate(_cited_keys(answer), start=1)}


def _described(title_text: str, source: str | None, date: str | None, url: str | None) -> str:
    meta = ", ".join(one_line(v, 80) for v in (source, date) if v)
    return title(title_text) + (f" ({meta})" if meta else "") + (f" {one_line(url, 300)}" if url else "")


def render_hits(rows: list[dict[str, Any]]) -> None:
    if not rows:
        say("No passages found.")
    for rank, row in enumerate(rows, start=1):
        say(f"{rank}. {_described(row['title'], row['source'], row['date'], None)}  score {row['score']:.3f}")
        say(f"   {one_line(row['text'])}\n")


class _Progress:
    """A transient rich progress display on a terminal; nothing otherwise (or with --json)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._bar: Any = None

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


class IngestProgress(_Progress):
    """Chunks embedded, articles read, and both per second (on Ray: across the cluster, as the
    driver receives them); for links, also the sources, pages, articles and skips of the run."""

    def __enter__(self) -> IngestProgress:
        if not self.enabled:
            return self
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.fields[web]}"),
            TextColumn("embedding: {task.fields[chunks]} chunks from {task.fields[articles]} articles"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("ingest", chunks=0, articles=0, rate="", web="")
        self._started = time.perf_counter()
        return self

    @property
    def embedding(self) -> Callable[[int, int], None] | None:
        return self._embedded if self._bar is not None else None

    @property
    def fetching(self) -> Callable[[FetchTally], None] | None:
        return self._fetched if self._bar is not None else None

    def _embedded(self, chunks: int, articles: int) -> None:
        elapsed = time.perf_counter() - self._started
        rate = f"{articles / elapsed:.1f} articles/s, {chunks / elapsed:.1f} chunks/s" if elapsed > 0 else ""
        self._bar.update(self._task, chunks=chunks, articles=articles, rate=rate)

    def _fetched(self, tally: FetchTally) -> None:
        web = (
            f"web: {tally.sources} sources, {tally.pages} pages, {tally.articles} new or changed, "
            f"{tally.skipped} skipped"
        )
        self._bar.update(self._task, web=web)


class QuestionProgress(_Progress):
    """Questions answered out of all the evaluation's questions."""

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not self.enabled:
            return None
        from rich.progress import Progress

        self._bar = Progress(transient=True)
        self._bar.start()
        task = self._bar.add_task("questions", total=None)

        def update(done: int, total: int) -> None:
            self._bar.update(task, completed=done, total=total)

        return update
