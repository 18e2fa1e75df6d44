"""Briefings scored against editors' reference summaries (story sets such as NeuS): ROUGE-1/2/L
F1 of the briefing's summary beside the LEAD-3 baseline (the first three sentences of the
centre outlet's article, or of the story's first article), coverage of the reference's
sentences, citation precision, and the people and discrepancies found per story."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rag.eval.gold import GoldSet
from rag.text import sentences

if TYPE_CHECKING:
    from rag.app import Rag

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


def statements_of(briefing: Any) -> list[tuple[str, tuple[int, ...]]]:
    """Every statement a briefing makes, with the article keys it cites, the summary first."""
    found = [(s.text, s.citations) for s in (*briefing.summary, *briefing.single_source)]
    for agreement in briefing.agreements:  # each source checked against what it says itself
        found += [(q.text, q.citations) for q in agreement.quotes] or [(agreement.text, agreement.citations)]
    found += [(e.event, e.citations) for e in briefing.timeline]
    found += [(p.text, p.citations) for d in briefing.discrepancies for p in d.positions]
    return found


def cited_words(briefing: Any) -> list[tuple[str, int]]:
    """Each citation a briefing makes, with the words its article must bear out: a summary
    sentence worded as an agreement is checked, outlet by outlet, against what each says itself
    (as the agreement is), any other statement in its own words."""
    found = []
    for statement in briefing.summary:
        own = {q.citations[0]: q.text for q in statement.quotes if q.citations}
        found += [(own.get(k, statement.text), k) for k in statement.citations]
    for text, keys in statements_of(briefing)[len(briefing.summary) :]:
        found += [(text, k) for k in keys]
    return found


def lead3(text: str) -> str:
    return " ".join(sentences(text)[:3])


def _story_articles(gold: GoldSet) -> dict[str, tuple[str, str | None]]:
    """Text and stance of every article a story names, read from the corpus file."""
    wanted = {doc_id for story in gold.stories for doc_id in story.article_ids}
    found: dict[str, tuple[str, str | None]] = {}
    with gold.corpus_path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            if str(record.get("id")) in wanted:
                stance = record.get("stance")
                found[str(record["id"])] = (str(record.get("text") or ""), str(stance) if stance else None)
    return found


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def eval_stories(
    gold: GoldSet,
    rag: Rag,
    limit: int | None = None,
    on_story: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Each story's briefing, built from its own articles as `rag brief --story` builds it."""
    from rouge_score import rouge_scorer

    from rag.cite import SupportSettings, support
    from rag.eval.editor import Tally, read_labels, score_briefing
    from rag.eval.judges import JudgeTally, judge_briefing

    labels = read_labels(gold.directory / "stories.jsonl")
    editor = Tally()
    judged = JudgeTally()
    nlp = rag.parts.nlp()  # the pipeline the briefings parse with: loaded once, its parses shared
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    articles = _story_articles(gold)
    settings = SupportSettings()
    embedder = rag.embedder
    stories = gold.stories[:limit] if limit else gold.stories
    rouge: dict[str, list[float]] = {f"{name}.{kind}": [] for name in ("summary", "lead3") for kind in ROUGE_TYPES}
    coverage: list[float] = []
    people: list[float] = []
    discrepancies: list[float] = []
    cited = supported = unscored = 0
    summary_cited = summary_worded = 0  # the summary's own wording, however the outlet words it
    for number, story in enumerate(stories, start=1):
        # A story is briefed as `rag brief --story` briefs it (`Rag.brief`): all of its articles,
        # no topic to narrow them, and with the backend's model when it writes (map, compare,
        # reduce), so that a model's briefings are measured as its users get them.
        briefing = rag.brief(doc_ids=story.article_ids)
        texts = {s.key: articles[s.article_id][0] for s in briefing.sources if s.article_id in articles}
        summary = " ".join(s.text for s in briefing.summary)
        centre = next(
            (d for d in story.article_ids if articles.get(d, ("", None))[1] == "center"), story.article_ids[0]
        )
        baseline = lead3(articles.get(centre, ("", None))[0])
        statements = statements_of(briefing)
        reference = sentences(story.reference_summary) if story.reference_summary.strip() else []
        if reference:  # a story without an editor's summary is briefed, but nothing to score against
            for name, text in (("summary", summary), ("lead3", baseline)):
                scores = scorer.score(story.reference_summary, text)
                for kind in ROUGE_TYPES:
                    rouge[f"{name}.{kind}"].append(scores[kind].fmeasure)
            joined = "\n".join(text for text, _ in statements)
            matched = sum(support(sentence, joined, embedder, settings).supported for sentence in reference)
            coverage.append(matched / len(reference))
        else:
            unscored += 1
        own_texts = [articles[d][0] for d in story.article_ids if d in articles]
        judge_briefing(briefing, own_texts, embedder, nlp, judged)
        if story.story_id in labels:
            score_briefing(briefing, labels[story.story_id], editor)
        people.append(len(briefing.people))
        discrepancies.append(len(briefing.discrepancies))
        worded = [(s.text, k) for s in briefing.summary for k in s.citations if k in texts]
        checked = [(text, k) for text, k in cited_words(briefing) if k in texts]
        # each sentence checked once against each article it cites
        borne_out = {(t, k): support(t, texts[k], embedder, settings).supported for t, k in {*worded, *checked}}
        summary_cited += len(worded)
        summary_worded += sum(borne_out[pair] for pair in worded)
        cited += len(checked)
        supported += sum(borne_out[pair] for pair in checked)
        if on_story:
            on_story(number, len(stories))
    return {
        "stories": len(stories),
        "briefed_by": rag.llm.name if rag.llm.writes else "offline",
        "without_reference_summary": unscored,  # briefed, left out of ROUGE and coverage
        "rouge": {name: _mean(values) for name, values in rouge.items()},
        "coverage": _mean(coverage),
        "citation_precision": round(supported / cited, 4) if cited else None,
        # Of the summary's citations, those whose article bears out the summary's very words (an
        # agreement's wording cites every outlet stating the fact, some in words of their own).
        "summary_wording_precision": round(summary_worded / summary_cited, 4) if summary_cited else None,
        "people_per_story": _mean(people),
        "discrepancies_per_story": _mean(discrepancies),
        "stories_with_discrepancies": round(sum(d > 0 for d in discrepancies) / len(stories), 4) if stories else None,
        "judged": judged.figures(),
        "judged_examples": judged.examples,
        **({"editor": editor.figures(), "editor_misses": editor.misses} if labels else {}),
    }


