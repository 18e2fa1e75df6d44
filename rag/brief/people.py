"""Who is who, according to whom."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from rag.brief.facts import ClaimFacts
from rag.brief.model import Claim, Discrepancy, PersonEntry, Statement
from rag.brief.roles import Role


def person_entries(
    claims: list[Claim],
    facts: list[ClaimFacts],
    by_person: dict[str, dict[Role, list[int]]],
    discrepancies: list[Discrepancy],
    shown: Collection[str] = (),
) -> list[PersonEntry]:
    """Each person described by a source, quoted, named by at least two, or named in what the
    briefing shows (`shown`), with every description and the articles giving it; people with
    conflicting titles are flagged."""
    conflicted = {d.about.removesuffix("'s title") for d in discrepancies if d.kind == "title"}
    articles: dict[str, set[int]] = {}
    mentions: Counter[str] = Counter()
    speakers = {fact.speaker for fact in facts if fact.speaker}
    for claim, fact in zip(claims, facts, strict=True):
        for person in fact.people:
            articles.setdefault(person, set()).add(claim.key)
            mentions[person] += 1
    entries = []
    for person, _ in sorted(mentions.items(), key=lambda item: (-len(articles[item[0]]), -item[1], item[0])):
        descriptions = by_person.get(person, {})
        if not descriptions and len(articles[person]) < 2 and person not in speakers and person not in shown:
            continue
        worded: dict[str, set[int]] = {}  # one wording once, however the parse told its offices apart
        for role, keys in descriptions.items():
            worded.setdefault(role.description, set()).update(keys)
        statements = tuple(
            Statement(description, tuple(sorted(keys)))
            for description, keys in sorted(worded.items(), key=lambda item: (-len(item[1]), item[0]))
        )
        entries.append(PersonEntry(person, statements, person in conflicted))
    return entries
