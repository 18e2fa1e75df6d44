"""`rag watch` (poll what the index follows, once or every so often) and `rag feeds` (list what
it follows; `rag feeds remove ADDRESS` stops following one)."""

from __future__ import annotations

import re
import time
from typing import Annotated

import typer

from rag.cli.common import Flag, IndexOption, JsonOption, StoreOption, open_rag, settings_from
from rag.cli.output import IngestProgress, err, print_json, report_ingest, say
from rag.errors import RagError
from rag.settings import Flags, resolve
from rag.shapes import followed_json

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds_of(text: str) -> float:
    """'90', '90s', '15m', '2h', '1d' as seconds."""
    match = _DURATION.match(text.lower())
    if not match or float(match.group(1)) <= 0:
        raise RagError(f"--every {text!r} is not a duration; write it as 30s, 15m, 2h or 1d")
    return float(match.group(1)) * _SECONDS[match.group(2)]


def watch(
    sources: Annotated[
        list[str] | None, typer.Argument(metavar="SOURCE", help="Links to poll (default: all the index follows).")
    ] = None,
    index: IndexOption = None,
    store: StoreOption = None,
    every: Annotated[str, typer.Option(metavar="DURATION", help="How often to poll, e.g. 15m, 2h.")] = "15m",
    once: Annotated[bool, Flag("--once", help="Poll one time and exit (for cron, and for tests).")] = False,
    allow_private: Annotated[
        bool, Flag("--allow-private", help="Fetch from loopback and private addresses too [env RAG_ALLOW_PRIVATE=1].")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Poll the feeds, lists and sitemaps the index follows and add what is new."""
    pause = seconds_of(every)
    settings = resolve(Flags(index=index, store=store, allow_private=allow_private or None))
    with open_rag(settings) as rag:
        while True:
            with IngestProgress(enabled=not as_json) as progress:
                report = rag.watch(sources or [], progress=progress.embedding, fetch_progress=progress.fetching)
            report_ingest(report, as_json)
            if once:
                return
            err(f"next poll in {every.strip()}; Ctrl-C stops")
            time.sleep(pause)


feeds_app = typer.Typer(
    help="What the index follows: list it, or stop following one.", invoke_without_command=True, no_args_is_help=False
)


@feeds_app.callback()
def feeds(
    context: typer.Context,
    index: IndexOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the feeds, OPML lists and sitemaps the index follows: address, title, last poll,
    last status, entries read."""
    if context.invoked_subcommand is not None:
        return
    with open_rag(settings_from(index, store=store)) as rag:
        listed = rag.feeds()
    if as_json:
        print_json({"feeds": [followed_json(f) for f in listed]})
        return
    if not listed:
        say("Nothing is followed yet: give feeds, OPML lists or sitemaps to `rag ingest`.")
    for followed in listed:
        say(f"{followed.url}  {followed.title or ''}".rstrip())
        say(
            f"    {followed.kind or '?'}; last poll {followed.checked or 'never'}: {followed.status}; "
            f"{followed.entries_read} entries read"
        )


@feeds_app.command("remove")
def remove(
    address: Annotated[str, typer.Argument(metavar="ADDRESS", help="The followed address, as `rag feeds` lists it.")],
    index: IndexOption = None,
    store: StoreOption = None,
) -> None:
    """Stop following one address (what was read from it stays in the index)."""
    with open_rag(settings_from(index, store=store)) as rag:
        rag.unfollow(address)
    say(f"No longer following {address}.")
