"""Pairs of claims from different outlets that state one fact however differently they word it:
the same amounts, the same tally, the same particulars in much the same words, or the leads of
two articles on one story."""

from __future__ import annotations

import re

import numpy as np

from rag.brief.facts import ClaimFacts
from rag.brief.model import BriefSettings, Claim
from rag.brief.numbers import number_of, rounds_to
from rag.text import content_stems


def same_figures(facts: list[ClaimFacts], similarity: np.ndarray, settings: BriefSettings) -> np.ndarray:
    """Pairs of claims that give the same amount and are close in meaning: one fact in other
    words ("voted 6-3 to close the precinct", "approved the closure 6-3"). An amount written
    round to two significant digits or more is the same amount ("nearly 102,000 people" and
    "101,789 names"); to one, it could be many ("400,000" for 385,000 or for 420,000)."""
    anchored = np.zeros(similarity.shape, dtype=bool)
    values = [fact.amounts_given for fact in facts]
    numbers = [[n for v in found if (n := number_of(v)) is not None] for found in values]
    rows, cols = np.nonzero(similarity >= settings.same_figure_similarity)
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        rounded = any(rounds_to(m, n, least_digits=2) for m in numbers[i] for n in numbers[j])
        if i != j and (values[i] & values[j] or rounded):
            anchored[i, j] = True
    return anchored


def same_tally(facts: list[ClaimFacts]) -> np.ndarray:
    """Pairs of claims that give two amounts or more in common: the same tally or breakdown
    ("voted 67-32 to open debate", "in a 67-32 vote, the chamber advanced the bill"), told twice
    however much else each sentence says. One amount in common is not enough: "41 prisoners"
    can be in two facts."""
    values = [fact.amounts_given for fact in facts]
    tally = np.zeros((len(facts), len(facts)), dtype=bool)
    for i, j in zip(*np.triu_indices(len(facts), k=1), strict=True):
        if len(values[i] & values[j]) >= 2:
            tally[i, j] = tally[j, i] = True
    return tally


def same_particulars(
    claims: list[Claim], facts: list[ClaimFacts], similarity: np.ndarray, settings: BriefSettings
) -> np.ndarray:
    """Pairs of claims from different outlets that name the same person or organisation, or give
    the same written date or length of time, and say the rest in the same words for the most
    part, though less alike in meaning than a paraphrase ("The reform, announced on Jan. 21, …"
    and "The reform was unveiled on Jan. 21."). The particular's own words, and the titles given
    with a name, do not count towards the words shared: naming the same minister is not saying
    the same thing."""
    anchored = np.zeros(similarity.shape, dtype=bool)
    stems = [set(f.stems) or set(content_stems(c.text)) for c, f in zip(claims, facts, strict=True)]
    pinned = [f.particulars - {g.value for g in f.figures} for f in facts]
    rows, cols = np.nonzero(np.triu(similarity >= settings.particular_similarity, k=1))
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        shared = pinned[i] & pinned[j]
        if claims[i].key == claims[j].key or not shared:
            continue
        titles = [r.description for r in facts[i].roles + facts[j].roles]
        naming = {w for words in (*shared, *titles) for w in content_stems(words)}
        rest_i, rest_j = stems[i] - naming, stems[j] - naming
        overlap = len(rest_i & rest_j) / min(len(rest_i), len(rest_j)) if rest_i and rest_j else 0.0
        if overlap >= settings.particular_word_overlap:
            anchored[i, j] = anchored[j, i] = True
    return anchored


def same_lead(
    claims: list[Claim], facts: list[ClaimFacts], similarity: np.ndarray, settings: BriefSettings
) -> np.ndarray:
    """Pairs of lead sentences (each its article's first) from different outlets, as alike as
    `cluster_similarity`: a news story's lead tells its main event, so two leads that close tell
    one event in other words ("Senate Republicans on Thursday unveiled a revised counteroffer
    …", "Republican lawmakers on Thursday unveiled their infrastructure counteroffer …"), unless
    they place it on different days."""
    leads = [i for i, c in enumerate(claims) if c.position == 0]
    anchored = np.zeros(similarity.shape, dtype=bool)
    for a, i in enumerate(leads):
        for j in leads[a + 1 :]:
            if claims[i].key == claims[j].key or similarity[i, j] < settings.cluster_similarity:
                continue
            days_i, days_j = _days(facts[i]), _days(facts[j])
            if not (days_i and days_j and not days_i & days_j):
                anchored[i, j] = anchored[j, i] = True
    return anchored


def _days(fact: ClaimFacts) -> set[str]:
    return {d.date for d in fact.dates if d.precision == "day"}


_QUOTED = re.compile(r'[“"]([^”"]+)[”"]')
# Words in a row that two sentences quote alike for them to quote one statement: fewer can be a
# set phrase two speakers share ("the rule of law", "in the national interest").
QUOTED_RUN = 5


def quote_the_same_words(a: str, b: str) -> bool:
    """Whether two sentences quote the same words, `QUOTED_RUN` or more in a row: one statement
    reported twice ('said the panel “will not let" GOP "antics stand in the way”' and '“… we
    will not let their antics stand in the way of that,” Pelosi said')."""
    runs_a, runs_b = _quoted_runs(a), _quoted_runs(b)
    return bool(runs_a & runs_b)


def _quoted_runs(text: str) -> set[tuple[str, ...]]:
    runs = set()
    for quoted in _QUOTED.findall(text):
        words = re.findall(r"[a-z0-9’']+", quoted.lower())
        runs |= {tuple(words[i : i + QUOTED_RUN]) for i in range(len(words) - QUOTED_RUN + 1)}
    return runs
