"""The `rag` command: a thin layer that resolves the settings once and calls the core functions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

import rag.cli.ingest  # noqa: E402, F401 - registers `rag ingest` first, as `rag --help` lists it
from rag.cli.common import (
    AsOfOption,
    BackendOption,
    BaseUrlOption,
    IndexOption,
    JsonOption,
    ModelOption,
    SinceOption,
    SourceOption,
    StoreOption,
    UntilOption,
    app,
    check_out,
    command,
    embedder_for,
    open_store,
    read_report,
    settings_from,
    store_option,
    write_out,
)
from rag.cli.output import (
    IngestProgress,
    QuestionProgress,
    err,
    print_json,
    render_answer,
    render_hits,
    say,
)
from rag.errors import RagError
from rag.inputs import check_question, filters_from
from rag.settings import resolve


@command
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", help="How many passages.", min=1, max=100)] = 5,
    index: IndexOption = None,
    store: StoreOption = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the passages that best match a query, with their article, outlet and date."""
    from rag.retrieve import RetrievalParams, retrieve
    from rag.types import hit_json

    check_question(query)
    filters = filters_from(None, None, None, as_of)
    settings = settings_from(index, store=store)
    embedder = embedder_for(settings)
    with open_store(settings, embedder) as opened:
        result = retrieve(opened, embedder, query, RetrievalParams(k=k, relevance_floor=-1.0, filters=filters))
    rows = [hit_json(hit) for hit in result.hits]
    if as_json:
        print_json(rows)
    else:
        render_hits(rows)


