"""The evaluation harness: metric definitions, gold-set validation, and the CLI report."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from rag.cli import app
from rag.errors import RagError
from rag.eval.evaluate import answer_accuracy, retrieval_scores, token_f1
from rag.eval.gold import Evidence, Question, half_of, load_gold
from rag.types import Hit

runner = CliRunner()


def hits(*doc_ids: str) -> list[Hit]:
    return [Hit(i, i, d, "", None, None, None, f"text of {d}", 1.0) for i, d in enumerate(doc_ids)]


def question(*supporting: str, evidence: tuple[Evidence, ...] = ()) -> Question:
    return Question("q", "?", ("x",), supporting, True, "single", evidence)


def test_retrieval_scores_follow_the_usual_definitions() -> None:
    scores = retrieval_scores(question("b", "z"), hits("a", "b", "b", "c"))
    assert scores["hit@1"] == 0.0 and scores["hit@5"] == 1.0 and scores["hit@10"] == 1.0
    assert scores["mrr@10"] == 0.5
    assert scores["recall@10"] == 0.5
    assert scores["ndcg@10"] == pytest.approx((1 / 1.5849625) / (1 + 1 / 1.5849625), rel=1e-4)


def test_evidence_hit_needs_the_evidence_sentence_in_a_retrieved_chunk() -> None:
    q = question("b", evidence=(Evidence("b", "text of b"),))
    assert retrieval_scores(q, hits("a", "b"))["evidence-hit@1"] == 0.0
    assert retrieval_scores(q, hits("a", "b"))["evidence-hit@5"] == 1.0


def test_answer_accuracy_is_containment_after_normalisation() -> None:
    assert answer_accuracy("It was the Bars-Sarmat unit.", ["bars-sarmat"]) == 1.0
    assert answer_accuracy("No idea.", ["Novikov"]) == 0.0


def test_token_f1_is_squad_style() -> None:
    assert token_f1("the RNA interference pathway", ["RNA interference"]) == pytest.approx(0.8)
    assert token_f1("nothing", ["RNA"]) == 0.0


def test_gold_problems_are_reported_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "corpus.jsonl").write_text('{"id": "a", "title": "", "source": "s", "date": null, "text": "t"}\n')
    (tmp_path / "questions.jsonl").write_text(
        '{"id": "1", "question": "?", "answers": [], "supporting_ids": [], "answerable": false, "kind": "u"}\n'
        '{"id": "2", "question": "?", "answers": ["x"], "supporting_ids": ["zzz"], "answerable": true, "kind": "s"}\n'
    )
    with pytest.raises(RagError, match=r"questions.jsonl:2: supporting id 'zzz' is not in corpus.jsonl"):
        load_gold(tmp_path)
    (tmp_path / "questions.jsonl").write_text('{"id": "1", "question": "?"\n')
    with pytest.raises(RagError, match=r"questions.jsonl:1: bad JSON"):
        load_gold(tmp_path)
    (tmp_path / "questions.jsonl").write_text('{"id": "1", "answers": [], "supporting_ids": []}\n')
    with pytest.raises(RagError, match=r"questions.jsonl:1: missing field 'question'"):
        load_gold(tmp_path)


def test_the_shipped_gold_sets_are_valid() -> None:
    for name in ("seeds", "multihoprag_dev", "squad2_dev"):
        assert load_gold(ROOT / "eval" / name).questions


def test_eval_json_has_the_documented_shape_and_compare_shows_deltas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_EMBEDDER", "hash")
    monkeypatch.setenv("RAG_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["eval", str(ROOT / "eval" / "seeds"), "--json", "--out", str(out), "--limit", "12"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 12
    assert {"hit@1", "hit@5", "hit@10", "recall@10", "mrr@10", "ndcg@10"} <= set(report["retrieval"])
    assert {"accuracy", "f1"} <= set(report["answers"])
    assert {"precision", "recall", "f1", "false_abstain_rate"} <= set(report["abstention"])
    assert {"recall", "precision"} <= set(report["citations"])
    assert "single" in report["by_kind"]
    assert json.loads(out.read_text()) == report
    again = runner.invoke(app, ["eval", str(ROOT / "eval" / "seeds"), "--limit", "12", "--compare", str(out)])
    assert "(+0.000)" in again.stdout
    assert len(list((tmp_path / "cache" / "eval").iterdir())) == 1


def test_eval_of_a_folder_that_is_not_a_gold_set_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not a gold set: corpus.jsonl is missing" in result.stderr


def test_eval_with_gates_shows_floors_and_targets_and_fails_below_a_floor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_EMBEDDER", "hash")
    gates = tmp_path / "gates.json"
    args = ["eval", str(ROOT / "eval" / "seeds"), "--limit", "6", "--gates", str(gates)]
    gates.write_text(json.dumps({"seeds": {"retrieval.hit@10": {"floor": 0.0, "target": 1.01, "goal": "test"}}}))
    passing = runner.invoke(app, args)
    assert passing.exit_code == 0, passing.output
    assert "| retrieval.hit@10 |" in passing.stdout and "short of target" in passing.stdout
    gates.write_text(json.dumps({"seeds": {"retrieval.hit@10": {"floor": 1.01, "target": 1.01}}}))
    failing = runner.invoke(app, args)
    assert failing.exit_code == 1 and "below floor" in failing.stdout


def test_the_halves_split_a_set_by_a_hash_of_each_question_id() -> None:
    gold = load_gold(ROOT / "eval" / "squad2_dev")
    tune, check = gold.half("tune"), gold.half("check")
    assert {q.id for q in tune.questions} | {q.id for q in check.questions} == {q.id for q in gold.questions}
    assert not {q.id for q in tune.questions} & {q.id for q in check.questions}
    assert tune.corpus_ids == check.corpus_ids == gold.corpus_ids  # the other half's articles stay as distractors
    # A question's half is its own: not its position or its neighbours (a reordered or grown set
    # moves nobody), and not this process's hash seed (pinned below).
    grown = replace(gold, questions=(*reversed(gold.questions), question("z")))
    assert {q.id for q in grown.half("check").questions} - {"q"} == {q.id for q in check.questions}
    assert (half_of("seeds:1"), half_of("seeds:2"), half_of("mhrag:1")) == ("check", "tune", "tune")


def test_the_shipped_sets_halves_have_the_sizes_their_floors_were_measured_on() -> None:
    # eval/thresholds.json's floors were measured on these check halves: a change to the split
    # moves questions between halves and has to re-measure them.
    sizes = {}
    for name in ("seeds", "multihoprag_dev", "squad2_dev"):
        gold = load_gold(ROOT / "eval" / name)
        sizes[name] = (len(gold.half("tune").questions), len(gold.half("check").questions))
    assert sizes == {"seeds": (20, 16), "multihoprag_dev": (132, 127), "squad2_dev": (112, 124)}


def test_there_is_no_third_half() -> None:
    with pytest.raises(RagError, match="no half 'dev'"):
        load_gold(ROOT / "eval" / "seeds").half("dev")


def test_eval_of_one_half_says_so_in_its_report_and_its_gates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_EMBEDDER", "hash")
    seeds = str(ROOT / "eval" / "seeds")
    gates = tmp_path / "gates.json"
    gates.write_text(json.dumps({"seeds": {"retrieval.hit@10": {"floor": 0.0, "target": 1.01, "half": "check"}}}))
    result = runner.invoke(app, ["eval", seeds, "--half", "check", "--kinds", "single", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    check = load_gold(ROOT / "eval" / "seeds").half("check")
    assert report["half"] == "check"
    assert report["n"] == sum(q.kind == "single" for q in check.questions)
    shown = runner.invoke(app, ["eval", seeds, "--half", "check", "--kinds", "single", "--gates", str(gates)])
    assert shown.exit_code == 0, shown.output
    assert "seeds, the check half:" in shown.stdout and "Gates, measured on the check half:" in shown.stdout
    whole = runner.invoke(app, ["eval", seeds, "--kinds", "single", "--gates", str(gates)])
    assert whole.exit_code == 2 and "run with --half check" in whole.stderr
    earlier = tmp_path / "earlier.json"
    earlier.write_text(result.stdout)
    against = runner.invoke(app, ["eval", seeds, "--half", "tune", "--compare", str(earlier)])
    assert against.exit_code == 2 and "measured the check half and this run the tune half" in against.stderr


def story_set(folder: Path, *stories: dict[str, object]) -> Path:
    folder.mkdir()
    text = (
        "The new harbour bridge opened to traffic on Saturday morning after four years of work. "
        "Mayor Ana Ruiz cut the ribbon in front of about two thousand residents. "
        "The bridge cost 120 million euros, twenty million more than planned. "
        "Ferry operators said they expect fewer passengers from next month."
    )
    articles = [
        {"id": "a", "title": "Bridge opens", "source": "Left", "date": "2025-03-01", "text": text},
        {"id": "b", "title": "Harbour bridge opens", "source": "Right", "date": "2025-03-01", "text": text},
    ]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles))
    (folder / "questions.jsonl").write_text("")
    (folder / "stories.jsonl").write_text("".join(json.dumps(s) + "\n" for s in stories))
    return folder


def test_a_story_without_articles_is_a_gold_problem_with_its_file_and_line(tmp_path: Path) -> None:
    good = {"story_id": "s1", "title": "Bridge", "article_ids": ["a", "b"], "reference_summary": "A bridge opened."}
    empty = {"story_id": "s2", "title": "Nothing", "article_ids": [], "reference_summary": "Nothing."}
    folder = story_set(tmp_path / "gold", good, empty)
    with pytest.raises(RagError, match=r"stories.jsonl:2: 'article_ids' is empty"):
        load_gold(folder)


def test_a_story_without_a_reference_summary_is_left_out_of_rouge_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_EMBEDDER", "hash")
    monkeypatch.setenv("RAG_CACHE", str(tmp_path / "cache"))
    story = {"story_id": "s1", "title": "Bridge opens", "article_ids": ["a", "b"], "reference_summary": ""}
    result = runner.invoke(app, ["eval", str(story_set(tmp_path / "gold", story)), "--json"])
    assert result.exit_code == 0, result.output
    briefing = json.loads(result.stdout)["briefing"]
    assert briefing["without_reference_summary"] == 1 and briefing["rouge"]["summary.rouge1"] is None
