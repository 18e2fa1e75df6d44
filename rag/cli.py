"""The `rag` command: a thin layer that turns flags into calls of the core functions."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rag.errors import RagError

if TYPE_CHECKING:
    from rag.embed import Embedder
    from rag.store import Store

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Cited answers, briefings and evaluations over your news articles, offline.",
)

IndexOption = Annotated[
    Path | None,
    typer.Option("--index", help="Index folder [env RAG_INDEX; default ./index]", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def command(function: Callable[..., None]) -> Callable[..., None]:
    """Register a command whose user errors print one line and exit 2, never a traceback."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> None:
        import sqlite3

        try:
            function(*args, **kwargs)
        except RagError as exc:
            _err(f"error: {exc}")
            raise typer.Exit(2) from None
        except sqlite3.DatabaseError as exc:
            _err(
                f"error: the index database is unreadable ({exc}); it is corrupted: move the index folder aside "
                "and re-ingest your files"
            )
            raise typer.Exit(2) from None

    app.command()(run)
    return run


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _embedder() -> Embedder:
    import os

    from rag.embed import load_embedder

    return load_embedder(os.environ.get("RAG_EMBEDDER", "minilm"))


def _open_store(index: Path | None, embedder: Embedder) -> Store:
    from rag.chunk import ChunkParams
    from rag.indexer import manifest_for
    from rag.settings import index_dir
    from rag.store import Store

    return Store.open(index_dir(index), manifest_for(embedder, ChunkParams()))


