"""Which stories a topic is about, from the ranked articles that bear on it."""

from rag.stories.kept import StoryView
from rag.stories.match import stories_matching


def story(story_id: str, *articles: str) -> StoryView:
    return StoryView(story_id, f"story {story_id}", articles, (), None, None)


STORIES = [story("a", "a1", "a2", "a3"), story("b", "b1"), story("c", "c1", "c2")]


def test_the_story_of_the_best_article_comes_first() -> None:
    assert [s.id for s in stories_matching(STORIES, ["b1", "a1"])] == ["b", "a"]


def test_several_fair_matches_outweigh_one_slightly_better() -> None:
    assert [s.id for s in stories_matching(STORIES, ["b1", "a1", "a2", "a3"])][0] == "a"


def test_stories_without_a_matching_article_are_left_out() -> None:
    assert [s.id for s in stories_matching(STORIES, ["c2", "nowhere"])] == ["c"]


def test_no_match_is_no_story() -> None:
    assert stories_matching(STORIES, []) == []