@command
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in words.")],
    index: IndexOption = None,
    store: StoreOption = None,
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    k: Annotated[int, typer.Option("-k", help="Passages to give the model.", min=1, max=50)] = 8,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_of: AsOfOption = None,
    show_context: Annotated[bool, typer.Option(help="Print the packed context given to the model.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Answer a question from the articles, every sentence cited and checked."""
    from rag.answer import answer_json
    from rag.answer import ask as run_ask
    from rag.embed import CachingEmbedder
    from rag.llm import make_llm
    from rag.prompt import Prompts
    from rag.retrieve import RetrievalParams

    check_question(question)
    filters = filters_from(source, since, until, as_of)
    settings = settings_from(index, backend, model, base_url, store)
    prompts = Prompts.load(settings.prompts, settings.model_cache)
    embedder = CachingEmbedder(embedder_for(settings))
    llm = make_llm(settings, embedder)
    streaming = not as_json and llm.writes and sys.stdout.isatty()
    with open_store(settings, embedder) as opened:
        result = run_ask(
            question,
            opened,
            embedder,
            llm,
            RetrievalParams(k=k, filters=filters),
            prompts,
            on_token=(lambda t: say(t, nl=False)) if streaming else None,
        )
    if as_json:
        payload = answer_json(result.answer)
        if show_context:
            payload["context"] = result.context.text
        print_json(payload)
        return
    if show_context:
        say(f"--- context ({result.context.tokens} tokens, {result.context.dropped} passages dropped)")
        say(result.context.text)
        say("---\n")
    if streaming:
        say("\n")
    render_answer(result.answer, streamed=streaming)


@command
def brief(
    topic: Annotated[str | None, typer.Argument(help="A topic or question; none = the whole index.")] = None,
    index: IndexOption = None,
    store: StoreOption = None,
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_of: AsOfOption = None,
    out: Annotated[Path | None, typer.Option(help="Write the briefing to this file as well.")] = None,
    as_json: JsonOption = False,
) -> None:
    """A consolidated briefing: agreements, differences, single-source claims, timeline, people."""
    from rag.brief import briefing_json, briefing_markdown, build_briefing
    from rag.embed import CachingEmbedder
    from rag.llm import make_llm
    from rag.prompt import BriefPrompts

    if topic is not None:
        check_question(topic)
    filters = filters_from(source, since, until, as_of)
    check_out(out)
    settings = settings_from(index, backend, model, base_url, store)
    embedder = CachingEmbedder(embedder_for(settings))
    llm = make_llm(settings, embedder)
    writer = llm if llm.writes else None
    prompts = BriefPrompts.load(settings.prompts, settings.model_cache) if writer else None
    with open_store(settings, embedder) as opened:
        briefing = build_briefing(opened, embedder, topic, filters, llm=writer, prompts=prompts)
    rendered = (
        json.dumps(briefing_json(briefing), ensure_ascii=False, indent=2) + "\n"
        if as_json
        else briefing_markdown(briefing)
    )
    if out:
        write_out(out, rendered)
    say(rendered, nl=False)


@command
def eval(  # noqa: A001 - the command is called eval
    dataset: Annotated[Path, typer.Argument(help="A gold-set folder (corpus.jsonl, questions.jsonl).")],
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    store: StoreOption = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.", min=1)] = None,
    kinds: Annotated[str | None, typer.Option(help="Comma-separated kinds, e.g. single,unanswerable")] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the JSON report to this file.")] = None,
    compare: Annotated[Path | None, typer.Option(help="An earlier JSON report to show deltas against.")] = None,
    gates: Annotated[
        Path | None, typer.Option(help="A thresholds file (eval/thresholds.json): show floors and targets.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Measure retrieval, answers, abstention and citations on a gold set, offline."""
    from rag.embed import CachingEmbedder
    from rag.eval.evaluate import eval_index, markdown, run_eval, summarize
    from rag.eval.gates import check_gates, gates_markdown, load_gates
    from rag.eval.gold import load_gold
    from rag.eval.stories import eval_stories
    from rag.ingest.chunk import ChunkParams
    from rag.llm import make_llm
    from rag.prompt import Prompts
    from rag.retrieve import RetrievalParams

    gold = load_gold(dataset)
    previous = read_report(compare) if compare else None
    thresholds = load_gates(gates, gold.name) if gates else None
    check_out(out)
    settings = settings_from(None, backend, model, base_url, store)
    embedder = CachingEmbedder(embedder_for(settings))
    llm = make_llm(settings, embedder)
    prompts = Prompts.load(settings.prompts, settings.model_cache)
    with IngestProgress(enabled=not as_json) as progress:
        opened = eval_index(
            gold, embedder.inner, ChunkParams(), settings.eval_cache, progress, settings.store, settings.qdrant_api_key
        )
    with opened, QuestionProgress(enabled=not as_json) as on_question:
        selected = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else ()
        results = run_eval(gold, opened, embedder, llm, RetrievalParams(), prompts, limit, selected, on_question)
        if not results and not (gold.stories and not gold.questions):
            raise RagError(f"no questions selected in {dataset}; check --kinds and --limit")
        report = {"dataset": gold.name, "backend": llm.name, **(summarize(results) if results else {"n": 0})}
        if gold.stories and not kinds:
            report["briefing"] = eval_stories(gold, opened, embedder, limit, on_question)
    verdicts = check_gates(report, thresholds) if thresholds else None
    if verdicts is not None:
        report["gates"] = [v.as_dict() for v in verdicts]
    if out:
        write_out(out, json.dumps(report, indent=2) + "\n")
    if as_json:
        print_json(report)
    else:
        say(markdown(report, previous))
        if verdicts is not None:
            say("\n" + gates_markdown(verdicts))
    if verdicts is not None and any(v.failed for v in verdicts):
        raise typer.Exit(1)


@command
def stats(index: IndexOption = None, store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Articles, chunks, duplicates, model and size of the index."""
    from rag.store.registry import open_index, stored_manifest

    settings = settings_from(index, store=store)
    manifest = stored_manifest(settings.store, settings.index, settings.qdrant_api_key)
    if manifest is None:
        location = settings.index if settings.store.kind == "local" else settings.store.describe()
        raise RagError(f"no index at {location}; build one with `rag ingest PATH {store_option(settings)}`")
    with open_index(settings.store, settings.index, manifest, api_key=settings.qdrant_api_key) as opened:
        figures = opened.figures()
    if as_json:
        print_json(figures)
        return
    for name in ("index", "articles", "duplicates", "chunks", "model", "dimension", "chunking", "bytes"):
        say(f"{name:>10}: {figures[name]}")


import rag.cli.serve  # noqa: E402, F401 - registers `rag serve` and `rag mcp`

model_app = typer.Typer(help="The embedding model: prepare its fast ONNX form ahead of time.", no_args_is_help=True)
app.add_typer(model_app, name="model")


@model_app.command("export")
def model_export(
    int8: Annotated[bool, typer.Option(help="Also make the dynamic int8 variant (RAG_EMBEDDER=minilm-int8).")] = False,
) -> None:
    """Convert the packaged MiniLM weights to ONNX in the model cache (done at first use otherwise)."""
    try:
        from rag.embed.minilm import WEIGHTS, cached_digest, packaged_model_path
        from rag.embed.onnx_model import export_onnx, onnx_dir

        cache = resolve().model_cache
        directory = packaged_model_path()
        target = onnx_dir(cache, cached_digest(directory / WEIGHTS, cache))
        typer.echo(f"ONNX model: {export_onnx(directory, target, int8=False)}")
        if int8:
            typer.echo(f"ONNX int8 model: {export_onnx(directory, target, int8=True)}")
    except RagError as exc:
        err(f"error: {exc}")
        raise typer.Exit(2) from None


def main() -> None:
    """The console script.

    It leaves through `os._exit` once its output is flushed: unloading numpy, faiss, onnxruntime
    and tiktoken at interpreter exit costs about 0.1 s of every command, and by then every store,
    lock and report a command opened has been closed by its own `with` block. A crash (a bug) is
    left to Python, traceback and all.
    """
    import os

    # The application, not the library, decides how the process talks to model hubs: never.
    for name, value in (
        ("HF_HUB_OFFLINE", "1"),
        ("TRANSFORMERS_OFFLINE", "1"),
        ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
        ("TRANSFORMERS_VERBOSITY", "error"),
        ("TOKENIZERS_PARALLELISM", "false"),
    ):
        os.environ.setdefault(name, value)
    try:
        app()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except RagError as exc:
        err(f"error: {exc}")
        code = 2
    except KeyboardInterrupt:
        err("interrupted")
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
