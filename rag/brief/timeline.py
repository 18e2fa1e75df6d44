"""When things happened, in order, with the outlets that date them."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from rag.brief.facts import ClaimFacts
from rag.brief.model import BriefSettings, Claim, TimelineEvent
from rag.cite import SupportSettings, support


def reference_year_of(article_dates: Any) -> int | None:
    years = Counter(int(d[:4]) for d in article_dates if d)
    return years.most_common(1)[0][0] if years else None


def build_timeline(
    claims: list[Claim], facts: list[ClaimFacts], similarity: np.ndarray, settings: BriefSettings
) -> list[TimelineEvent]:
    """Dated claims in order (dates resolved against each article's own date), one event per
    date and meaning, the most relevant kept. A claim is placed once, at the date of its own
    event: "suspended on Monday after a victory in October" is news of Monday."""
    events: list[tuple[str, int, str, bool]] = []
    for index, fact in enumerate(facts):
        # "charged in the Nov. 29 holdup" is not news of Nov. 29, nor "the lowest since March" of March
        events_dated = [m for m in fact.dates if not m.of_a_thing and not m.measured_from]
        if events_dated:
            mention = min(events_dated, key=lambda m: (m.bounds_a_period, m.depth))
            events.append((mention.date, index, mention.precision, mention.inferred_year))
    merged: list[tuple[str, list[int], str, bool]] = []
    for date, index, precision, inferred in sorted(events, key=lambda e: (e[0], -claims[e[1]].relevance)):
        for event in merged:
            if event[0] == date and similarity[index, event[1][0]] >= settings.timeline_merge_similarity:
                event[1].append(index)
                break
        else:
            merged.append((date, [index], precision, inferred))
    # An event no sentence of which stands alone ("He resigned Friday.") cannot be told.
    told = [e for e in merged if any(facts[m].standalone for m in e[1])]
    ranked = sorted(told, key=lambda e: -max(claims[i].relevance for i in e[1]))[: settings.timeline_items]
    ranked.sort(key=lambda e: (e[0], e[1][0]))
    support_settings = SupportSettings()
    shown: list[TimelineEvent] = []
    for date, members, precision, inferred in ranked:
        # told in the most relevant of its sentences that stands alone
        teller = next(m for m in members if facts[m].standalone)
        text = claims[teller].text
        # Another outlet is cited where its own sentence says this, word for word enough, as in
        # the summary: dating the same event in other words is not saying what is shown.
        cited = {claims[teller].key} | {
            claims[m].key for m in members if support(text, claims[m].text, None, support_settings).supported
        }
        shown.append(TimelineEvent(date, text, tuple(sorted(cited)), precision, inferred))
    return shown
