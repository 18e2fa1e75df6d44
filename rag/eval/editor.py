"""What an editor checks in a briefing, measured.

On a story set whose stories carry labels (tests/fixtures/briefings: the team's own stories, each
with the facts its outlets share, their real disagreements, its people with their roles and its
dated events), each briefing is scored against them:

- people: precision and recall of the People section (an entry counts when it names a labelled
  person in full, or by a variant of two words or more: "Graham" for Graham Phillips does not,
  and a second entry for someone already listed is wrong);
- roles: of the roles given for labelled people, those the label's words are found in;
- agreements: of the labelled facts (stated by two outlets or more), those the briefing lists as
  an agreement citing two or more of the articles that state it;
- disagreements: precision and recall, a listed difference matching a labelled one when two of
  its sides cite articles of the labelled sides and quote what they say;
- timeline: of the timeline entries that quote a labelled event, those dated right;
- boilerplate: statements (summary, agreements, single-source) that are an outlet's template.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.brief.model import Briefing


@dataclass(frozen=True)
class Labels:
    story_id: str
    facts: tuple[dict[str, Any], ...]
    disagreements: tuple[dict[str, Any], ...]
    people: tuple[dict[str, Any], ...]
    not_people: tuple[str, ...]
    events: tuple[dict[str, Any], ...]
    boilerplate: tuple[str, ...] = ()


def read_labels(stories_path: Path) -> dict[str, Labels]:
    """The labels of the stories that carry them (a story set without any gives {})."""
    found: dict[str, Labels] = {}
    if not stories_path.exists():
        return found
    for line in stories_path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if "people" not in record and "facts" not in record:
            continue
        found[str(record["story_id"])] = Labels(
            str(record["story_id"]),
            tuple(record.get("facts") or ()),
            tuple(record.get("disagreements") or ()),
            tuple(record.get("people") or ()),
            tuple(record.get("not_people") or ()),
            tuple(record.get("events") or ()),
            tuple(record.get("boilerplate") or ()),
        )
    return found


@dataclass
class Tally:
    """Counts over stories, turned into the figures at the end."""

    people_listed: int = 0
    people_right: int = 0
    people_labelled: int = 0
    people_found: int = 0
    roles_given: int = 0
    roles_right: int = 0
    facts: int = 0
    facts_agreed: int = 0
    differences_listed: int = 0
    differences_right: int = 0
    differences_labelled: int = 0
    differences_found: int = 0
    dated_events: int = 0
    dated_right: int = 0
    boilerplate_shown: int = 0  # statements that are an outlet's labelled boilerplate
    misses: dict[str, list[str]] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "people_precision": ratio(self.people_right, self.people_listed),
            "people_recall": ratio(self.people_found, self.people_labelled),
            "role_precision": ratio(self.roles_right, self.roles_given),
            "agreement_recall": ratio(self.facts_agreed, self.facts),
            "disagreement_precision": ratio(self.differences_right, self.differences_listed),
            "disagreement_recall": ratio(self.differences_found, self.differences_labelled),
            "timeline_dates_right": ratio(self.dated_right, self.dated_events),
            "boilerplate_statements": self.boilerplate_shown,
            "counts": {
                "people_listed": self.people_listed,
                "people_labelled": self.people_labelled,
                "roles_given": self.roles_given,
                "facts": self.facts,
                "differences_listed": self.differences_listed,
                "differences_labelled": self.differences_labelled,
                "timeline_entries_on_labelled_events": self.dated_events,
            },
        }

    def miss(self, kind: str, text: str) -> None:
        self.misses.setdefault(kind, []).append(text)


def score_briefing(briefing: Briefing, labels: Labels, tally: Tally) -> None:
    """Add one story's briefing to `tally`."""
    article_of = {s.key: s.article_id for s in briefing.sources}
    _people(briefing, labels, tally)
    _agreements(briefing, labels, article_of, tally)
    _differences(briefing, labels, article_of, tally)
    _timeline(briefing, labels, article_of, tally)
    shown = [s.text for s in (*briefing.summary, *briefing.single_source)] + [a.text for a in briefing.agreements]
    for text in shown:
        if any(line.strip() and line.strip() in text for line in labels.boilerplate):
            tally.boilerplate_shown += 1
            tally.miss("boilerplate shown", f"{labels.story_id}: {text}")


