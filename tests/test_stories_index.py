"""Stories as the index keeps them: placed at ingest, listed by `rag stories`, scoped by
`ask --story` and `brief --story`, served by the API and MCP, kept across re-embedding; and, with
the real model, our own stories (tests/fixtures/stories_own.jsonl) found as written, whether the
articles arrive at once or in batches."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ROOT, SEEDS
from serve_helpers import running_server
from typer.testing import CliRunner

from rag.app import Rag
from rag.cli import app
from rag.embed import Embedder, HashEmbedder
from rag.stories.metrics import bcubed

runner = CliRunner()
OWN = ROOT / "tests" / "fixtures" / "stories_own.jsonl"
RECORDS = [json.loads(line) for line in OWN.read_text().splitlines() if line.strip()]


def as_corpus(folder: Path, records: list[dict[str, Any]], name: str = "own.jsonl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        "".join(json.dumps({k: r[k] for k in ("id", "title", "source", "date", "text")}) + "\n" for r in records)
    )
    return path


def listed() -> list[dict[str, Any]]:
    result = runner.invoke(app, ["stories", "--json"])
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout)["stories"])


@pytest.fixture
def two_piles(hash_env: Path, tmp_path: Path) -> Path:
    runner.invoke(app, ["ingest", str(SEEDS)])
    runner.invoke(app, ["ingest", str(as_corpus(tmp_path / "own", RECORDS))])
    return hash_env


def test_every_article_is_in_exactly_one_story(two_piles: Path) -> None:
    stories = listed()
    ids = [a for s in stories for a in s["article_ids"]]
    assert len(ids) == len(set(ids)) == 5 + len(RECORDS)
    assert all(set(s) == {"id", "title", "article_ids", "sources", "first", "last"} for s in stories)


def test_stories_come_biggest_first_with_a_member_headline(two_piles: Path) -> None:
    stories = listed()
    sizes = [len(s["article_ids"]) for s in stories]
    assert sizes == sorted(sizes, reverse=True)
    titles = {r["title"] for r in RECORDS}
    assert all(s["title"] for s in stories) and any(s["title"] in titles for s in stories)


def test_a_question_scoped_to_a_story_cites_only_its_articles(two_piles: Path) -> None:
    story = listed()[0]
    result = runner.invoke(app, ["ask", "What happened?", "--story", story["id"], "--json"])
    answer = json.loads(result.stdout)
    assert {s["article_id"] for s in answer["sources"]} <= set(story["article_ids"])


def test_a_briefing_of_a_story_cites_only_its_articles(two_piles: Path) -> None:
    story = max(listed(), key=lambda s: len(s["article_ids"]))
    result = runner.invoke(app, ["brief", "--story", story["id"], "--json"])
    assert result.exit_code == 0, result.output
    assert {s["article_id"] for s in json.loads(result.stdout)["sources"]} <= set(story["article_ids"])


def test_an_unknown_story_is_one_line(two_piles: Path) -> None:
    result = runner.invoke(app, ["ask", "What happened?", "--story", "no-such-story"])
    assert result.exit_code == 2 and "rag stories" in result.stderr


def test_stories_outlive_reembedding(two_piles: Path) -> None:
    before = {s["id"]: set(s["article_ids"]) for s in listed()}
    assert runner.invoke(app, ["ingest", "--reembed"]).exit_code == 0
    assert {s["id"]: set(s["article_ids"]) for s in listed()} == before


def test_a_near_duplicate_is_in_its_originals_story(hash_env: Path, tmp_path: Path) -> None:
    copy = dict(RECORDS[0], id="syndicated-copy")
    runner.invoke(app, ["ingest", str(as_corpus(tmp_path / "own", [*RECORDS, copy]))])
    home = next(s for s in listed() if RECORDS[0]["id"] in s["article_ids"])
    assert "syndicated-copy" in home["article_ids"]


@pytest.fixture
def site(two_piles: Path) -> Iterator[str]:
    with running_server(two_piles, HashEmbedder()) as url:
        yield url


def test_the_api_lists_the_command_lines_stories_and_briefs_one(site: str) -> None:
    stories = httpx.get(f"{site}/api/stories").json()["stories"]
    assert stories == listed()
    one = httpx.get(f"{site}/api/stories/{stories[0]['id']}", timeout=120).json()
    assert one["article_ids"] == stories[0]["article_ids"] and one["briefing"]["sources"]
    assert httpx.get(f"{site}/api/stories/no-such-story").status_code == 404


def own_stories_found(folder: Path, embedder: Embedder, batches: int) -> float:
    """B-cubed F1 of the index's stories of our own fixture, its articles ingested in `batches`
    (shuffled), against the stories we wrote."""
    shuffled = RECORDS[:]
    random.Random(batches).shuffle(shuffled)
    with Rag.open(index=folder / "index", embedder=embedder) as rag:
        for number in range(batches):
            rag.ingest([as_corpus(folder / "own", shuffled[number::batches], f"part{number}.jsonl")])
        predicted = {a: s.id for s in rag.stories() for a in s.article_ids}
    return bcubed(predicted, {r["id"]: r["story_id"] for r in RECORDS}).f1


def test_our_own_stories_are_found_alike_at_once_or_in_four_shuffled_batches(tmp_path: Path, minilm: Embedder) -> None:
    at_once = own_stories_found(tmp_path / "once", minilm, 1)
    in_batches = own_stories_found(tmp_path / "batches", minilm, 4)
    assert at_once >= 0.8 and abs(at_once - in_batches) <= 0.02, (at_once, in_batches)


def test_the_stories_page_lists_each_story_opening_its_briefing(site: str) -> None:
    stories = listed()
    page = httpx.get(f"{site}/stories").text
    assert all(f'href="/brief?story={s["id"]}"' in page for s in stories)
    assert 'class="coverage"' in page
    biggest = stories[0]
    brief = httpx.get(f"{site}/brief", params={"story": biggest["id"]}, timeout=120).text
    assert "<h2>Sources</h2>" in brief
    assert all(f"/articles/{a}" in brief or a not in brief for a in biggest["article_ids"])


def test_a_story_bar_counts_its_articles_over_its_days() -> None:
    from rag.serve.pages import coverage
    from rag.stories.kept import StoryView

    story = StoryView(
        "1", "t", ("a", "b", "c"), (), "2025-03-01", "2025-03-03", ("2025-03-01", "2025-03-01", "2025-03-03")
    )
    assert coverage(story) == [10, 0, 5]
    assert coverage(StoryView("2", "t", ("a",), (), None, None)) == []


def test_a_briefing_of_an_index_of_several_stories_has_a_section_per_top_story(two_piles: Path) -> None:
    stories = listed()
    result = runner.invoke(app, ["brief", "--max-stories", "2", "--json"])
    assert result.exit_code == 0, result.output
    sections = json.loads(result.stdout)["stories"]
    assert [s["id"] for s in sections] == [s["id"] for s in stories[:2]]
    for section in sections:
        assert {c["article_id"] for c in section["briefing"]["sources"]} <= set(section["article_ids"])
    markdown = runner.invoke(app, ["brief", "--max-stories", "2"]).stdout
    assert markdown.count("## Story ") == 2 and "[^s" in markdown


def test_a_briefing_of_an_index_of_one_story_is_that_storys_briefing(hash_env: Path) -> None:
    runner.invoke(app, ["ingest", str(SEEDS)])
    briefing = json.loads(runner.invoke(app, ["brief", "--json"]).stdout)
    assert "summary" in briefing and "stories" not in briefing


def test_a_topic_briefing_briefs_the_best_matching_story_and_lists_the_others(two_piles: Path) -> None:
    result = runner.invoke(app, ["brief", "Hurricane Lena Cedar Key flooding", "--json"])
    assert result.exit_code == 0, result.output
    briefing = json.loads(result.stdout)
    chosen = briefing["story"]
    assert {s["article_id"] for s in briefing["sources"]} <= set(chosen["article_ids"])
    assert any(a.startswith("lena-") for a in chosen["article_ids"])
    assert chosen["id"] not in {s["id"] for s in briefing["other_stories"]}


def test_a_topic_briefing_in_markdown_names_its_story(two_piles: Path) -> None:
    markdown = runner.invoke(app, ["brief", "Hurricane Lena Cedar Key flooding"]).stdout
    assert "Story " in markdown.split("## Summary")[0]


def test_the_api_briefs_an_index_of_several_stories_a_section_per_story(site: str) -> None:
    body = httpx.post(f"{site}/api/brief", json={"max_stories": 2}, timeout=120).json()
    assert len(body["stories"]) == 2
    for section in body["stories"]:
        assert {c["article_id"] for c in section["briefing"]["sources"]} <= set(section["article_ids"])


def test_the_brief_page_on_a_topic_shows_its_story_and_links_the_others(site: str) -> None:
    page = httpx.get(f"{site}/brief", params={"topic": "Lena storm", "go": "1"}, timeout=120).text
    assert 'class="story-head"' in page and "<h2>Sources</h2>" in page
