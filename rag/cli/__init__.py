"""The `rag` command: every command registered here, in the order `rag --help` lists them; each is
a thin adapter that resolves the settings once and calls `Rag` (rag.app)."""

from __future__ import annotations

import sys

import typer

from rag.cli import evaluate, following, index, ingest, questions, serve, stories
from rag.cli.common import app, guarded
from rag.cli.output import err
from rag.errors import RagError

for command in (
    ingest.ingest,
    following.watch,
    stories.stories,
    questions.search,
    questions.ask,
    questions.brief,
    evaluate.eval,
    index.stats,
    serve.serve,
    serve.mcp,
):
    app.command()(guarded(command))

model_app = typer.Typer(help="The embedding model: prepare its fast ONNX form ahead of time.", no_args_is_help=True)
model_app.command("export")(index.model_export)
app.add_typer(model_app, name="model")
app.add_typer(following.feeds_app, name="feeds")


def main() -> None:
    """The console script.

    It leaves through `os._exit` once its output is flushed: unloading numpy, faiss, onnxruntime
    and tiktoken at interpreter exit costs about 0.1 s of every command, and by then every store,
    lock and report a command opened has been closed by its own `with` block. A crash (a bug) is
    left to Python, traceback and all.
    """
    import os

    # The application, not the library, decides how the process talks to model hubs (never), and
    # whether a Ray it starts reports usage to Ray's makers (no: rag sends nothing unasked).
    for name, value in (
        ("HF_HUB_OFFLINE", "1"),
        ("RAY_USAGE_STATS_ENABLED", "0"),
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
