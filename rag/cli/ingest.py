"""`rag ingest`: bring an index up to date with files and folders, here or on Ray."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rag.cli.common import Flag, IndexOption, JsonOption, StoreOption, open_rag
from rag.cli.output import IngestProgress, report_ingest
from rag.errors import RagError
from rag.settings import Flags, resolve


def ingest(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="SOURCE",
            help="Files or folders (.txt .md .html .jsonl), or http(s) links to pages, feeds, sitemaps, OPML lists.",
        ),
    ] = None,
    index: IndexOption = None,
    store: StoreOption = None,
    prune: Annotated[bool, Flag("--prune", help="Remove articles whose files are gone.")] = False,
    rebuild: Annotated[bool, Flag("--rebuild", help="Rebuild the FAISS index from SQLite.")] = False,
    reembed: Annotated[bool, Flag("--reembed", help="Re-chunk and re-embed every stored article.")] = False,
    wait: Annotated[bool, Flag("--wait", help="Wait for another writer instead of stopping.")] = False,
    ray: Annotated[
        bool, Flag("--ray", help="Read, chunk and embed on Ray (a local one unless an address is given).")
    ] = False,
    ray_address: Annotated[
        str | None,
        typer.Option(help="A Ray cluster to use, e.g. ray://head:10001 (implies --ray) [env RAG_RAY_ADDRESS]"),
    ] = None,
    allow_private: Annotated[
        bool, Flag("--allow-private", help="Fetch from loopback and private addresses too [env RAG_ALLOW_PRIVATE=1].")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Add articles to the index; unchanged files are skipped, changed ones replaced."""
    paths, urls = split_sources(sources or [])
    flags = Flags(index=index, store=store, ray_address=ray_address, allow_private=allow_private or None)
    settings = resolve(flags)
    use_ray = ray or ray_address is not None
    if use_ray:
        quiet_ray()
    with open_rag(settings) as rag, IngestProgress(enabled=not as_json) as progress:
        report = rag.ingest(
            paths,
            urls=urls,
            prune=prune,
            rebuild=rebuild,
            reembed=reembed,
            wait=wait,
            ray=use_ray,
            progress=progress.embedding,
            fetch_progress=progress.fetching,
        )
    report_ingest(report, as_json)
    if (paths or urls) and not report.ingested_anything:
        raise typer.Exit(1)


def split_sources(sources: list[str]) -> tuple[list[Path], list[str]]:
    """Links (http and https, kept as written) apart from files and folders."""
    paths, urls = [], []
    for source in sources:
        scheme = source.split("://", 1)[0].lower() if "://" in source else ""
        if scheme in ("http", "https"):
            urls.append(source)
        elif scheme:
            raise RagError(f"cannot read {source!r}: only http:// and https:// links, and files or folders, are read")
        else:
            paths.append(Path(source))
    return paths, urls


def quiet_ray() -> None:
    """Ray Data's plan and progress lines off: the command shows its own progress."""
    import logging
    import warnings

    from rag.ingest.on_ray import ray_module

    ray_module()  # imported first: Ray Data sets its loggers' levels when imported
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # Its client warns on stderr before raising what our one line reports (a cluster not reached).
    warnings.filterwarnings("ignore", module=r"ray\.")
