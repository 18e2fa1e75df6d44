"""`rag eval`: measure retrieval, answers, abstention, citations and briefings on a gold set,
through the same `Rag` as every other door."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal

import typer

from rag.cli.common import (
    BackendOption,
    BaseUrlOption,
    JsonOption,
    ModelOption,
    StoreOption,
    check_out,
    open_rag,
    read_report,
    settings_from,
    write_out,
)
from rag.cli.output import IngestProgress, QuestionProgress, print_json, say
from rag.errors import RagError


def eval(  # noqa: A001 - the command is called eval
    dataset: Annotated[
        Path, typer.Argument(metavar="DATASET_DIR", help="A gold-set folder (corpus.jsonl, questions.jsonl).")
    ],
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    store: StoreOption = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.", min=1)] = None,
    kinds: Annotated[str | None, typer.Option(help="Comma-separated kinds, e.g. single,unanswerable")] = None,
    half: Annotated[
        Literal["tune", "check"] | None,
        typer.Option(
            help="Only one half of the questions, split by a hash of their ids: tune (thresholds "
            "in rag/ are chosen on it) or check (the CI gates measure it).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the JSON report to this file.")] = None,
    compare: Annotated[Path | None, typer.Option(help="An earlier JSON report to show deltas against.")] = None,
    gates: Annotated[
        Path | None, typer.Option(help="A thresholds file (eval/thresholds.json): show floors and targets.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Measure retrieval, answers, abstention and citations on a gold set, offline."""
    from rag.eval.evaluate import eval_index, markdown, run_eval, summarize
    from rag.eval.gates import ALL, check_gates, gates_markdown, load_gates, part_name
    from rag.eval.gold import load_gold
    from rag.eval.stories import eval_stories, grouping_scores
    from rag.retrieve import RetrievalParams

    part = half or ALL
    gold = load_gold(dataset)
    if half:
        gold = gold.half(half)
    previous = read_report(compare) if compare else None
    if previous is not None and previous.get("half", ALL) != part:
        measured = part_name(str(previous.get("half", ALL)))
        raise RagError(f"{compare} measured {measured} and this run {part_name(part)}: compare the same questions")
    thresholds = load_gates(gates, gold.name, part) if gates else None
    check_out(out)
    # An evaluation measures the embedder asked for (RAG_EMBEDDER, or the default), whatever
    # model an index lying in the working folder was built with (rag.index_model).
    settings = replace(settings_from(None, backend, model, base_url, store), embedder_named=True)
    app = open_rag(settings)
    with IngestProgress(enabled=not as_json) as progress:
        opened = eval_index(
            gold,
            app.embedder.inner,
            app.chunk_params(),
            settings.eval_cache,
            progress.embedding,
            settings.store,
            settings.qdrant_api_key,
        )
    with opened, app.over(opened) as rag, QuestionProgress(enabled=not as_json) as on_question:
        selected = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else ()
        results = run_eval(gold, rag, RetrievalParams(), limit, selected, on_question)
        if not results and not (gold.stories and not gold.questions):
            raise RagError(f"no questions selected in {dataset}; check --kinds, --limit and --half")
        report = {
            "dataset": gold.name,
            "half": part,
            "backend": rag.llm.name,
            **(summarize(results) if results else {"n": 0}),
        }
        if gold.stories and not kinds:
            report["stories"] = grouping_scores(gold, rag)
            report["briefing"] = eval_stories(gold, rag, limit, on_question)
    verdicts = check_gates(report, thresholds) if thresholds else None
    if verdicts is not None:
        report["gates"] = [v.as_dict() for v in verdicts]
    if out:
        write_out(out, json.dumps(report, indent=2) + "\n")
    if as_json:
        print_json(report)
    else:
        say(markdown({**report, "dataset": f"{gold.name}, {part_name(part)}"} if half else report, previous))
        if verdicts is not None:
            say("\n" + gates_markdown(verdicts))
    if verdicts is not None and any(v.failed for v in verdicts):
        raise typer.Exit(1)
