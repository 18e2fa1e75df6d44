"""`rag ingest`: bring an index up to date with files and folders, here or on Ray."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rag.cli.common import IndexOption, JsonOption, StoreOption, command, embedder_for
from rag.cli.output import IngestProgress, report_ingest
from rag.errors import RagError
from rag.settings import Flags, resolve


@command
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (.txt .md .html .jsonl).")] = None,
    index: IndexOption = None,
    store: StoreOption = None,
    prune: Annotated[bool, typer.Option("--prune", help="Remove articles whose files are gone.")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild the FAISS index from SQLite.")] = False,
    reembed: Annotated[bool, typer.Option("--reembed", help="Re-chunk and re-embed every stored article.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for another writer instead of stopping.")] = False,
    ray: Annotated[
        bool, typer.Option("--ray", help="Read, chunk and embed on Ray (a local one unless an address is given).")
    ] = False,
    ray_address: Annotated[
        str | None,
        typer.Option(help="A Ray cluster to use, e.g. ray://head:10001 (implies --ray) [env RAG_RAY_ADDRESS]"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add articles to the index; unchanged files are skipped, changed ones replaced."""
    from rag.ingest.chunk import ChunkParams
    from rag.ingest.pipeline import IngestReport, manifest_for
    from rag.ingest.pipeline import ingest as run_ingest
    from rag.ingest.pipeline import reembed as run_reembed
    from rag.store.registry import index_exists, open_index, remove_new_index

    paths = paths or []
    if not paths and not (rebuild or reembed or prune):
        raise RagError("nothing to ingest; give files or folders, e.g. `rag ingest seeds/`")
    settings = resolve(Flags(index=index, store=store, ray_address=ray_address))
    use_ray = ray or ray_address is not None
    directory = settings.index
    existed = index_exists(settings.store, directory, settings.qdrant_api_key)
    folder_existed = (settings.store.path or directory).exists()
    if paths and not any(p.exists() for p in paths):
        missing = ", ".join(str(p) for p in paths)
        raise RagError(f"no such file or folder: {missing}; check the path")
    embedder = embedder_for(settings)
    params = ChunkParams()
    opened = open_index(
        settings.store,
        directory,
        manifest_for(embedder, params),
        create=True,
        check=not reembed,
        api_key=settings.qdrant_api_key,
    )
    try:
        opened.acquire_lock(wait=wait)
        with IngestProgress(enabled=not as_json) as progress:
            report = run_reembed(opened, embedder, params, progress) if reembed else IngestReport()
            if (paths or prune) and use_ray:
                import logging

                from rag.ingest.on_ray import RaySettings, ray_ingest, ray_module

                ray_module()  # imported first: Ray Data sets its loggers' levels when imported
                for name in ("ray", "ray.data"):  # its plan and progress lines
                    logging.getLogger(name).setLevel(logging.ERROR)

                on_ray = RaySettings(settings.ray_address, 0, settings.embedder, settings.model_cache)
                report = ray_ingest(opened, embedder, paths, params, on_ray, prune=prune, progress=progress)
            elif paths or prune:
                report = run_ingest(opened, embedder, paths, params, prune=prune, progress=progress)
            if rebuild:
                opened.rebuild_vectors()
    finally:
        opened.close()
    if not existed and not report.ingested_anything:
        remove_new_index(settings.store, directory, not folder_existed, settings.qdrant_api_key)
    report_ingest(report, as_json)
    if paths and not report.ingested_anything:
        raise typer.Exit(1)
