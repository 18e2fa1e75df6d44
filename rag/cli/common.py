"""What every `rag` command shares: the app, its options, one-line errors, settings, checks."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rag import __version__
from rag.cli.output import err
from rag.errors import RagError, database_problem
from rag.settings import Flags, Settings, resolve

if TYPE_CHECKING:
    from rag.app import Rag

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: a flag is shown as a flag, not as a `<bool>` to fill in
    help="Cited answers, briefings and evaluations over your news articles, offline.",
)

IndexOption = Annotated[
    Path | None,
    typer.Option("--index", metavar="DIR", help="Index folder [env RAG_INDEX; default ./index]", show_default=False),
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="SPEC",
        help="local, qdrant:PATH or qdrant+http://HOST:6333/COLLECTION [env RAG_STORE; default local]",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.", show_default=False)]
BackendOption = Annotated[
    str | None,
    typer.Option(metavar="NAME", help="extractive (offline) or openai [env RAG_BACKEND]", show_default=False),
]
ModelOption = Annotated[str | None, typer.Option(metavar="NAME", help="Model name on the server [env RAG_MODEL]")]
BaseUrlOption = Annotated[
    str | None, typer.Option(metavar="URL", help="OpenAI-compatible server URL [env RAG_BASE_URL]")
]
SourceOption = Annotated[list[str] | None, typer.Option(metavar="OUTLET", help="Only this outlet (repeatable).")]
SinceOption = Annotated[str | None, typer.Option(metavar="DATE", help="Only articles dated on or after YYYY-MM-DD.")]
UntilOption = Annotated[str | None, typer.Option(metavar="DATE", help="Only articles dated on or before YYYY-MM-DD.")]
StoryOption = Annotated[
    str | None, typer.Option("--story", metavar="ID", help="Only the articles of this story (see rag stories).")
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", metavar="DATE", help="Answer as of YYYY-MM-DD: only what had been published by then."),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rag {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Cited answers, briefings and evaluations over your news articles, offline."""


def guarded(function: Callable[..., None]) -> Callable[..., None]:
    """A command whose user errors print one line and exit 2, never a traceback."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> None:
        import sqlite3

        try:
            function(*args, **kwargs)
        except RagError as exc:
            err(f"error: {exc}")
            raise typer.Exit(2) from None
        except sqlite3.DatabaseError as exc:
            err(f"error: {database_problem(exc)}")
            raise typer.Exit(2) from None

    return run


def settings_from(
    index: Path | None = None,
    backend: str | None = None,
    model: str | None = None,
    base_url: str | None = None,
    store: str | None = None,
) -> Settings:
    return resolve(Flags(index=index, backend=backend, model=model, base_url=base_url, store=store))


def open_rag(settings: Settings) -> Rag:
    """The application for one command; its warnings (articles not embedded yet) go to stderr."""
    import faiss

    from rag.app import Rag

    # One query at a time: starting threads costs more than the scan (3.4 ms against 1.4 ms at 17k).
    faiss.omp_set_num_threads(1)
    return Rag.open(settings=settings, warn=err)


def read_report(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise RagError(f"cannot read the report to compare against, {path}: {exc}") from None
    if not isinstance(value, dict) or "n" not in value:
        raise RagError(f"{path} is not a report written by `rag eval --json`/`--out`")
    return value


def check_out(out: Path | None) -> None:
    if out is not None and not out.parent.is_dir():
        raise RagError(f"cannot write {out}: the folder {out.parent} does not exist; create it or choose another")
    if out is not None and out.is_dir():
        raise RagError(f"cannot write {out}: it is a folder; give a file name")


def write_out(out: Path, text: str) -> None:
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise RagError(f"cannot write {out} ({exc.strerror}); choose another --out") from None


def Flag(name: str, help: str) -> Any:  # noqa: N802 - used like typer.Option, in annotations
    """An on/off option: the flag alone turns it on (no `--no-` twin, no type shown)."""
    return typer.Option(name, help=help, show_default=False)