def _name_key(name: str) -> str:
    return " ".join(re.sub(r"[^\w\s'-]", " ", name.lower()).split())


def _people(briefing: Briefing, labels: Labels, tally: Tally) -> None:
    whole: dict[str, int] = {}
    for number, person in enumerate(labels.people):
        for name in (person["name"], *person.get("variants", ())):
            if name == person["name"] or len(name.split()) >= 2:
                whole[_name_key(name)] = number
    found: set[int] = set()
    tally.people_labelled += len(labels.people)
    for entry in briefing.people:
        tally.people_listed += 1
        match = whole.get(_name_key(entry.name))
        if match is None or match in found:
            tally.miss("people listed wrongly", f"{labels.story_id}: {entry.name}")
            continue
        number = match
        found.add(number)
        tally.people_right += 1
        role = labels.people[number].get("role")
        for description in entry.descriptions:
            tally.roles_given += 1
            if role and _holds_words(description.text, role):
                tally.roles_right += 1
            else:
                tally.miss("roles wrong", f"{labels.story_id}: {entry.name}: {description.text} (label: {role})")
    tally.people_found += len(found)
    for number, person in enumerate(labels.people):
        if number not in found:
            tally.miss("people missed", f"{labels.story_id}: {person['name']}")


def _holds_words(text: str, label: str) -> bool:
    words = set(re.findall(r"\w+", text.lower()))
    wanted = [w for w in re.findall(r"\w+", label.lower()) if w not in {"of", "the", "a", "an", "and", "for"}]
    return bool(wanted) and all(w in words for w in wanted)


def _quotes(text: str, quote: str) -> bool:
    """Whether a statement is (most of) the quoted sentence, or the sentence holds it."""
    a, b = _words(text), _words(quote)
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= 0.6


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 2}


def _agreements(briefing: Briefing, labels: Labels, article_of: Mapping[int, str], tally: Tally) -> None:
    for fact in labels.facts:
        stated = fact["stated_by"]
        if len(stated) < 2:
            continue
        tally.facts += 1
        agreed = any(
            len({article_of.get(k) for k in a.citations} & set(stated)) >= 2
            and any(_quotes(a.text, quote) for quote in stated.values())
            for a in briefing.agreements
        )
        tally.facts_agreed += agreed
        if not agreed:
            tally.miss("facts not agreed", f"{labels.story_id}: {fact['fact']}")


def _side_matches(text: str, citations: Sequence[int], side: Mapping[str, str], article_of: Mapping[int, str]) -> bool:
    return side["article"] in {article_of.get(k) for k in citations} and _quotes(text, side["quote"])


def _differences(briefing: Briefing, labels: Labels, article_of: Mapping[int, str], tally: Tally) -> None:
    tally.differences_labelled += len(labels.disagreements)
    found: set[int] = set()
    for listed in briefing.discrepancies:
        tally.differences_listed += 1
        match = next(
            (
                number
                for number, labelled in enumerate(labels.disagreements)
                if sum(
                    any(_side_matches(p.text, p.citations, side, article_of) for p in listed.positions)
                    for side in labelled["sides"]
                )
                >= 2
            ),
            None,
        )
        if match is None:
            sides = " | ".join(p.text for p in listed.positions)
            tally.miss("differences listed wrongly", f"{labels.story_id}: ({listed.kind}) {sides}")
        else:
            tally.differences_right += 1
            found.add(match)
    tally.differences_found += len(found)
    for number, labelled in enumerate(labels.disagreements):
        if number not in found:
            tally.miss("differences missed", f"{labels.story_id}: ({labelled['kind']}) {labelled['about']}")


def _timeline(briefing: Briefing, labels: Labels, article_of: Mapping[int, str], tally: Tally) -> None:
    """A timeline entry that quotes a labelled event's sentence is right when it gives the date
    of an event that sentence tells (a sentence may tell two)."""
    for entry in briefing.timeline:
        cited = {article_of.get(k) for k in entry.citations}
        events = [e for e in labels.events if e["article"] in cited and _quotes(entry.event, e["quote"])]
        if not events:
            continue
        tally.dated_events += 1
        if entry.date[:10] in {e["date"] for e in events}:
            tally.dated_right += 1
        else:
            tally.miss("dates wrong", f"{labels.story_id}: {entry.date} for {events[0]['date']}: {events[0]['quote']}")
