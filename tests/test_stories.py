"""Story detection on small hand-made vectors (no model): joining, starting, bridging, undoing an
early join, undated articles, order independence, the saved state, and the scores."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from rag.embed import HashEmbedder
from rag.stories import (
    ArticleSignal,
    StorySettings,
    StoryState,
    StoryStateError,
    article_signals,
    article_vector,
    assign,
    rebuild,
    state_from_payload,
    state_to_payload,
    story_title,
)
from rag.stories.link import group
from rag.stories.metrics import adjusted_rand_index, bcubed
from rag.stories.paged import PAGE, IntMap
from rag.types import Article

FIXTURE = Path(__file__).parent / "fixtures" / "stories_own.jsonl"
SETTINGS = StorySettings()
DIM = 16


def unit(*pairs: tuple[int, float]) -> np.ndarray:
    """A unit vector with the given (axis, weight) components."""
    v = np.zeros(DIM, np.float32)
    for axis, weight in pairs:
        v[axis] = weight
    return v / np.linalg.norm(v)


def near(axis: int, other: int, cosine: float) -> np.ndarray:
    """A unit vector at `cosine` from axis `axis`, leaning toward `other`."""
    return unit((axis, cosine), (other, float(np.sqrt(1 - cosine**2))))


def sig(
    article_id: str, vector: np.ndarray, date: str | None = "2024-03-01", outlet: str | None = None
) -> ArticleSignal:
    return ArticleSignal(article_id, vector, date, outlet)


def partition(state: StoryState) -> set[frozenset[str]]:
    return {frozenset(s.article_ids) for s in state.stories()}


def test_a_close_article_joins_and_a_distant_one_starts_a_story() -> None:
    state = assign(StoryState.empty(DIM), [sig("a", unit((0, 1))), sig("b", near(0, 1, 0.9))])
    assert partition(state) == {frozenset({"a", "b"})}
    state = assign(state, [sig("c", unit((5, 1)))])
    assert partition(state) == {frozenset({"a", "b"}), frozenset({"c"})}
    assert state.story_of("a") == state.story_of("b") != state.story_of("c")


def test_time_decays_a_link_without_forbidding_it() -> None:
    same_day = assign(StoryState.empty(DIM), [sig("a", unit((0, 1))), sig("b", near(0, 1, 0.7))])
    week_apart = assign(StoryState.empty(DIM), [sig("a", unit((0, 1))), sig("b", near(0, 1, 0.7), "2024-03-08")])
    assert len(same_day.stories()) == 1 and len(week_apart.stories()) == 2
    next_day = assign(StoryState.empty(DIM), [sig("a", unit((0, 1))), sig("b", near(0, 1, 0.95), "2024-03-02")])
    assert len(next_day.stories()) == 1


def test_an_article_between_two_stories_merges_them() -> None:
    # Six days apart, x and y are two stories; an article on the day between links to both.
    x, y = unit((0, 1), (1, 0.25)), unit((0, 1), (1, -0.25))
    state = assign(StoryState.empty(DIM), [sig("x", x, "2024-03-01"), sig("y", y, "2024-03-07")])
    assert len(state.stories()) == 2
    first = state.story_of("x")
    state = assign(state, [sig("bridge", unit((0, 1)), "2024-03-04")])
    assert partition(state) == {frozenset({"x", "y", "bridge"})}
    assert state.story_of("bridge") == first  # the older id goes on


def test_a_same_day_story_is_not_chained_through_one_lookalike() -> None:
    # Two events the same day: each pair within an event alike, one article of each close to the other.
    state = assign(
        StoryState.empty(DIM),
        [sig("l1", unit((0, 1))), sig("m1", near(0, 1, 0.5)), sig("l2", near(0, 2, 0.95)), sig("m2", near(1, 3, 0.95))],
    )
    assert partition(state) == {frozenset({"l1", "l2"}), frozenset({"m1", "m2"})}


def test_an_early_join_is_undone_when_later_articles_contradict_it() -> None:
    # l1 and m1 alone look alike enough; once l2 and m2 arrive they form two tight events.
    l1, m1 = unit((0, 1), (1, 0.6)), unit((1, 1), (0, 0.6))
    l2, m2 = unit((0, 1), (1, 0.1), (2, 0.2)), unit((1, 1), (0, 0.1), (3, 0.2))
    state = assign(StoryState.empty(DIM), [sig("l1", l1), sig("m1", m1)])
    assert len(state.stories()) == 1
    state = assign(state, [sig("l2", l2), sig("m2", m2)])
    assert partition(state) == {frozenset({"l1", "l2"}), frozenset({"m1", "m2"})}


def test_undated_articles_are_still_placed() -> None:
    state = assign(
        StoryState.empty(DIM),
        [
            sig("a", unit((0, 1))),
            sig("b", near(0, 1, 0.9)),
            sig("c", unit((4, 1)), "2024-05-01"),
            sig("u1", near(0, 2, 0.9), None),
            sig("u2", unit((7, 1)), None),
            sig("u3", near(7, 3, 0.95), None),
        ],
    )
    assert partition(state) == {frozenset({"a", "b", "u1"}), frozenset({"c"}), frozenset({"u2", "u3"})}
    story = state.story(state.story_of("u1") or 0)
    assert (story.first_date, story.last_date) == ("2024-03-01", "2024-03-01")


def toy_pile(seed: int = 3) -> list[ArticleSignal]:
    """Eight events of three articles over a month, two events per topic, plus noise."""
    rng = np.random.default_rng(seed)
    articles = []
    for event in range(8):
        topic = event // 2
        centre = unit((topic, 1), (4 + event, 0.8))
        day = 1 + 4 * event
        for k in range(3):
            v = centre + rng.normal(0, 0.08, DIM).astype(np.float32)
            articles.append(sig(f"e{event}-{k}", v / np.linalg.norm(v), f"2024-03-{day + k % 2:02d}"))
    return articles


def test_the_order_and_batches_of_arrival_do_not_change_the_stories() -> None:
    pile = toy_pile()
    expected = {frozenset(f"e{e}-{k}" for k in range(3)) for e in range(8)}
    assert partition(rebuild(pile)) == expected
    rng = np.random.default_rng(0)
    for _ in range(3):
        order = [pile[i] for i in rng.permutation(len(pile))]
        state = StoryState.empty(DIM)
        for batch in np.array_split(np.arange(len(order)), 4):
            state = assign(state, [order[i] for i in batch])
        assert partition(state) == expected


def test_a_large_story_is_regrouped_only_near_the_new_article() -> None:
    settings = StorySettings(regroup_limit=3)
    pile = [sig(f"a{i}", near(0, 1 + i % 3, 0.97), f"2024-03-{1 + i:02d}") for i in range(8)]
    state = rebuild(pile, settings)
    assert partition(state) == {frozenset(a.article_id for a in pile)}


def test_a_pile_larger_than_the_first_buffer_keeps_every_vector() -> None:
    pile = [
        sig(f"a{i}", unit((i % DIM, 1), ((i + 1) % DIM, 0.1 * (i // DIM))), f"2024-03-{1 + i % 28:02d}")
        for i in range(150)
    ]
    state = StoryState.empty(DIM)
    for batch in np.array_split(np.arange(150), 7):
        state = assign(state, [pile[i] for i in batch])
    assert np.allclose(state.vectors, np.stack([a.vector for a in pile]))
    assert sorted(r for rows in state.members.values() for r in rows) == list(range(150))


def test_placing_builds_a_new_state_and_skips_known_articles() -> None:
    state = assign(StoryState.empty(DIM), [sig("a", unit((0, 1)))])
    later = assign(state, [sig("b", near(0, 1, 0.9))])
    other = assign(state, [sig("c", unit((3, 1)))])  # the same earlier state, built on twice
    assert state.article_ids == ("a",) and len(state.stories()) == 1
    assert partition(later) == {frozenset({"a", "b"})}
    assert partition(other) == {frozenset({"a"}), frozenset({"c"})}
    assert assign(later, [sig("b", unit((9, 1)))]).article_ids == ("a", "b")


def test_the_state_survives_json_and_placing_goes_on_from_it() -> None:
    pile = toy_pile()
    state = rebuild(pile[:12])
    meta, arrays = state_to_payload(state)
    loaded = state_from_payload(json.loads(json.dumps(meta)), {k: v.copy() for k, v in arrays.items()})
    assert partition(loaded) == partition(state) and loaded.next_id == state.next_id
    assert partition(assign(loaded, pile[12:])) == partition(assign(state, pile[12:]))
    with pytest.raises(StoryStateError):
        state_from_payload({**meta, "article_ids": meta["article_ids"][:-1]}, arrays)
    with pytest.raises(StoryStateError):
        state_from_payload({k: v for k, v in meta.items() if k != "members"}, arrays)


def test_a_story_is_titled_by_its_most_central_member_and_lists_its_outlets() -> None:
    state = assign(
        StoryState.empty(DIM),
        [
            sig("edge", near(0, 1, 0.8), outlet="One"),
            sig("centre", unit((0, 1)), outlet="Two"),
            sig("other", near(0, 2, 0.8), outlet="One"),
        ],
    )
    titles = {"edge": "Edge", "centre": "Centre", "other": "Other"}
    sid = state.story_of("centre")
    assert sid is not None
    assert story_title(state, sid, titles) == "Centre"
    assert story_title(state, sid, {}) is None
    assert state.story(sid).outlets == ("One", "Two")


def test_an_article_vector_is_its_chunk_mean_plus_its_title() -> None:
    chunks = np.stack([unit((0, 1)), unit((1, 1))])
    v = article_vector(chunks, unit((2, 1)))
    assert np.isclose(np.linalg.norm(v), 1.0)
    assert np.allclose(v[:3], [0.5, 0.5, np.sqrt(0.5)], atol=1e-6)
    assert np.allclose(article_vector(np.zeros((0, DIM)), unit((2, 1))), unit((2, 1)))
    with pytest.raises(ValueError):
        article_vector(np.zeros((0, DIM)), None)
    article = Article("k", "doc-1", "A title", "Text.", "h", source="Outlet", date="2024-03-01")
    (made,) = article_signals([article], [chunks], HashEmbedder(dimension=DIM))
    assert (made.article_id, made.date, made.outlet) == ("doc-1", "2024-03-01", "Outlet")


def test_group_links_near_pairs_completely_and_far_ones_by_their_best_pair() -> None:
    scores = np.array([[1, 0.9, 0.2], [0.9, 1, 0.5], [0.2, 0.5, 1]], dtype=np.float32)
    assert group(scores, np.ones((3, 3), bool), 0.4).tolist() == [0, 0, 1]
    assert group(scores, np.eye(3, dtype=bool), 0.4).tolist() == [0, 0, 0]
    assert group(scores, np.ones((3, 3), bool), 0.95).tolist() == [0, 1, 2]


def test_a_paged_map_shares_what_an_update_leaves_alone() -> None:
    first = IntMap.of({1: "a", PAGE + 1: "b", 3 * PAGE: "c"})
    second = first.updated({1: "z", 3 * PAGE: None, 5: "new"})
    assert dict(first) == {1: "a", PAGE + 1: "b", 3 * PAGE: "c"}
    assert dict(second) == {1: "z", 5: "new", PAGE + 1: "b"} and len(second) == 3
    assert list(second) == [1, 5, PAGE + 1] and 3 * PAGE not in second and second.get(3 * PAGE) is None
    assert second._pages[1] is first._pages[1]  # the untouched page is shared, not copied


def test_without_time_decay_every_dated_article_is_a_candidate() -> None:
    state = rebuild(
        [sig("a", unit((0, 1)), "2020-01-01"), sig("b", near(0, 1, 0.9), "2024-01-01")], StorySettings(time_decay=0)
    )
    assert len(state.stories()) == 1


def test_the_window_is_where_a_link_is_still_possible() -> None:
    days = SETTINGS.window_days()
    assert SETTINGS.penalty(np.array([days], np.float32))[0] <= 1 - SETTINGS.join_score
    assert SETTINGS.penalty(np.array([days + 1], np.float32))[0] > 1 - SETTINGS.join_score


def test_bcubed_and_adjusted_rand_on_known_cases() -> None:
    gold = {"a": "x", "b": "x", "c": "y", "d": "z"}
    perfect = bcubed({"a": 1, "b": 1, "c": 2, "d": 3}, gold)
    assert (perfect.precision, perfect.recall, perfect.f1) == (1.0, 1.0, 1.0)
    one = bcubed(dict.fromkeys(gold, 0), gold)  # precision (1/2+1/2+1/4+1/4)/4, recall 1
    assert one.precision == pytest.approx(3 / 8) and one.recall == 1.0
    assert one.f1 == pytest.approx(2 * (3 / 8) / (1 + 3 / 8))
    apart = bcubed({k: k for k in gold}, gold)  # recall (1/2+1/2+1+1)/4
    assert apart.precision == 1.0 and apart.recall == pytest.approx(0.75)
    assert adjusted_rand_index({"a": 5, "b": 5, "c": 6, "d": 7}, gold) == 1.0
    # The textbook case: gold [0 0 1 1], predicted [0 0 1 2]: ARI 4/7.
    predicted, textbook = dict(zip("pqrs", [0, 0, 1, 2], strict=True)), dict(zip("pqrs", [0, 0, 1, 1], strict=True))
    assert adjusted_rand_index(predicted, textbook) == pytest.approx(4 / 7)
    assert adjusted_rand_index(dict.fromkeys(gold, 0), {k: k for k in gold}) == 0.0
    assert bcubed({}, gold).f1 == 0.0


def test_our_own_fixture_is_well_formed() -> None:
    articles = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    sizes = Counter(a["story_id"] for a in articles)
    assert len(sizes) >= 10 and all(2 <= n <= 4 for n in sizes.values())
    assert len({a["id"] for a in articles}) == len(articles)
    assert all(a["title"] and a["text"] for a in articles)
    assert any(a["date"] is None for a in articles)
