"""Placing arriving articles into stories, one at a time, without re-clustering the index.

For each article: find its candidates (`rag.stories.search`), keep the stories where some member
scores at least `join_score` with it, and regroup those stories' members together with the new
article (`rag.stories.link.group`). The article so joins a story, starts one, or bridges two that
then merge; an earlier join that the new evidence contradicts is undone the same way. Only the
touched stories are regrouped, so the work per article is bounded by the stories near it, not by
the size of the index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.stories.link import group, pair_scores
from rag.stories.model import UNDATED, ArticleSignal, StorySettings, StoryState
from rag.stories.search import Search


class _Work:
    """The mutable copy of a state while one batch is placed."""

    def __init__(self, state: StoryState) -> None:
        search = state.cache
        if not isinstance(search, Search) or search.length != len(state):
            search = Search(state.vectors, state.days)
        self.search = search
        self.ids = list(state.article_ids)
        self.outlets = list(state.outlets)
        self.labels = list(int(x) for x in state.labels)
        self.members = {sid: list(rows) for sid, rows in state.members.items()}
        self.next_id = state.next_id

    def new_story(self, rows: list[int]) -> int:
        sid = self.next_id
        self.next_id += 1
        self.members[sid] = rows
        for r in rows:
            self.labels[r] = sid
        return sid

    def freeze(self) -> StoryState:
        return StoryState(
            tuple(self.ids),
            self.search.days,
            self.search.vectors,
            tuple(self.outlets),
            np.asarray(self.labels, dtype=np.int64),
            {sid: tuple(rows) for sid, rows in self.members.items()},
            self.next_id,
            cache=self.search,
        )


def assign(state: StoryState, articles: Sequence[ArticleSignal], settings: StorySettings | None = None) -> StoryState:
    """The state after placing `articles`, one at a time in the order given.

    An article id already in the state is skipped (placing is idempotent). `state` itself is
    never changed; build on the state returned.
    """
    settings = settings or StorySettings()
    work = _Work(state)
    known = set(work.ids)
    for article in articles:
        if article.article_id in known:
            continue
        known.add(article.article_id)
        _place(work, article, settings)
    return work.freeze()


def rebuild(
    articles: Sequence[ArticleSignal], settings: StorySettings | None = None, dimension: int = 384
) -> StoryState:
    """Stories of `articles` from nothing: placed in date order (undated last, ties by id)."""
    if articles:
        dimension = int(articles[0].vector.shape[-1])
    ordered = sorted(articles, key=lambda a: (a.day == UNDATED, a.day, a.article_id))
    return assign(StoryState.empty(dimension), ordered, settings)


def _place(work: _Work, article: ArticleSignal, settings: StorySettings) -> None:
    vector = np.asarray(article.vector, dtype=np.float32).reshape(-1)
    row = work.search.length
    work.search.append(vector.reshape(1, -1), np.array([article.day], np.int64))
    work.ids.append(article.article_id)
    work.outlets.append(article.outlet)
    work.labels.append(-1)
    candidates = _candidates(work.search, row, settings)
    touched: list[int] = []
    if len(candidates):
        scores, _ = _scores(work.search, [row], candidates, settings)
        touched = sorted({work.labels[int(c)] for c in candidates[scores[0] >= settings.join_score]})
    if not touched:
        work.new_story([row])
        return
    regrouped = _regrouped_rows(work, touched, row, settings)
    rows = [*regrouped, row]
    scores, near = _scores(work.search, rows, np.asarray(rows), settings)
    labels = group(scores, near, settings.join_score)
    _relabel(work, touched, [[rows[i] for i in np.flatnonzero(labels == g)] for g in range(labels.max() + 1)])


def _candidates(search: Search, row: int, settings: StorySettings) -> np.ndarray:
    day = int(search.days[row])
    vector = search.vectors[row]
    if day == UNDATED:
        return search.nearest(vector, settings.undated_candidates, row, undated_only=False)
    dated = search.window(day, settings.window_days(), row)
    undated = search.nearest(vector, settings.undated_candidates, row, undated_only=True)
    return np.concatenate([dated, undated])


def _scores(
    search: Search, rows: Sequence[int], others: np.ndarray, settings: StorySettings
) -> tuple[np.ndarray, np.ndarray]:
    index = np.asarray(rows, dtype=np.int64)
    return pair_scores(search.vectors[index], search.days[index], search.vectors[others], search.days[others], settings)


def _regrouped_rows(work: _Work, touched: list[int], row: int, settings: StorySettings) -> list[int]:
    """The members of the touched stories to regroup: all of a story up to `regroup_limit`
    members, else those within the date window of the new article (or its nearest, if undated)."""
    day = int(work.search.days[row])
    found: list[int] = []
    for sid in touched:
        members = work.members[sid]
        if len(members) > settings.regroup_limit:
            days = work.search.days[members]
            if day == UNDATED:
                closeness = work.search.vectors[members] @ work.search.vectors[row]
                members = [members[i] for i in np.argsort(-closeness, kind="stable")[: settings.regroup_limit]]
            else:
                window = settings.window_days()
                members = [m for m, d in zip(members, days, strict=True) if d != UNDATED and abs(d - day) <= window]
                members = members[-settings.regroup_limit :]
        found.extend(members)
    return sorted(found)


def _relabel(work: _Work, touched: list[int], groups: list[list[int]]) -> None:
    """Story ids for the regrouped members: each touched story's id goes to the group holding most
    of its regrouped members (the older id first when a group holds two: a merge); a group left
    without an id is a new story. Members not regrouped stay with their story's id, or follow the
    group their story merged into."""
    regrouped = {r for g in groups for r in g}
    overlap = sorted(
        ((-sum(work.labels[r] == sid for r in g), sid, gi) for gi, g in enumerate(groups) for sid in touched),
    )
    id_of_group: dict[int, int] = {}
    taken: set[int] = set()
    for negative, sid, gi in overlap:
        if negative < 0 and sid not in taken and gi not in id_of_group:
            id_of_group[gi] = sid
            taken.add(sid)
    # A touched story whose id went to no group merged into the group that holds most of it.
    follows: dict[int, int] = {}
    for negative, sid, gi in overlap:
        if negative < 0 and sid not in taken and sid not in follows:
            follows[sid] = gi
    kept = {sid: [r for r in work.members.pop(sid) if r not in regrouped] for sid in touched}
    for sid in touched:
        if sid not in taken and sid not in follows:  # none of it was regrouped: it stays as it was
            work.members[sid] = kept[sid]
    for gi, rows in enumerate(groups):
        extra = [r for s, g in follows.items() if g == gi for r in kept[s]]
        if gi not in id_of_group:
            work.new_story(sorted(rows + extra))
            continue
        sid = id_of_group[gi]
        members = sorted(rows + kept[sid] + extra)
        work.members[sid] = members
        for r in members:
            work.labels[r] = sid
