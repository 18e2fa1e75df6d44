"""`rag search`, `rag ask` and `rag brief`: the index read for a person (or, with --json, a
program), each through `Rag`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from rag.cli.common import (
    AsOfOption,
    BackendOption,
    BaseUrlOption,
    Flag,
    IndexOption,
    JsonOption,
    ModelOption,
    SinceOption,
    SourceOption,
    StoreOption,
    StoryOption,
    UntilOption,
    check_out,
    open_rag,
    settings_from,
    write_out,
)
from rag.cli.output import print_json, render_answer, render_hits, say
from rag.limits import filters_from


def search(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="What to look for.")],
    k: Annotated[int, typer.Option("-k", metavar="N", help="How many passages (1 to 100).")] = 5,
    index: IndexOption = None,
    store: StoreOption = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the passages that best match a query, with their article, outlet and date."""
    from rag.shapes import hit_json

    filters = filters_from(None, None, None, as_of)
    with open_rag(settings_from(index, store=store)) as rag:
        rows = [hit_json(hit) for hit in rag.search(query, k, filters)]
    if as_json:
        print_json(rows)
    else:
        render_hits(rows)


def ask(
    question: Annotated[str, typer.Argument(metavar="QUESTION", help="Your question, in words.")],
    index: IndexOption = None,
    store: StoreOption = None,
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    k: Annotated[int, typer.Option("-k", metavar="N", help="Passages to give the model (1 to 50).")] = 8,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_of: AsOfOption = None,
    story: StoryOption = None,
    show_context: Annotated[bool, Flag("--show-context", help="Print the packed context given to the model.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Answer a question from the articles, every sentence cited and checked."""
    from rag.shapes import answer_json

    filters = filters_from(source, since, until, as_of)
    with open_rag(settings_from(index, backend, model, base_url, store)) as rag:
        rag.conflicts.prepare(question)  # spaCy, when the question needs it, loads from now on
        filters = rag.in_story(story, filters) if story is not None else filters
        streaming = not as_json and rag.llm.writes and sys.stdout.isatty()
        on_token = (lambda t: say(t, nl=False)) if streaming else None
        result = rag.ask_in_context(question, k, filters, on_token=on_token)
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


def brief(
    topic: Annotated[
        str | None, typer.Argument(metavar="TOPIC", help="A topic or question; none = the whole index.")
    ] = None,
    index: IndexOption = None,
    store: StoreOption = None,
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_of: AsOfOption = None,
    story: StoryOption = None,
    max_stories: Annotated[
        int, typer.Option(metavar="N", help="With no topic, on an index of several stories: brief the top N (1 to 50).")
    ] = 5,
    out: Annotated[Path | None, typer.Option(metavar="FILE", help="Write the briefing to this file as well.")] = None,
    as_json: JsonOption = False,
) -> None:
    """A consolidated briefing: agreements, differences, single-source claims, timeline, people.
    On an index of several stories: a topic briefs the story that best matches it (and lists the
    others it matches); no topic gives a section per top story."""
    from rag.briefings import brief_result_json, brief_result_markdown

    filters = filters_from(source, since, until, as_of)
    check_out(out)
    with open_rag(settings_from(index, backend, model, base_url, store)) as rag:
        result = rag.briefing(topic, filters, story, max_stories)
    if as_json:
        rendered = json.dumps(brief_result_json(result), ensure_ascii=False, indent=2) + "\n"
    else:
        rendered = brief_result_markdown(result)
    if out:
        write_out(out, rendered)
    say(rendered, nl=False)