def _briefed_by(figures: dict[str, Any]) -> str:
    by = figures.get("briefed_by", "offline")
    return "offline" if by == "offline" else f"with the {by} model"


def stories_markdown(figures: dict[str, Any]) -> str:
    if not figures:
        return "no stories"
    rouge = figures.get("rouge", {})
    unscored = figures.get("without_reference_summary") or 0
    note = f" ({unscored} without a reference summary, left out of ROUGE and coverage)" if unscored else ""
    rows = [
        f"briefings: {figures['stories']} stories, briefed {_briefed_by(figures)}{note}",
        "",
        "| | ROUGE-1 | ROUGE-2 | ROUGE-L |",
        "|---|---|---|---|",
    ]
    for name, label in (("summary", "briefing summary"), ("lead3", "LEAD-3 baseline")):
        cells = [rouge.get(f"{name}.{kind}") for kind in ROUGE_TYPES]
        rows.append(f"| {label} | " + " | ".join("" if c is None else f"{c:.3f}" for c in cells) + " |")
    rows.append(
        f"\ncoverage of the reference summaries {figures['coverage']}, citation precision "
        f"{figures['citation_precision']} (the summary's own wording {figures.get('summary_wording_precision')}), "
        f"people per story {figures['people_per_story']}, discrepancies per story "
        f"{figures['discrepancies_per_story']} (stories with any: {figures['stories_with_discrepancies']})"
    )
    if judged := figures.get("judged"):
        rows.append(
            f"summary sentences {judged['summary_sentences']}: repeating a fact {judged['repeating_a_fact']}, "
            f"not standing alone {judged['not_standing_alone']} ({judged['not_standing_alone_share']}); timeline "
            f"entries {judged['timeline_entries']}, not standing alone "
            f"{judged['timeline_entries_not_standing_alone']}; stories whose "
            f"outlets all lead with one fact {judged['stories_all_leading_with_one_fact']}, without an agreement "
            f"{judged['of_which_without_agreement_share']}; agreements {judged.get('agreements')}, repeating a "
            f"fact {judged.get('agreements_repeating_a_fact')}"
        )
    if editor := figures.get("editor"):
        named = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in editor.items() if k != "counts")
        rows.append(f"against the labels: {named}")
    return "\n".join(rows)


def grouping_scores(gold: GoldSet, rag: Rag) -> dict[str, Any]:
    """The index's stories against the gold grouping, over the gold stories' articles: B-cubed
    precision, recall and F1, and the adjusted Rand index."""
    from rag.stories.metrics import adjusted_rand_index, bcubed

    expected = {doc_id: story.story_id for story in gold.stories for doc_id in story.article_ids}
    found = {doc_id: story.id for story in rag.stories() for doc_id in story.article_ids}
    scores = bcubed(found, expected)
    return {
        "articles": len(expected.keys() & found.keys()),
        "gold_stories": len(gold.stories),
        "found_stories": len({found[a] for a in expected.keys() & found.keys()}),
        "bcubed_precision": round(scores.precision, 4),
        "bcubed_recall": round(scores.recall, 4),
        "bcubed_f1": round(scores.f1, 4),
        "adjusted_rand_index": round(adjusted_rand_index(found, expected), 4),
    }


def grouping_markdown(figures: dict[str, Any]) -> str:
    return (
        f"stories: {figures['found_stories']} found for {figures['gold_stories']} gold stories over "
        f"{figures['articles']} articles; B-cubed precision {figures['bcubed_precision']}, recall "
        f"{figures['bcubed_recall']}, F1 {figures['bcubed_f1']}; adjusted Rand index {figures['adjusted_rand_index']}"
    )
