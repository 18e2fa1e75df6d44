"""What `rag brief` gives, whichever door asks: the briefing of one story, or a section per top
story, decided once here.

- `--story ID`: that story's briefing, citing only its articles.
- A topic, on an index of several stories: the briefing of the story that best matches it, and
  the other stories it matches, listed (not pooled into one briefing).
- No topic, on an index of several stories: a briefing of each of the top stories.
- An index of one story (or none kept): one briefing, on the topic or of the whole index.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rag.brief import briefing_markdown, digest_markdown
from rag.brief.model import Briefing, BriefSettings
from rag.brief.select import topic_articles
from rag.embed import Embedder
from rag.limits import STORY_LIMIT, check_question
from rag.shapes import briefing_json, story_json
from rag.store.filters import Filters
from rag.store.protocol import IndexStore
from rag.stories.kept import StoryView
from rag.stories.match import stories_matching
from rag.terminal import one_line


class Briefer(Protocol):
    """What a briefing needs of the application (`rag.app.Rag`)."""

    @property
    def embedder(self) -> Embedder: ...

    def store(self) -> contextlib.AbstractContextManager[IndexStore]: ...

    def stories(self, filters: Filters | None = None, min_articles: int = 1) -> list[StoryView]: ...

    def story(self, story_id: str) -> StoryView: ...

    def brief(
        self, topic: str | None = None, filters: Filters | None = None, doc_ids: Sequence[str] | None = None
    ) -> Briefing: ...


@dataclass(frozen=True)
class StoryBriefing:
    briefing: Briefing
    story: StoryView | None = None  # the story it is confined to, when it is


@dataclass(frozen=True)
class BriefResult:
    """One briefing (`digest` false) or a section per top story (`digest` true); `others` are
    the further stories a topic matches, best first."""

    sections: tuple[StoryBriefing, ...]
    others: tuple[StoryView, ...] = ()
    digest: bool = False


def briefing_for(
    rag: Briefer,
    topic: str | None = None,
    filters: Filters | None = None,
    story_id: str | None = None,
    max_stories: int = 5,
) -> BriefResult:
    filters = filters or Filters()
    STORY_LIMIT.check(max_stories)
    if topic is not None:
        check_question(topic, "topic")
    if story_id is not None:
        story = rag.story(story_id)
        return BriefResult((StoryBriefing(rag.brief(topic, filters, doc_ids=story.article_ids), story),))
    stories = rag.stories(filters)
    if len(stories) <= 1:
        return BriefResult((StoryBriefing(rag.brief(topic, filters)),))
    if topic is None:  # each top story (biggest and newest first) briefed from its own articles
        chosen = stories[:max_stories]
        sections = tuple(StoryBriefing(rag.brief(None, filters, doc_ids=s.article_ids), s) for s in chosen)
        return BriefResult(sections, digest=True)
    with rag.store() as store:
        ranked = [a.doc_id for a in topic_articles(store, rag.embedder, topic, filters, BriefSettings())]
    matching = stories_matching(stories, ranked)
    if not matching:
        return BriefResult((StoryBriefing(rag.brief(topic, filters)),))  # says why nothing bears on it
    best = matching[0]
    briefing = rag.brief(topic, filters, doc_ids=best.article_ids)
    return BriefResult((StoryBriefing(briefing, best),), others=tuple(matching[1:]))


def brief_result_json(result: BriefResult) -> dict[str, Any]:
    """As `rag brief --json` prints it: a briefing (with `story` and `other_stories` when it is
    one story's), or `{"stories": [...]}` with a briefing per story."""
    if result.digest:
        return {"stories": [{**story_json(s), "briefing": briefing_json(b)} for s, b in _storied(result)]}
    only = result.sections[0]
    shaped = briefing_json(only.briefing)
    shaped["story"] = story_json(only.story) if only.story else None
    shaped["other_stories"] = [story_json(s) for s in result.others]
    return shaped


def brief_result_markdown(result: BriefResult) -> str:
    if result.digest:
        return digest_markdown([(s.id, s.title, b) for s, b in _storied(result)])
    only = result.sections[0]
    text = briefing_markdown(only.briefing)
    if only.story is not None:
        head, _, rest = text.partition("\n")
        text = f"{head}\n\nStory {one_line(only.story.id)}: {one_line(only.story.title)}.\n{rest}"
    if result.others:
        text = text.rstrip("\n") + "\n\n" + _others_markdown(result.others)
    return text


def _others_markdown(others: Sequence[StoryView]) -> str:
    lines = ["## Other stories on this topic", ""]
    for story in others[:20]:
        span = " to ".join(dict.fromkeys(d for d in (story.first, story.last) if d))
        when = f", {span}" if span else ""
        count = len(story.article_ids)
        lines.append(
            f"- {one_line(story.title)} (story {one_line(story.id)}: {count} article{'s' * (count != 1)}{when}; "
            f"`rag brief --story {one_line(story.id)}`)"
        )
    if len(others) > 20:
        lines.append(f"- and {len(others) - 20} more")
    return "\n".join(lines) + "\n"


def _storied(result: BriefResult) -> list[tuple[StoryView, Briefing]]:
    return [(s.story, s.briefing) for s in result.sections if s.story is not None]
