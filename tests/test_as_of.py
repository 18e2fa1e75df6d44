"""Questions asked "as of" a date see only what had been published by then."""

import json
from pathlib import Path

import pytest
from conftest import open_store
from typer.testing import CliRunner

from rag.app import Rag
from rag.cli import app
from rag.embed import HashEmbedder
from rag.eval.evaluate import eval_index, run_eval
from rag.eval.gold import load_gold
from rag.ingest.chunk import ChunkParams
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
        results = run_eval(loaded, Rag.open(embedder=embedder).over(store), RetrievalParams())
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


AWARDS = [
    {
        "id": "y2020",
        "date": "2020-06-14",
        "text": "The harbour prize for best new bridge design went to the Delta studio at the ceremony.",
    },
    {
        "id": "y2022",
        "date": "2022-06-12",
        "text": "At Sunday's ceremony the Kestrel studio won the harbour prize for bridge design.",
    },
]


def test_a_question_about_this_week_prefers_the_articles_of_that_week(tmp_path: Path) -> None:
    from rag.retrieve import retrieve

    feed = tmp_path / "awards.jsonl"
    fillers = [
        {"id": f"other{i}", "date": "2021-03-0" + str(i + 1), "text": text}
        for i, text in enumerate(
            [
                "The city council approved a new budget for schools.",
                "Heavy rain flooded the coastal road near the harbour.",
                "A local bakery won a prize for its sourdough bread.",
                "The museum opened an exhibition of bridge photographs.",
                "Fans cheered as the football club won the cup final.",
                "A design studio moved into the old warehouse downtown.",
            ]
        )
    ]
    feed.write_text("".join(json.dumps(r) + "\n" for r in [*AWARDS, *fillers]))
    embedder, params = HashEmbedder(), ChunkParams()
    store = open_store(tmp_path / "ix", embedder, params)
    try:
        from rag.ingest.pipeline import ingest

        ingest(store, embedder, [feed], params)
        question = "Which studio won the harbour prize for best new bridge design this week?"
        as_of = RetrievalParams().filters.as_of("2022-06-16")
        plain = retrieve(store, embedder, question, RetrievalParams(filters=as_of, recency_weight=0.0))
        timely = retrieve(store, embedder, question, RetrievalParams(filters=as_of))
    finally:
        store.close()
    assert plain.hits[0].doc_id == "y2020"  # the better word match, two years old
    assert timely.hits[0].doc_id == "y2022" and timely.window is not None


def test_an_abstention_under_a_date_limit_counts_the_undated_articles_it_left_out(
    hash_env: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from rag.cli import app

    folder = tmp_path / "undated"
    folder.mkdir()
    (folder / "budget.txt").write_text("The council approved the harbour budget on Monday after a long debate.")
    runner = CliRunner()
    runner.invoke(app, ["ingest", str(folder)])
    result = runner.invoke(app, ["ask", "Who approved the harbour budget?", "--as-of", "2030-01-01", "--json"])
    answer = json.loads(result.stdout)
    assert answer["abstained"] and "1 article with no date" in answer["abstain_reason"]
