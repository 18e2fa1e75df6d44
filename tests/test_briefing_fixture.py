"""The labelled briefing stories (tests/fixtures/briefings) hold together: every quoted sentence
is in the article it names, every fact is shared, every event date is a real date near its
article's, so that what `rag eval` measures on them is the briefing, not a slip in the labels."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from conftest import ROOT

FOLDER = ROOT / "tests" / "fixtures" / "briefings"
ARTICLES = {r["id"]: r for r in map(json.loads, (FOLDER / "corpus.jsonl").read_text().splitlines())}
STORIES = [json.loads(line) for line in (FOLDER / "stories.jsonl").read_text().splitlines()]
OUTLETS = {"Harbor Ledger", "The Northern Post", "Daily Meridian", "Capitol Wire", "Riverside Tribune"}


def test_there_are_at_least_forty_stories_of_two_to_four_outlets() -> None:
    assert len(STORIES) >= 40
    for story in STORIES:
        sources = [ARTICLES[a]["source"] for a in story["article_ids"]]
        assert 2 <= len(sources) <= 4 and len(set(sources)) == len(sources) and set(sources) <= OUTLETS


@pytest.mark.parametrize("story", STORIES, ids=[s["story_id"] for s in STORIES])
def test_every_label_quotes_its_article(story: dict[str, Any]) -> None:
    members = set(story["article_ids"])
    quoted = [(a, q) for f in story["facts"] for a, q in f["stated_by"].items()]
    quoted += [(s["article"], s["quote"]) for d in story["disagreements"] for s in d["sides"]]
    quoted += [(e["article"], e["quote"]) for e in story["events"]]
    for article, quote in quoted:
        assert article in members and quote in ARTICLES[article]["text"], (article, quote)


@pytest.mark.parametrize("story", STORIES, ids=[s["story_id"] for s in STORIES])
def test_facts_are_shared_and_one_lead_is_stated_by_every_outlet(story: dict[str, Any]) -> None:
    assert all(len(f["stated_by"]) >= 2 for f in story["facts"])
    leads = [f for f in story["facts"] if f.get("lead")]
    assert len(leads) == 1 and set(leads[0]["stated_by"]) == set(story["article_ids"])


@pytest.mark.parametrize("story", STORIES, ids=[s["story_id"] for s in STORIES])
def test_events_are_dated_near_their_article_in_the_words_they_quote(story: dict[str, Any]) -> None:
    for event in story["events"]:
        published = dt.date.fromisoformat(ARTICLES[event["article"]]["date"])
        happened = dt.date.fromisoformat(event["date"])
        assert -400 <= (happened - published).days <= 30
        assert event["expression"] in event["quote"]


@pytest.mark.parametrize("story", STORIES, ids=[s["story_id"] for s in STORIES])
def test_people_are_named_in_the_texts(story: dict[str, Any]) -> None:
    text = " ".join(ARTICLES[a]["text"] for a in story["article_ids"])
    for person in story["people"]:
        assert any(name in text for name in (person["name"], *person["variants"])), person
