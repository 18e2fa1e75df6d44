"""Who is who, according to whom."""

from __future__ import annotations

import re
from collections import Counter

from rag.brief.compare import roles_by_person
from rag.brief.model import Discrepancy, PersonEntry, Statement


def person_entries(texts: dict[int, str], all_people: list[str], discrepancies: list[Discrepancy]) -> list[PersonEntry]:
    conflicted = {d.about.removesuffix("'s title") for d in discrepancies if d.kind == "title"}
    by_person = roles_by_person(texts, all_people)
    mentions = Counter(
        {p: sum(bool(re.search(rf"\b{re.escape(p.split()[-1])}\b", t)) for t in texts.values()) for p in all_people}
    )
    entries = []
    for person, count in mentions.most_common():
        descriptions = by_person.get(person, {})
        if not descriptions and count < 2:
            continue
        statements = tuple(
            Statement(role.description, tuple(sorted(keys)))
            for role, keys in sorted(descriptions.items(), key=lambda item: (-len(item[1]), item[0].description))
        )
        entries.append(PersonEntry(person, statements, person in conflicted))
    return entries
