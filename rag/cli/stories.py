"""`rag stories`: the pile sorted into stories, biggest and newest first; `--rebuild` recomputes
them over the whole index."""

from __future__ import annotations

from typing import Annotated

import typer

from rag.cli.common import (
    Flag,
    IndexOption,
    JsonOption,
    SinceOption,
    SourceOption,
    StoreOption,
    UntilOption,
    open_rag,
    settings_from,
)
from rag.cli.output import print_json, say
from rag.limits import filters_from
from rag.terminal import one_line


def stories(
    index: IndexOption = None,
    store: StoreOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    min_articles: Annotated[int, typer.Option(metavar="N", help="Only stories of at least N articles.")] = 1,
    rebuild: Annotated[bool, Flag("--rebuild", help="Recompute the stories over the whole index first.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The stories in the index: headline, articles, outlets, first and last dates."""
    from rag.shapes import story_json

    filters = filters_from(source, since, until)
    with open_rag(settings_from(index, store=store)) as rag:
        if rebuild:
            rag.rebuild_stories()
        listed = rag.stories(filters, min_articles)
    if as_json:
        print_json({"stories": [story_json(s) for s in listed]})
        return
    if not listed:
        say("No stories match." if filters.active() or min_articles > 1 else "No stories yet: ingest articles.")
    for story in listed:
        span = " to ".join(dict.fromkeys(d for d in (story.first, story.last) if d)) or "undated"
        outlets = ", ".join(one_line(s, 60) for s in story.sources) or "no outlet named"
        say(f"[{story.id}] {one_line(story.title, 160)}")
        say(f"    {len(story.article_ids)} articles; {outlets}; {span}")
