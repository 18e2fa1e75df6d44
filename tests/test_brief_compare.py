"""The LLM briefing's compare step: where the articles differ as the model reads them (opposing
evaluations, denials worded apart from what they deny), every side checked against its article."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from fake_openai import briefing_reply, running_server
from typer.testing import CliRunner

from rag.brief.llm_steps import compare_outlets, new_differences
from rag.brief.model import BriefSource, Claim, Discrepancy, Statement
from rag.llm import LLMError
from rag.llm.protocol import ScriptedLLM
from rag.prompt import BriefPrompts

FIXTURE = ROOT / "tests" / "fixtures" / "briefings"
PRAISE = "The vote marks a cautious, evidence-based shift toward sending the right responder."
SCORN = "The decision amounts to defunding the police under a gentler name."
ACCUSED = "The lawsuit accuses Whitcombe of billing uninsured patients five times what insurers pay."
REJECTED = "Whitcombe Health Partners flatly rejected the allegations."

SOURCES = (
    BriefSource(1, "left-1", "Council shifts police money", "Harbor Ledger", "2024-02-13", None),
    BriefSource(2, "right-1", "Precinct shut", "Northern Post", "2024-02-14", None),
)
TEXTS = {
    1: f"The council voted 6-3 on Tuesday. {PRAISE} {ACCUSED}",
    2: f"In a 6-3 vote the council shut the precinct. {SCORN} {REJECTED}",
}
CLAIMS = [Claim(1, PRAISE), Claim(1, ACCUSED), Claim(2, SCORN), Claim(2, REJECTED)]


def reply(*differences: dict[str, object]) -> str:
    return json.dumps({"differences": list(differences)})


def side(key: int, quote: str) -> dict[str, object]:
    return {"key": key, "quote": quote}


def compare(*replies: str) -> tuple[list[Discrepancy], ScriptedLLM]:
    llm = ScriptedLLM(list(replies))
    return compare_outlets(llm, BriefPrompts.load(), SOURCES, CLAIMS, TEXTS), llm


def test_opposing_evaluations_are_listed_as_framing_with_each_side_cited() -> None:
    found, _ = compare(reply({"kind": "framing", "about": "the closure", "sides": [side(1, PRAISE), side(2, SCORN)]}))
    assert found == [
        Discrepancy("the closure", "framing", "contradiction", (Statement(PRAISE, (1,)), Statement(SCORN, (2,))))
    ]


def test_a_denial_reported_later_than_the_accusation_is_an_update() -> None:
    found, _ = compare(
        reply({"kind": "denial", "about": "overcharging", "sides": [side(1, ACCUSED), side(2, REJECTED)]})
    )
    assert [(d.kind, d.label) for d in found] == [("denial", "update")]


def test_the_model_is_shown_every_article_with_its_key_and_outlet() -> None:
    _, llm = compare(reply())
    [message] = llm.calls[0]
    assert "[1] Harbor Ledger" in message["content"] and "[2] Northern Post" in message["content"]
    assert all(claim.text in message["content"] for claim in CLAIMS)


def test_a_side_not_in_its_article_is_dropped_and_a_difference_left_with_one_article_too() -> None:
    invented = side(2, "The council defunded the police.")
    misplaced = side(1, SCORN)  # in the other article
    found, _ = compare(
        reply(
            {"kind": "framing", "about": "invented", "sides": [side(1, PRAISE), invented]},
            {"kind": "framing", "about": "misplaced", "sides": [misplaced, side(2, SCORN)]},
            {"kind": "framing", "about": "kept", "sides": [side(1, PRAISE), side(2, SCORN), invented]},
        )
    )
    assert [(d.about, [p.text for p in d.positions]) for d in found] == [("kept", [PRAISE, SCORN])]


def test_an_invalid_reply_is_retried_with_what_was_wrong() -> None:
    found, llm = compare(
        "not json at all",
        reply({"kind": "opinion", "about": "x", "sides": []}),
        reply({"kind": "framing", "about": "the closure", "sides": [side(1, PRAISE), side(2, SCORN)]}),
    )
    assert len(found) == 1
    assert "no JSON object" in llm.calls[1][-1]["content"]
    assert "'kind' must be one of" in llm.calls[2][-1]["content"]


def test_three_invalid_replies_are_a_clear_error() -> None:
    with pytest.raises(LLMError, match="no valid comparison"):
        compare("no", "still no", '{"differences": "none"}')


def test_one_article_alone_is_not_compared() -> None:
    llm = ScriptedLLM([])
    assert compare_outlets(llm, BriefPrompts.load(), SOURCES, [Claim(1, PRAISE)], TEXTS) == []
    assert llm.calls == []


def test_a_difference_the_parse_already_found_is_not_listed_twice() -> None:
    offline = Discrepancy(
        "whether Whitcombe overcharged", "negation", "update", (Statement(ACCUSED, (1,)), Statement(REJECTED, (2,)))
    )
    same = Discrepancy("overcharging", "denial", "update", (Statement(ACCUSED, (1,)), Statement(REJECTED, (2,))))
    other = Discrepancy("the closure", "framing", "contradiction", (Statement(PRAISE, (1,)), Statement(SCORN, (2,))))
    assert new_differences([same, other], [offline]) == [other]


@pytest.mark.integration
def test_a_story_eval_with_a_writing_model_scores_the_models_briefings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`rag eval` of a story set with `--backend openai` briefs each story with the model, so a
    framing only the model finds counts towards disagreement recall."""
    from rag.cli import app

    story = json.loads((FIXTURE / "stories.jsonl").read_text().splitlines()[0])
    [framing] = [d for d in story["disagreements"] if d["kind"] == "framing"]
    corpus = [
        r
        for r in map(json.loads, (FIXTURE / "corpus.jsonl").read_text().splitlines())
        if r["id"] in story["article_ids"]
    ]
    (tmp_path / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in corpus))
    (tmp_path / "questions.jsonl").write_text("")
    (tmp_path / "stories.jsonl").write_text(json.dumps(story) + "\n")

    def model(payload: dict[str, Any]) -> str:  # the compare step finds the labelled framing
        prompt = payload["messages"][-1]["content"]
        blocks = re.findall(r"^\[(\d+)\] [^\n]*\n((?:- [^\n]*\n?)*)", prompt, re.MULTILINE)
        sides = [
            {"key": int(key), "quote": s["quote"]}
            for s in framing["sides"]
            for key, said in blocks
            if s["quote"] in said
        ]
        found = [{"kind": "framing", "about": framing["about"], "sides": sides}]
        return briefing_reply(payload, found) or "The council voted to close the precinct [1][2]."

    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    with running_server() as server:
        server.reply_fn = model
        args = [
            "eval",
            str(tmp_path),
            "--json",
            "--backend",
            "openai",
            "--model",
            "test-model",
            "--base-url",
            server.base_url,
        ]
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    briefing = json.loads(result.stdout)["briefing"]
    assert briefing["briefed_by"] == "openai"
    assert briefing["editor"]["disagreement_recall"] == 1.0
