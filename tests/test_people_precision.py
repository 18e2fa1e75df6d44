"""The People section on thirty stories it was not tuned on (tests/fixtures/people_stories.py,
written for these tests): nearly everyone it lists is a person, and it finds most of them."""

from __future__ import annotations

import json

import pytest
from fixtures.people_stories import STORIES

from rag.brief import build_briefing
from rag.embed import CachingEmbedder, Embedder
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import ingest, manifest_for
from rag.nlp import Pipeline
from rag.store.local.store import Store

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory, minilm: Embedder) -> list[tuple[set[str], set[str]]]:
    """(people listed, people expected) for every story."""
    folder = tmp_path_factory.mktemp("stories")
    with (folder / "stories.jsonl").open("w", encoding="utf-8") as handle:
        for number, story in enumerate(STORIES):
            for index, (source, date, text) in enumerate(story["articles"]):
                record = {"id": f"s{number}-{index}", "title": "", "source": source, "date": date, "text": text}
                handle.write(json.dumps(record) + "\n")
    directory = tmp_path_factory.mktemp("stories-index")
    store = Store.open(directory, manifest_for(minilm, ChunkParams()), create=True)
    store.acquire_lock()
    ingest(store, minilm, [folder / "stories.jsonl"], ChunkParams())
    embedder, nlp = CachingEmbedder(minilm), Pipeline()
    found = []
    for number, story in enumerate(STORIES):
        ids = [f"s{number}-{index}" for index in range(len(story["articles"]))]
        briefing = build_briefing(store, embedder, doc_ids=ids, nlp=nlp)
        found.append(({p.name for p in briefing.people}, set(story["people"])))
    store.close()
    return found


def test_nearly_everyone_listed_as_a_person_is_one(listed: list[tuple[set[str], set[str]]]) -> None:
    names = [name for people, _ in listed for name in people]
    right = [name for people, expected in listed for name in people if name in expected]
    wrong = sorted({name for people, expected in listed for name in people - expected})
    assert len(right) / len(names) >= 0.9, wrong


def test_most_people_in_the_stories_are_found(listed: list[tuple[set[str], set[str]]]) -> None:
    expected = sum(len(e) for _, e in listed)
    found = sum(len(people & e) for people, e in listed)
    assert found / expected >= 0.8
