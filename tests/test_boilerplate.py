"""An outlet's boilerplate is found at ingest by its repetition under articles of different
stories, and kept out of briefings and answers; a sentence two outlets share is not anyone's template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.app import Rag
from rag.embed import HashEmbedder
from rag.ingest.boilerplate import boilerplate_of, is_boilerplate

PROMO = "The Valley Gazette regional desk contributed reporting to this story."
TOPICS = [
    ("harbour", "The harbour board approved a new ferry terminal after a long public consultation."),
    ("orchard", "Apple growers in the valley reported the largest harvest in a decade this autumn."),
    ("stadium", "The city football club unveiled plans for a larger stadium near the river."),
    ("library", "The central library will stay open until midnight during the exam season."),
]


def corpus(folder: Path) -> Path:
    records = []
    for number, (slug, lead) in enumerate(TOPICS):
        body = f"{lead} Officials described the details at a meeting on the {number + 2}th. {PROMO}"
        records.append(
            {
                "id": f"gazette-{slug}",
                "title": slug,
                "source": "Valley Gazette",
                "date": "2025-03-0" + str(number + 1),
                "text": body,
            }
        )
    records.append(
        {
            "id": "courier-harbour",
            "title": "harbour",
            "source": "Coast Courier",
            "date": "2025-03-01",
            "text": TOPICS[0][1] + " The vote was seven to two.",
        }
    )
    path = folder / "news.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.fixture
def rag(tmp_path: Path) -> Rag:
    opened = Rag.open(index=tmp_path / "index", embedder=HashEmbedder())
    opened.ingest([corpus(tmp_path)])
    return opened


def test_a_line_an_outlet_prints_under_many_stories_is_its_boilerplate(rag: Rag) -> None:
    with rag.store() as store:
        found = boilerplate_of(store)
    assert is_boilerplate(PROMO, "Valley Gazette", found)
    assert not is_boilerplate(PROMO, "Coast Courier", found)


def test_a_sentence_two_outlets_share_is_not_boilerplate(rag: Rag) -> None:
    with rag.store() as store:
        found = boilerplate_of(store)
    assert not is_boilerplate(TOPICS[0][1], "Valley Gazette", found)


def test_a_briefing_never_shows_boilerplate(rag: Rag) -> None:
    briefing = rag.brief()
    shown = [s.text for s in (*briefing.summary, *briefing.single_source)] + [a.text for a in briefing.agreements]
    assert shown and not any("regional desk" in text for text in shown)


def test_an_answer_never_reads_boilerplate(rag: Rag) -> None:
    result = rag.ask_in_context("What did the harbour board approve?")
    passages = [hit.text for _, hit in result.context.passages]
    assert passages and not any("regional desk" in text for text in passages)


def test_an_answer_keeps_the_news_around_the_boilerplate(rag: Rag) -> None:
    result = rag.ask_in_context("What did the harbour board approve?")
    assert any("ferry terminal" in hit.text for _, hit in result.context.passages)


def test_briefings_through_one_application_load_spacy_once(rag: Rag, spacy_loads: list[int]) -> None:
    first, again = rag.brief(), rag.brief()
    assert first == again and len(spacy_loads) == 1
