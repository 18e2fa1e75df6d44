"""Questions asked "as of" a date see only what had been published by then."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag.chunk import ChunkParams
from rag.cli import app
from rag.embed import HashEmbedder
from rag.evaluate import eval_index, run_eval
from rag.extractive import ExtractiveLLM
from rag.gold import load_gold
from rag.prompt import Prompts
from rag.retrieve import RetrievalParams

runner = CliRunner()
REPORTS = [
    {"id": "jan", "date": "2025-01-10", "source": "Wire", "text": "The stadium roof will cost 40 million dollars."},
    {
        "id": "mar",
        "date": "2025-03-10",
        "source": "Wire",
        "text": "After steel prices rose in February, the council now says the stadium roof will cost 55 million.",
    },
]


@pytest.fixture
def dated_index(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("RAG_EMBEDDER", "hash")
    monkeypatch.setenv("RAG_INDEX", str(tmp_path / "index"))
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in REPORTS))
    assert runner.invoke(app, ["ingest", str(feed)]).exit_code == 0
    return tmp_path / "index"


def test_search_as_of_a_date_leaves_out_later_articles(dated_index: Path) -> None:
    result = runner.invoke(app, ["search", "stadium roof cost", "--as-of", "2025-02-01", "--json"])
    assert result.exit_code == 0, result.output
    assert [row["article_id"] for row in json.loads(result.stdout)] == ["jan"]


def test_ask_as_of_a_date_answers_from_what_was_known_then(dated_index: Path) -> None:
    result = runner.invoke(app, ["ask", "How much will the stadium roof cost?", "--as-of", "2025-02-01", "--json"])
    payload = json.loads(result.stdout)
    assert "40 million" in payload["answer"] and "55 million" not in payload["answer"]


def test_an_as_of_after_every_article_leaves_them_all_in(dated_index: Path) -> None:
    result = runner.invoke(app, ["search", "stadium roof", "--as-of", "2025-12-31", "--json"])
    assert {row["article_id"] for row in json.loads(result.stdout)} == {"jan", "mar"}


def test_a_since_after_the_as_of_date_is_one_line(dated_index: Path) -> None:
    result = runner.invoke(app, ["ask", "Cost?", "--since", "2025-03-01", "--as-of", "2025-02-01"])
    assert result.exit_code == 2 and "after --as-of" in result.stderr


def test_eval_honours_each_questions_as_of(tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "corpus.jsonl").write_text("".join(json.dumps({**r, "title": ""}) + "\n" for r in REPORTS))
    question = {"question": "How much will the stadium roof cost?", "answers": ["55 million"], "answerable": True}
    (gold / "questions.jsonl").write_text(
        json.dumps({"id": "late", **question, "supporting_ids": ["mar"], "kind": "single", "as_of": "2025-03-31"})
        + "\n"
        + json.dumps({"id": "early", **question, "supporting_ids": ["mar"], "kind": "single", "as_of": "2025-02-01"})
        + "\n"
    )
    embedder = HashEmbedder()
    loaded = load_gold(gold)
    with eval_index(loaded, embedder, ChunkParams(), tmp_path / "cache") as store:
        results = run_eval(loaded, store, embedder, ExtractiveLLM(embedder), RetrievalParams(), Prompts.load())
    by_id = {r.question.id: r for r in results}
    assert by_id["late"].retrieval["hit@10"] == 1.0
    assert by_id["early"].retrieval["hit@10"] == 0.0  # the March report did not exist yet


def test_an_as_of_that_is_not_a_date_is_a_gold_set_error(tmp_path: Path) -> None:
    from rag.errors import RagError

    (tmp_path / "corpus.jsonl").write_text(json.dumps({"id": "a", "text": "x"}) + "\n")
    (tmp_path / "questions.jsonl").write_text(
        json.dumps(
            {
                "id": "q",
                "question": "?",
                "answers": [],
                "supporting_ids": [],
                "answerable": False,
                "kind": "unanswerable",
                "as_of": "soon",
            }
        )
        + "\n"
    )
    with pytest.raises(RagError, match="'as_of' is not a date"):
        load_gold(tmp_path)
