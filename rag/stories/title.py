"""A story's headline: the title of its most central member, never one made up."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rag.stories.model import StoryState


def story_title(state: StoryState, story_id: int, titles: Mapping[str, str]) -> str | None:
    """The title (from `titles`, by article id) of the member closest to the mean of the story's
    vectors; ties go to the earlier member. None when no member has a title."""
    rows = [r for r in state.members[story_id] if titles.get(state.article_ids[r], "").strip()]
    if not rows:
        return None
    vectors = state.vectors[rows]
    centre = vectors.mean(axis=0)
    closeness = vectors @ centre
    return titles[state.article_ids[rows[int(np.argmax(closeness))]]]
