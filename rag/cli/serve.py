"""`rag serve` (the web app and JSON API) and `rag mcp` (the MCP server over stdio)."""

from __future__ import annotations

from typing import Annotated

import typer

from rag.cli.common import BackendOption, BaseUrlOption, IndexOption, ModelOption, StoreOption
from rag.cli.output import err
from rag.settings import Flags, resolve


def serve(
    index: IndexOption = None,
    store: StoreOption = None,
    host: Annotated[str, typer.Option(help="Address to bind; anything but loopback needs --token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=0, max=65535)] = 8000,
    token: Annotated[
        str | None, typer.Option(help="A token every request must carry [env RAG_TOKEN]", show_default=False)
    ] = None,
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    max_upload_mb: Annotated[int, typer.Option(help="Largest upload accepted, in MB.", min=1, max=4096)] = 20,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(help="Another name the server may be reached as, e.g. behind a proxy (repeatable)."),
    ] = None,
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private",
            help="Let the Index page fetch links on loopback and private addresses [env RAG_ALLOW_PRIVATE=1].",
        ),
    ] = False,
) -> None:
    """The web app (Ask, Brief, Articles, Index) and the JSON API under /api/, on this machine."""
    import faiss
    import uvicorn

    from rag.app import Rag
    from rag.serve import ServeConfig, create_app
    from rag.serve.security import check_bind

    flags = Flags(
        index=index,
        backend=backend,
        model=model,
        base_url=base_url,
        token=token,
        store=store,
        allow_private=allow_private or None,
    )
    settings = resolve(flags)
    config = ServeConfig(
        host=host,
        port=port,
        token=settings.token,
        max_upload_bytes=max_upload_mb * 1024 * 1024,
        upload_dir=(settings.store.path or settings.index) / "uploads",
        allowed_hosts=tuple(allowed_host or ()),
    )
    check_bind(config)
    faiss.omp_set_num_threads(1)  # requests run side by side; each search is small
    rag = Rag.open(settings=settings, warn=err, resident=True).warm()
    if not rag.exists():
        err(f"no index at {rag.location} yet: upload articles on the Index page, or run `rag ingest PATH`")
    try:
        err(f"rag serve: http://{host}:{port}/ask (index {rag.location}); Ctrl-C stops")
        uvicorn.run(create_app(rag, config), host=host, port=port, log_level="warning", access_log=False)
    finally:
        rag.close()


def mcp(
    index: IndexOption = None,
    store: StoreOption = None,
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """An MCP server over stdio with the tools search, ask, brief and get_article."""
    import faiss

    from rag.app import Rag
    from rag.mcp.server import serve_stdio

    settings = resolve(Flags(index=index, backend=backend, model=model, base_url=base_url, store=store))
    faiss.omp_set_num_threads(1)
    with Rag.open(settings=settings, resident=True) as rag:
        serve_stdio(rag)
