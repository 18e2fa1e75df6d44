"""Which stories a topic is about: the stories holding the articles that bear on it, ranked so
that a story whose articles come first, and more of them, comes first."""

from __future__ import annotations

from collections.abc import Sequence

from rag.stories.kept import StoryView


def stories_matching(stories: Sequence[StoryView], ranked_doc_ids: Sequence[str]) -> list[StoryView]:
    """The stories that hold any of `ranked_doc_ids` (best match first), best first. A story
    scores the sum of 1/rank over its matching articles: its best article counts most, and
    each further one adds less, so one strong match and several fair ones both count."""
    story_of = {doc_id: story for story in stories for doc_id in story.article_ids}
    scores: dict[str, float] = {}
    for rank, doc_id in enumerate(dict.fromkeys(ranked_doc_ids), start=1):
        story = story_of.get(doc_id)
        if story is not None:
            scores[story.id] = scores.get(story.id, 0.0) + 1.0 / rank
    by_id = {story.id: story for story in stories}
    return [by_id[i] for i in sorted(scores, key=lambda i: -scores[i])]
