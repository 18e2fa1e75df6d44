"""Placing arriving articles into stories, one at a time, without re-clustering the index.

For each article: find its candidates (`rag.stories.rows`), keep the stories where some member
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
from rag.stories.model import ArticleSignal, StorySettings, StoryState
from rag.stories.rows import UNDATED, Rows


class _Work:
    """A batch being placed: the state's parts, and the changes made to them so far."""

    def __init__(self, state: StoryState) -> None:
        self.rows = state.rows if state.rows.length == state.size else state.rows.fork(state.size)
        self._labels = state.labels
        self._members = state.members
        self._label_changes: dict[int, int] = {}
        self._member_changes: dict[int, tuple[int, ...] | None] = {}
        self.next_id = state.next_id

    def label(self, row: int) -> int:
        """The story of `row`; -1 for the article being placed."""
        found = self._label_changes.get(row)
        if found is None:
            found = self._labels.get(row)
        return -1 if found is None else found

    def members(self, sid: int) -> tuple[int, ...]:
        if sid in self._member_changes:
            found = self._member_changes[sid]
            assert found is not None, f"story {sid} was merged away"
            return found
        return self._members[sid]

    def set_story(self, sid: int, rows: list[int]) -> None:
        self._member_changes[sid] = tuple(sorted(rows))
        for r in rows:
            self._label_changes[r] = sid

    def drop_story(self, sid: int) -> None:
        self._member_changes[sid] = None

    def new_story(self, rows: list[int]) -> int:
        sid = self.next_id
        self.next_id += 1
        self.set_story(sid, rows)
        return sid

    def freeze(self) -> StoryState:
        labels = self._labels.updated(self._label_changes)
        members = self._members.updated(self._member_changes)
        return StoryState(self.rows, self.rows.length, labels, members, self.next_id)


def assign(state: StoryState, articles: Sequence[ArticleSignal], settings: StorySettings | None = None) -> StoryState:
    """The state after placing `articles`, one at a time in the order given.

    An article id already in the state is skipped (placing is idempotent). `state` itself is
    never changed; build on the state returned.
    """
    settings = settings or StorySettings()
    work = _Work(state)
    for article in articles:
        if article.article_id not in work.rows.row_of:
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
    vector = np.asarray(article.vector, dtype=np.float32).reshape(1, -1)
    row = work.rows.length
    work.rows.append([article.article_id], vector, np.array([article.day], np.int64), [article.outlet])
    candidates = _candidates(work.rows, row, settings)
    touched: list[int] = []
    if len(candidates):
        scores, _ = _scores(work.rows, [row], candidates, settings)
        touched = sorted({work.label(int(c)) for c in candidates[scores[0] >= settings.join_score]})
    if not touched:
        work.new_story([row])
        return
    regrouped = _regrouped_rows(work, touched, row, settings)
    rows = [*regrouped, row]
    scores, near = _scores(work.rows, rows, np.asarray(rows), settings)
    labels = group(scores, near, settings.join_score)
    _relabel(work, touched, [[rows[i] for i in np.flatnonzero(labels == g)] for g in range(labels.max() + 1)])


def _candidates(rows: Rows, row: int, settings: StorySettings) -> np.ndarray:
    day = int(rows.days(row + 1)[row])
    vector = rows.vectors(row + 1)[row]
    if day == UNDATED:
        return rows.nearest(vector, settings.undated_candidates, row, undated_only=False)
    dated = rows.window(day, settings.window_days(), row)
    undated = rows.nearest(vector, settings.undated_candidates, row, undated_only=True)
    return np.concatenate([dated, undated])


def _scores(
    rows: Rows, these: Sequence[int], others: np.ndarray, settings: StorySettings
) -> tuple[np.ndarray, np.ndarray]:
    index = np.asarray(these, dtype=np.int64)
    vectors, days = rows.vectors(rows.length), rows.days(rows.length)
    return pair_scores(vectors[index], days[index], vectors[others], days[others], settings)


def _regrouped_rows(work: _Work, touched: list[int], row: int, settings: StorySettings) -> list[int]:
    """The members of the touched stories to regroup: all of a story up to `regroup_limit`
    members, else those within the date window of the new article (or its nearest, if undated)."""
    all_days, vectors = work.rows.days(work.rows.length), work.rows.vectors(work.rows.length)
    day = int(all_days[row])
    found: list[int] = []
    for sid in touched:
        members = list(work.members(sid))
        if len(members) > settings.regroup_limit:
            days = all_days[members]
            if day == UNDATED:
                closeness = vectors[members] @ vectors[row]
                members = [members[i] for i in np.argsort(-closeness, kind="stable")[: settings.regroup_limit]]
            else:
                window = settings.window_days()
                members = [m for m, d in zip(members, days, strict=True) if d != UNDATED and abs(d - day) <= window]
                members = members[-settings.regroup_limit :]
        found.extend(members)
    return sorted(found)


def _relabel(work: _Work, touched: list[int], groups: list[list[int]]) -> None:
    """Story ids for the regrouped members: each touched story's id goes to the group holding most
    of its regrouped members, the largest such share first (the older id on a tie); a group that
    holds two stories (a merge) keeps one id, and a group left without one is a new story. Members
    not regrouped stay with their story's id, or follow the group their story merged into."""
    regrouped = {r for g in groups for r in g}
    overlap = sorted(
        ((-sum(work.label(r) == sid for r in g), sid, gi) for gi, g in enumerate(groups) for sid in touched),
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
    kept = {sid: [r for r in work.members(sid) if r not in regrouped] for sid in touched}
    for sid in follows:
        work.drop_story(sid)
    for gi, rows in enumerate(groups):
        extra = [r for s, g in follows.items() if g == gi for r in kept[s]]
        if gi in id_of_group:
            sid = id_of_group[gi]
            work.set_story(sid, rows + kept[sid] + extra)
        else:
            work.new_story(rows + extra)
