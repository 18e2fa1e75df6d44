"""`rag brief` on the seed articles: agreements, differences, single-source claims, timeline."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag.brief import Briefing, build_briefing, claim_sentences
from rag.embed import CachingEmbedder, Embedder
from rag.llm.protocol import ScriptedLLM
from rag.prompt import BriefPrompts
from rag.shapes import briefing_json
from rag.store.local.store import Store

runner = CliRunner()


@pytest.fixture(scope="module")
def seed_briefing(seed_index_master: Path, minilm: Embedder) -> Briefing:
    from rag.ingest.chunk import ChunkParams
    from rag.ingest.pipeline import manifest_for

    with Store.open(seed_index_master, manifest_for(minilm, ChunkParams())) as store:
        return build_briefing(store, CachingEmbedder(minilm))


def doc(briefing: Briefing, key: int) -> str:
    return next(s.article_id for s in briefing.sources if s.key == key)


@pytest.mark.integration
def test_the_asylum_offer_by_novikov_is_agreed_by_at_least_four_outlets(seed_briefing: Briefing) -> None:
    offers = [a for a in seed_briefing.agreements if "asylum" in a.text and "Novikov" in a.text]
    assert max(a.source_count for a in offers) >= 4


@pytest.mark.integration
def test_no_two_agreements_give_the_same_wording(seed_briefing: Briefing) -> None:
    texts = [a.text for a in seed_briefing.agreements]
    assert len(texts) == len(set(texts))


@pytest.mark.integration
def test_a_summary_sentence_that_is_an_agreement_cites_its_outlets(seed_briefing: Briefing) -> None:
    agreed = {a.text: set(a.citations) for a in seed_briefing.agreements}
    shared = [s for s in seed_briefing.summary if s.text in agreed]
    assert shared and all(set(s.citations) == agreed[s.text] for s in shared)


@pytest.mark.integration
def test_peskov_domestic_issue_and_medvedev_joke_are_agreed(seed_briefing: Briefing) -> None:
    texts = [a.text for a in seed_briefing.agreements]
    assert any("Peskov" in t and "domestic issue" in t for t in texts)
    assert any('"D and E"' in t or "“D and E”" in t for t in texts)


@pytest.mark.integration
def test_at_least_three_real_discrepancies_are_found(seed_briefing: Briefing) -> None:
    abouts = {d.about: d for d in seed_briefing.discrepancies}
    assert "whether Elon Musk responded" in abouts
    assert "Donald Trump's title" in abouts
    assert "Dmitry Novikov's title" in abouts
    responded = abouts["whether Elon Musk responded"]
    texts = " ".join(p.text for p in responded.positions)
    assert "emoji" in texts and "has not responded" in texts
    trump = " / ".join(p.text for p in abouts["Donald Trump's title"].positions)
    assert "former U.S. President" in trump


@pytest.mark.integration
def test_every_discrepancy_has_two_sides_from_different_articles(seed_briefing: Briefing) -> None:
    for discrepancy in seed_briefing.discrepancies:
        assert len(discrepancy.positions) >= 2
        sides = [set(p.citations) for p in discrepancy.positions]
        assert sides[0] != sides[1]


@pytest.mark.integration
def test_the_300_million_donation_is_flagged_as_single_source(seed_briefing: Briefing) -> None:
    donation = [s for s in seed_briefing.single_source if "$300 million" in s.text]
    assert donation and len(donation[0].citations) == 1
    assert doc(seed_briefing, donation[0].citations[0]).startswith("003_")


@pytest.mark.integration
def test_the_timeline_puts_the_end_of_the_stint_before_the_june_events(seed_briefing: Briefing) -> None:
    dated = [(e.date, e.event) for e in seed_briefing.timeline]
    stint = next(i for i, (_, event) in enumerate(dated) if "May 30" in event)
    june = [i for i, (date, _) in enumerate(dated) if date[:7] == "2025-06" and "05" <= date[8:] <= "07"]
    assert dated[stint][0] == "2025-05-30"
    assert june and all(stint < i for i in june)


@pytest.mark.integration
def test_people_note_conflicting_descriptions(seed_briefing: Briefing) -> None:
    by_name = {p.name: p for p in seed_briefing.people}
    assert by_name["Dmitry Novikov"].conflicting
    assert any("Kremlin spokesman" == d.text for d in by_name["Dmitry Peskov"].descriptions)


@pytest.mark.integration
def test_every_citation_names_a_listed_source(seed_briefing: Briefing) -> None:
    keys = {s.key for s in seed_briefing.sources}
    payload = briefing_json(seed_briefing)
    cited = [
        k
        for section in ("summary", "agreements", "single_source", "timeline")
        for item in payload[section]
        for k in item["citations"]
    ]
    cited += [k for d in payload["discrepancies"] for p in d["positions"] for k in p["citations"]]
    assert cited and set(cited) <= keys


@pytest.mark.integration
def test_brief_json_and_markdown_from_the_command_line(seed_index: Path, tmp_path: Path) -> None:
    from rag.cli import app

    result = runner.invoke(app, ["brief", "--index", str(seed_index), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"topic", "summary", "agreements", "discrepancies", "single_source", "timeline", "sources"} <= set(payload)
    assert {"about", "positions"} <= set(payload["discrepancies"][0])
    assert {"date", "event", "citations"} <= set(payload["timeline"][0])
    out = tmp_path / "brief.md"
    result = runner.invoke(app, ["brief", "Kremlin reaction", "--index", str(seed_index), "--out", str(out)])
    assert result.exit_code == 0
    text = out.read_text()
    assert text.startswith("# Briefing: Kremlin reaction") and "## Where sources differ" in text and "[^1]:" in text


@pytest.mark.integration
def test_a_topic_nothing_bears_on_is_a_clear_error(seed_index: Path) -> None:
    from rag.cli import app

    result = runner.invoke(app, ["brief", "quantum chromodynamics lattice gauge", "--index", str(seed_index)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no articles bear on that topic")


@pytest.mark.integration
def test_the_llm_path_maps_claims_as_validated_json_and_retries(seed_index_master: Path, minilm: Embedder) -> None:
    from rag.ingest.chunk import ChunkParams
    from rag.ingest.pipeline import manifest_for

    with Store.open(seed_index_master, manifest_for(minilm, ChunkParams())) as store:
        texts = {a.doc_id: a.text for a in store.db.articles()}
        replies = []
        for doc_id in sorted(texts, key=lambda d: [a.doc_id for a in store.db.articles()].index(d)):
            first = claim_sentences(texts[doc_id])[0]
            replies.append("not json at all")
            replies.append(
                json.dumps(
                    {"claims": [{"text": first, "quote": first}, {"text": "Invented", "quote": "never said this"}]}
                )
            )
        firsts = [json.loads(r)["claims"][0]["quote"] for r in replies[1::2]]
        sides = [{"key": key, "quote": quote} for key, quote in enumerate(firsts[:2], start=1)]
        replies.append(json.dumps({"differences": [{"kind": "framing", "about": "the offer", "sides": sides}]}))
        replies.append("Russia offered Musk asylum [1][2].")
        scripted = ScriptedLLM(list(replies), name="openai")
        briefing = build_briefing(store, CachingEmbedder(minilm), llm=scripted, prompts=BriefPrompts.load())
    assert len(scripted.calls) == 2 * len(texts) + 2
    assert "That reply was invalid" in scripted.calls[1][-1]["content"]
    assert all("Invented" not in a.text for a in briefing.agreements)
    [framing] = [d for d in briefing.discrepancies if d.kind == "framing"]
    assert {p.citations for p in framing.positions} == {(1,), (2,)}
    assert briefing.summary


def test_headings_teasers_and_page_chrome_are_not_claims() -> None:
    text = (
        "Political News\n\nMusk Silent, Russia Sees Opportunity\nThis website uses cookies.\n"
        "SpaceX Moves Toward a Historic IPO as Valuation Talks Reach $800 Billion Elon…\n"
        "Peskov said the feud was a domestic issue of the United States."
    )
    assert claim_sentences(text) == ["Peskov said the feud was a domestic issue of the United States."]


@pytest.mark.integration
def test_a_later_report_that_changes_the_story_is_labelled_an_update(tmp_path: Path, minilm: Embedder) -> None:
    from rag.ingest.chunk import ChunkParams
    from rag.ingest.pipeline import ingest, manifest_for

    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "early.txt").write_text(
        "Title: Early\nSource: Outlet A\nDate: 2025-06-06\n\n"
        "Elon Musk has not responded to the asylum offer from Russian lawmaker Dmitry Novikov. "
        "The Kremlin said the feud was a domestic matter."
    )
    (folder / "later.txt").write_text(
        "Title: Later\nSource: Outlet B\nDate: 2025-06-08\n\n"
        "Elon Musk responded to the asylum offer from Russian lawmaker Dmitry Novikov with a laughing emoji. "
        "The Kremlin said the feud was a domestic matter."
    )
    store = Store.open(tmp_path / "index", manifest_for(minilm, ChunkParams()), create=True)
    store.acquire_lock()
    ingest(store, minilm, [folder], ChunkParams())
    briefing = build_briefing(store, CachingEmbedder(minilm))
    store.close()
    [responded] = [d for d in briefing.discrepancies if d.kind == "negation"]
    assert responded.about == "whether Elon Musk responded"
    assert responded.label == "update"


def test_a_short_whole_statement_is_a_claim() -> None:
    assert claim_sentences("No one was injured. Read more.") == ["No one was injured."]


@pytest.mark.parametrize(
    "dateline",
    ["OSLO (AP) — ", "OSLO, March 3 (Reuters) - ", "BERGEN, Norway — "],
)
def test_a_wire_storys_dateline_is_no_part_of_its_first_claim(dateline: str) -> None:
    text = f"{dateline}The harbour authority closed the port on Monday. Ferries were held at sea."
    assert claim_sentences(text)[0] == "The harbour authority closed the port on Monday."


def test_capitals_and_a_dash_inside_an_article_are_no_dateline() -> None:
    text = "The port reopened on Monday morning. NATO — the alliance — sent two ships to the harbour."
    assert claim_sentences(text)[1].startswith("NATO — the alliance")