@command
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (.txt .md .html .jsonl).")] = None,
    index: IndexOption = None,
    prune: Annotated[bool, typer.Option("--prune", help="Remove articles whose files are gone.")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild the FAISS index from SQLite.")] = False,
    reembed: Annotated[bool, typer.Option("--reembed", help="Re-chunk and re-embed every stored article.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for another writer instead of stopping.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Add articles to the index; unchanged files are skipped, changed ones replaced."""
    from rag.chunk import ChunkParams
    from rag.indexer import IngestReport, manifest_for
    from rag.indexer import ingest as run_ingest
    from rag.indexer import reembed as run_reembed
    from rag.settings import index_dir
    from rag.store import DB_NAME, Store

    paths = paths or []
    if not paths and not (rebuild or reembed or prune):
        raise RagError("nothing to ingest; give files or folders, e.g. `rag ingest seeds/`")
    directory = index_dir(index)
    existed = (directory / DB_NAME).exists()
    folder_existed = directory.exists()
    if paths and not any(p.exists() for p in paths):
        missing = ", ".join(str(p) for p in paths)
        raise RagError(f"no such file or folder: {missing}; check the path")
    embedder = _embedder()
    params = ChunkParams()
    store = Store.open(directory, manifest_for(embedder, params), create=True, check=not reembed)
    try:
        store.acquire_lock(wait=wait)
        with _progress(enabled=not as_json) as progress:
            if reembed:
                report = run_reembed(store, embedder, params, progress)
            else:
                report = IngestReport()
            if paths or prune:
                report = run_ingest(store, embedder, paths, params, prune=prune, progress=progress)
            if rebuild:
                store.rebuild_faiss()
    finally:
        store.close()
    if not existed and not report.ingested_anything:
        _remove_index(directory, remove_folder=not folder_existed)
    _report_ingest(report, as_json)
    if paths and not report.ingested_anything:
        raise typer.Exit(1)


def _remove_index(directory: Path, remove_folder: bool) -> None:
    """Undo an index this run created and filled with nothing: only the files rag writes."""
    from rag.store import DB_NAME, LOCK_NAME

    for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", LOCK_NAME):
        (directory / name).unlink(missing_ok=True)
    for stale in directory.glob("vectors-*.faiss"):
        stale.unlink()
    if remove_folder and not any(directory.iterdir()):
        directory.rmdir()


def _report_ingest(report: Any, as_json: bool) -> None:
    if as_json:
        _print_json(report.as_dict())
        return
    for skipped in report.skipped:
        _err(f"skipped {skipped.path}: {skipped.reason}")
    for warning in report.warnings:
        _err(f"warning: {warning}")
    if not report.ingested_anything and not report.pruned and not report.chunks:
        if report.skipped:
            _err("error: nothing could be ingested; fix the files above and run again")
        return
    if not (report.added or report.updated or report.duplicates or report.pruned or report.chunks):
        typer.echo(f"Nothing to do: {report.unchanged} articles unchanged.")
        return
    rate = f" ({report.chunks / report.seconds:.1f} chunks/s)" if report.seconds and report.chunks else ""
    typer.echo(
        f"Ingested: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.duplicates} duplicates, {report.pruned} pruned; {report.chunks} chunks embedded "
        f"in {report.seconds:.1f} s{rate}."
    )
    for article, original in report.duplicate_pairs:
        typer.echo(f"  {article} is a near-duplicate of {original}: recorded, not embedded again")


class _progress:
    """A rich progress line with chunks/s on a terminal; silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("embedding: {task.fields[chunks]} chunks from {task.fields[articles]} articles"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            transient=True,
        )
        self._bar.start()
        task = self._bar.add_task("ingest", chunks=0, articles=0, rate="")
        import time

        started = time.perf_counter()

        def update(chunks: int, articles: int) -> None:
            elapsed = time.perf_counter() - started
            rate = f"{chunks / elapsed:.1f} chunks/s" if elapsed > 0 else ""
            self._bar.update(task, chunks=chunks, articles=articles, rate=rate)

        return update

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


@command
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", help="How many passages.", min=1, max=100)] = 5,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the passages that best match a query, with their article, outlet and date."""
    from rag.retrieve import RetrievalParams, retrieve

    _check_question(query)
    embedder = _embedder()
    with _open_store(index, embedder) as store:
        result = retrieve(store, embedder, query, RetrievalParams(k=k, relevance_floor=-1.0))
    rows = [
        {
            "article_id": hit.doc_id,
            "chunk_id": hit.chunk_id,
            "title": hit.title,
            "source": hit.source,
            "date": hit.date,
            "text": hit.text,
            "score": round(hit.dense_score if hit.dense_score is not None else 0.0, 4),
        }
        for hit in result.hits
    ]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("No passages found.")
    for rank, row in enumerate(rows, start=1):
        meta = " · ".join(str(v) for v in (row["source"], row["date"]) if v)
        typer.echo(f"{rank}. {row['title']}" + (f" ({meta})" if meta else "") + f"  score {row['score']:.3f}")
        typer.echo(f"   {row['text']}\n")


@command
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in words.")],
    index: IndexOption = None,
    backend: Annotated[
        str | None, typer.Option(help="extractive (offline) or openai [env RAG_BACKEND]", show_default=False)
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name on the server [env RAG_MODEL]")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL [env RAG_BASE_URL]")] = None,
    k: Annotated[int, typer.Option("-k", help="Passages to give the model.", min=1, max=50)] = 8,
    source: Annotated[list[str] | None, typer.Option(help="Only this outlet (repeatable).")] = None,
    since: Annotated[str | None, typer.Option(help="Only articles dated on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Only articles dated on or before YYYY-MM-DD.")] = None,
    show_context: Annotated[bool, typer.Option(help="Print the packed context given to the model.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Answer a question from the articles, every sentence cited and checked."""
    from rag.answer import answer_json
    from rag.answer import ask as run_ask
    from rag.embed import CachingEmbedder
    from rag.llm import make_llm, resolve_backend
    from rag.prompt import Prompts
    from rag.retrieve import RetrievalParams

    _check_question(question)
    filters = _filters(source, since, until)
    prompts = Prompts.load()
    embedder = CachingEmbedder(_embedder())
    llm = make_llm(resolve_backend(backend, model, base_url), embedder)
    streaming = not as_json and llm.name != "extractive" and sys.stdout.isatty()
    with _open_store(index, embedder) as store:
        result = run_ask(
            question,
            store,
            embedder,
            llm,
            RetrievalParams(k=k, filters=filters),
            prompts,
            on_token=(lambda t: typer.echo(t, nl=False)) if streaming else None,
        )
    if as_json:
        payload = answer_json(result.answer)
        if show_context:
            payload["context"] = result.context.text
        _print_json(payload)
        return
    if show_context:
        typer.echo(f"--- context ({result.context.tokens} tokens, {result.context.dropped} passages dropped)")
        typer.echo(result.context.text)
        typer.echo("---\n")
    if streaming:
        typer.echo("\n")
    _render_answer(result.answer, streamed=streaming)


@command
def brief(
    topic: Annotated[str | None, typer.Argument(help="A topic or question; none = the whole index.")] = None,
    index: IndexOption = None,
    backend: Annotated[str | None, typer.Option(help="extractive (offline) or openai [env RAG_BACKEND]")] = None,
    model: Annotated[str | None, typer.Option(help="Model name on the server [env RAG_MODEL]")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL [env RAG_BASE_URL]")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only this outlet (repeatable).")] = None,
    since: Annotated[str | None, typer.Option(help="Only articles dated on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Only articles dated on or before YYYY-MM-DD.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the briefing to this file as well.")] = None,
    as_json: JsonOption = False,
) -> None:
    """A consolidated briefing: agreements, differences, single-source claims, timeline, people."""
    from rag.brief import briefing_json, briefing_markdown, build_briefing
    from rag.embed import CachingEmbedder
    from rag.llm import make_llm, resolve_backend
    from rag.prompt import BriefPrompts

    if topic is not None:
        _check_question(topic)
    filters = _filters(source, since, until)
    embedder = CachingEmbedder(_embedder())
    llm = make_llm(resolve_backend(backend, model, base_url), embedder)
    prompts = BriefPrompts.load() if llm.name != "extractive" else None
    with _open_store(index, embedder) as store:
        briefing = build_briefing(store, embedder, topic, filters, llm=llm, prompts=prompts)
    rendered = (
        json.dumps(briefing_json(briefing), ensure_ascii=False, indent=2) + "\n"
        if as_json
        else briefing_markdown(briefing)
    )
    if out:
        out.write_text(rendered, encoding="utf-8")
    typer.echo(rendered, nl=False)


def _render_answer(answer: Any, streamed: bool) -> None:
    if answer.abstained:
        typer.echo(answer.text)
        return
    if not streamed:
        for sentence in answer.sentences:
            marks = "".join(f"[{k}]" for k in sentence.citations)
            flag = "" if sentence.supported else ("  ⚠ unsupported" if sentence.citations else "  ⚠ uncited")
            typer.echo(f"{sentence.text} {marks}{flag}".replace(" " + "  ", "  ").rstrip())
    else:
        for sentence in answer.sentences:
            if not sentence.supported:
                typer.echo(f"⚠ not supported by its sources: {sentence.text}")
    if answer.invalid_citations:
        keys = ", ".join(f"[{k}]" for k in answer.invalid_citations)
        typer.echo(f"⚠ removed citations that name no source: {keys}")
    if answer.sources:
        typer.echo("\nSources:")
    for item in answer.sources:
        hit = item.hit
        meta = ", ".join(str(v) for v in (hit.source, hit.date) if v)
        typer.echo(f"[{item.key}] {hit.title}" + (f" ({meta})" if meta else "") + (f" {hit.url}" if hit.url else ""))
        if item.quote:
            typer.echo(f'    "{item.quote}"')


@command
def eval(  # noqa: A001 - the command is called eval
    dataset: Annotated[Path, typer.Argument(help="A gold-set folder (corpus.jsonl, questions.jsonl).")],
    backend: Annotated[str | None, typer.Option(help="extractive or openai [env RAG_BACKEND]")] = None,
    model: Annotated[str | None, typer.Option(help="Model name on the server [env RAG_MODEL]")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL [env RAG_BASE_URL]")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.", min=1)] = None,
    kinds: Annotated[str | None, typer.Option(help="Comma-separated kinds, e.g. single,unanswerable")] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the JSON report to this file.")] = None,
    compare: Annotated[Path | None, typer.Option(help="An earlier JSON report to show deltas against.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Measure retrieval, answers, abstention and citations on a gold set, offline."""
    from rag.chunk import ChunkParams
    from rag.embed import CachingEmbedder
    from rag.evaluate import eval_index, eval_stories, markdown, run_eval, summarize
    from rag.gold import load_gold
    from rag.llm import make_llm, resolve_backend
    from rag.prompt import Prompts
    from rag.retrieve import RetrievalParams

    gold = load_gold(dataset)
    previous = _read_report(compare) if compare else None
    embedder = CachingEmbedder(_embedder())
    llm = make_llm(resolve_backend(backend, model, base_url), embedder)
    prompts = Prompts.load()
    with _progress(enabled=not as_json) as progress:
        store = eval_index(gold, embedder.inner, ChunkParams(), progress)
    with store, _question_progress(enabled=not as_json) as on_question:
        results = run_eval(
            gold,
            store,
            embedder,
            llm,
            RetrievalParams(),
            prompts,
            limit,
            [k.strip() for k in kinds.split(",") if k.strip()] if kinds else (),
            on_question,
        )
        if not results:
            raise RagError(f"no questions selected in {dataset}; check --kinds and --limit")
        report = {"dataset": gold.name, "backend": llm.name, **summarize(results)}
        if gold.stories and not kinds:
            report["briefing"] = eval_stories(gold, store, embedder)
    if out:
        out.write_text(json.dumps(report, indent=2) + "\n")
    if as_json:
        _print_json(report)
    else:
        typer.echo(markdown(report, previous))


def _read_report(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise RagError(f"cannot read the report to compare against, {path}: {exc}") from None
    if not isinstance(value, dict) or "n" not in value:
        raise RagError(f"{path} is not a report written by `rag eval --json`/`--out`")
    return value


class _question_progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._bar: Any = None

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

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _filters(source: list[str] | None, since: str | None, until: str | None) -> Any:
    from rag.ingest import parse_date
    from rag.store import Filters

    dates = []
    for name, value in (("--since", since), ("--until", until)):
        parsed = parse_date(value) if value else None
        if value and parsed is None:
            raise RagError(f"{name} {value!r} is not a date; use YYYY-MM-DD")
        dates.append(parsed)
    return Filters(tuple(source or ()), dates[0], dates[1])


def _check_question(text: str) -> None:
    from rag.text import words

    if not text.strip():
        raise RagError('the question is empty; ask something, e.g. rag ask "who offered asylum?"')
    if len(text) > 4000:
        raise RagError(f"the question is {len(text)} characters long; keep it under 4,000")
    if not words(text):
        raise RagError("the question has no words in it; ask in words")


@command
def stats(index: IndexOption = None, as_json: JsonOption = False) -> None:
    """Articles, chunks, duplicates, model and size of the index."""
    from rag.settings import index_dir
    from rag.store import Store

    directory = index_dir(index)
    manifest = Store.read_manifest(directory)
    if manifest is None:
        raise RagError(f"no index at {directory}; build one with `rag ingest PATH --index {directory}`")
    with Store.open(directory, manifest) as store:
        figures: dict[str, Any] = {
            **store.counts(),
            "model": manifest.fingerprint,
            "dimension": manifest.dimension,
            "chunking": manifest.chunking,
            "bytes": store.size_bytes(),
            "index": str(directory),
        }
    if as_json:
        _print_json(figures)
        return
    for name in ("index", "articles", "duplicates", "chunks", "model", "dimension", "chunking", "bytes"):
        typer.echo(f"{name:>10}: {figures[name]}")


model_app = typer.Typer(help="The embedding model: prepare its fast ONNX form ahead of time.", no_args_is_help=True)
app.add_typer(model_app, name="model")


@model_app.command("export")
def model_export(
    int8: Annotated[bool, typer.Option(help="Also make the dynamic int8 variant (RAG_EMBEDDER=minilm-int8).")] = False,
) -> None:
    """Convert the packaged MiniLM weights to ONNX in the model cache (done at first use otherwise)."""
    try:
        from rag.embed import cached_digest, model_cache, packaged_model_path
        from rag.onnx_model import export_onnx, onnx_dir

        directory = packaged_model_path()
        target = onnx_dir(cached_digest(directory / "model.safetensors", model_cache()))
        path = export_onnx(directory, target, int8=False)
        typer.echo(f"ONNX model: {path}")
        if int8:
            typer.echo(f"ONNX int8 model: {export_onnx(directory, target, int8=True)}")
    except RagError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(2) from None


def main() -> None:
    """The console script.

    It leaves through `os._exit` once its output is flushed: unloading numpy, faiss, onnxruntime
    and tiktoken at interpreter exit costs about 0.1 s of every command, and by then every store,
    lock and report a command opened has been closed by its own `with` block. A crash (a bug) is
    left to Python, traceback and all.
    """
    try:
        app()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except RagError as exc:
        _err(f"error: {exc}")
        code = 2
    except KeyboardInterrupt:
        _err("interrupted")
        code = 130
    _leave(code)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _leave(code: int) -> None:
    import os

    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            # A reader that went away (`rag ask … | head -1`) or a closed stream: nothing to lose.
            code = code or 1
    os._exit(code)


if __name__ == "__main__":
    main()
