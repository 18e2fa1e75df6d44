"""`rag stats` and `rag model export`: the index's figures, and the embedding model's fast form."""

from __future__ import annotations

from typing import Annotated

import typer

from rag.cli.common import Flag, IndexOption, JsonOption, StoreOption, settings_from
from rag.cli.output import err, print_json, say
from rag.errors import RagError
from rag.settings import resolve


def stats(index: IndexOption = None, store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Articles, chunks, duplicates, model and size of the index."""
    from rag.app import Rag
    from rag.shapes import figures_json

    with Rag.open(settings=settings_from(index, store=store)) as rag:
        figures = figures_json(rag.stats())
    if as_json:
        print_json(figures)
        return
    for name in ("index", "articles", "duplicates", "chunks", "model", "dimension", "chunking", "bytes"):
        say(f"{name:>10}: {figures[name]}")


def model_export(
    int8: Annotated[
        bool, Flag("--int8", help="Also make the dynamic int8 variant (RAG_EMBEDDER=minilm-int8).")
    ] = False,
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
