"""What an editor checks in any briefing, without labels (story sets such as neus_dev):

- a summary sentence that repeats a fact an earlier one gave: as alike in meaning as the
  briefing's own "same fact" setting, or giving the same amount (a figure the recogniser finds:
  money, a count, a percentage, a quantity, with its scale: "100 million" is not 100) and close
  in meaning, or giving two amounts in common (a tally told twice: "a 67-32 vote"), or the
  leads of two articles as alike as the lead test below holds one fact (a story's main event
  told once per outlet), or quoting the same words, five or more in a row (one statement
  reported twice); and an agreement that repeats one listed before it, by the same tests;
- a summary sentence that does not stand alone: it opens on a pronoun or a connective whose
  referent is in another sentence ("He said…", "But…"), it is a question, a label ("What's
  happening:"), a quotation with no speaker, or it names a day only relative to the article
  ("tomorrow", "on Tuesday") without the date; and a timeline entry that does not (its day is
  the date it is listed under);
- a story whose outlets all lead with the same fact (their first sentences all alike) and whose
  briefing lists no agreement.

The parse (spaCy) and the embedding model are the judges; the thresholds are the briefing's own
settings, so a briefing is held to what it claims to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.brief.facts import FIGURE_LABELS, figure_value, unlabelled_amounts
from rag.brief.facts import amounts as figure_amounts
from rag.brief.model import Briefing, BriefSettings
from rag.brief.same_fact import quote_the_same_words
from rag.brief.standalone import stands_alone
from rag.embed import Embedder
from rag.nlp import Pipeline
from rag.text import sentences


@dataclass
class JudgeTally:
    summary_sentences: int = 0
    repeating: int = 0
    not_standalone: int = 0
    timeline_entries: int = 0
    timeline_not_standalone: int = 0
    lead_stories: int = 0  # stories whose outlets all lead with one fact
    lead_without_agreement: int = 0
    agreements: int = 0
    agreements_repeating: int = 0  # an agreement giving a fact an earlier agreement gave
    examples: dict[str, list[str]] = field(default_factory=dict)

    def figures(self) -> dict[str, object]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "summary_sentences": self.summary_sentences,
            "repeating_a_fact": self.repeating,
            "not_standing_alone": self.not_standalone,
            "not_standing_alone_share": ratio(self.not_standalone, self.summary_sentences),
            "timeline_entries": self.timeline_entries,
            "timeline_entries_not_standing_alone": self.timeline_not_standalone,
            "stories_all_leading_with_one_fact": self.lead_stories,
            "of_which_without_agreement_share": ratio(self.lead_without_agreement, self.lead_stories),
            "agreements": self.agreements,
            "agreements_repeating_a_fact": self.agreements_repeating,
        }

    def example(self, kind: str, text: str) -> None:
        listed = self.examples.setdefault(kind, [])
        if len(listed) < 30:
            listed.append(text)


def judge_briefing(
    briefing: Briefing,
    article_texts: Sequence[str],
    embedder: Embedder,
    nlp: Pipeline,
    tally: JudgeTally,
    settings: BriefSettings | None = None,
) -> None:
    settings = settings or BriefSettings()
    summary = [s.text for s in briefing.summary]
    tally.summary_sentences += len(summary)
    leads = [found[0] for text in article_texts if (found := sentences(text))]
    lead_vectors = embedder.embed(leads) if leads else None
    for pair in _repeats(summary, lead_vectors, embedder, nlp, settings):
        tally.repeating += 1
        tally.example("repeating", pair)
    agreed = [a.text for a in briefing.agreements]
    tally.agreements += len(agreed)
    for pair in _repeats(agreed, lead_vectors, embedder, nlp, settings):
        tally.agreements_repeating += 1
        tally.example("agreement repeating", pair)
    for text, doc in zip(summary, nlp.parse(summary), strict=True):
        if not stands_alone(text, doc):
            tally.not_standalone += 1
            tally.example("not standing alone", text)
    events = [e.event for e in briefing.timeline]
    tally.timeline_entries += len(events)
    for text, doc in zip(events, nlp.parse(events), strict=True):
        if not stands_alone(text, doc, days_dated=True):
            tally.timeline_not_standalone += 1
            tally.example("timeline entry not standing alone", text)
    if lead_vectors is not None and len(leads) >= 2:
        alike = lead_vectors @ lead_vectors.T
        if float(alike.min()) >= settings.cluster_similarity:
            tally.lead_stories += 1
            if not briefing.agreements:
                tally.lead_without_agreement += 1
                tally.example("lead without agreement", leads[0])


def _repeats(
    texts: Sequence[str],
    lead_vectors: np.ndarray | None,
    embedder: Embedder,
    nlp: Pipeline,
    settings: BriefSettings,
) -> list[str]:
    """Each statement that repeats a fact an earlier one gave, with that earlier one
    ("earlier || later")."""
    if not texts:
        return []
    vectors = embedder.embed(list(texts))
    similarity = vectors @ vectors.T
    lead_of = _leads_told(vectors, lead_vectors)
    docs = nlp.parse(list(texts))
    amounts = [
        {a for e in doc.ents if e.label_ in FIGURE_LABELS for a in figure_amounts(figure_value(e))} for doc in docs
    ]
    # With the amounts the recogniser leaves out ("the 27-14 vote" gives it 27 alone), as the briefing reads them.
    tallies = [
        amounts_of | {a for span in unlabelled_amounts(doc) for a in figure_amounts(figure_value(span))}
        for amounts_of, doc in zip(amounts, docs, strict=True)
    ]
    found = []
    for i in range(1, len(texts)):
        for j in range(i):
            if (
                similarity[i, j] >= settings.same_fact_similarity
                or (amounts[i] & amounts[j] and similarity[i, j] >= settings.same_figure_similarity)
                or len(tallies[i] & tallies[j]) >= 2  # a tally told twice ("67-32")
                or _one_lead_fact(lead_of[i], lead_of[j], lead_vectors, settings)
                or quote_the_same_words(texts[i], texts[j])  # one statement reported twice
            ):
                found.append(f"{texts[j]} || {texts[i]}")
                break
    return found


# A summary sentence is an article's lead when it is that lead with at most a date or an author
# added in brackets: nearly the same vector.
_SAME_SENTENCE = 0.95


def _leads_told(vectors: np.ndarray, lead_vectors: np.ndarray | None) -> list[int | None]:
    """For each summary sentence, the article whose lead it is, if any."""
    if lead_vectors is None:
        return [None] * len(vectors)
    closeness = vectors @ lead_vectors.T
    return [int(row.argmax()) if row.max() >= _SAME_SENTENCE else None for row in closeness]


def _one_lead_fact(a: int | None, b: int | None, lead_vectors: np.ndarray | None, settings: BriefSettings) -> bool:
    """Two articles' leads as alike as the lead test holds one fact."""
    if a is None or b is None or a == b or lead_vectors is None:
        return False
    return float(lead_vectors[a] @ lead_vectors[b]) >= settings.cluster_similarity
