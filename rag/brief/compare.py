"""Where outlets differ, read from the parse of each claim (rag.brief.facts): an action one
outlet states and another denies, different figures or dates for the same fact, a quote put in
different mouths, and titles of a person that cannot both be true."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from itertools import product

import numpy as np

from rag.brief.facts import ClaimFacts, Figure, amounts
from rag.brief.model import BriefSettings, Claim, Discrepancy, Statement
from rag.brief.numbers import bounds_meet, number_of, rounds_to
from rag.brief.roles import Role, roles_conflict
from rag.embed import Embedder
from rag.text import normalize
from rag.types import update_or_contradiction


def _label(positions: Sequence[Statement], dates_by_key: dict[int, str | None]) -> str:
    return update_or_contradiction([[dates_by_key.get(k) for k in p.citations] for p in positions])


def _pairs(claims: list[Claim], similarity: np.ndarray, floor: float) -> list[tuple[int, int]]:
    """Pairs of claims from different articles at least `floor` alike in meaning."""
    return [
        (int(i), int(j))
        for i, j in zip(*np.nonzero(np.triu(similarity >= floor, k=1)), strict=True)
        if claims[i].key != claims[j].key
    ]


def negation_conflicts(
    claims: list[Claim],
    facts: list[ClaimFacts],
    similarity: np.ndarray,
    settings: BriefSettings,
    dates_by_key: dict[int, str | None],
) -> list[Discrepancy]:
    """One outlet states an action ("X signed the budget"), another denies it ("X has not
    signed it"): the same subject and verb, opposite polarity, neither in an if-clause. A
    sentence that does not mention the action ("does not explicitly say") is no side."""
    sides: dict[tuple[str, str], dict[bool, dict[int, str]]] = {}
    surfaces: dict[tuple[str, str], str] = {}
    for i, j in _pairs(claims, similarity, settings.contrast_similarity):
        for a, b in ((i, j), (j, i)):
            for denied in (x for x in facts[a].actions if x.negated and not x.hypothetical):
                stated = [
                    x
                    for x in facts[b].actions
                    if x.verb == denied.verb and x.subject == denied.subject and not x.negated and not x.hypothetical
                ]
                if not stated:
                    continue
                slot = (denied.subject, denied.verb)
                group = sides.setdefault(slot, {True: {}, False: {}})
                group[True].setdefault(claims[a].key, claims[a].text)
                group[False].setdefault(claims[b].key, claims[b].text)
                surfaces.setdefault(slot, stated[0].surface)
    found = []
    for (subject, _), group in sides.items():
        positions = tuple(
            Statement(next(iter(side.values())), tuple(sorted(side))) for side in (group[False], group[True])
        )
        if set(positions[0].citations) != set(positions[1].citations):
            about = f"whether {subject} {surfaces[(subject, _)]}"
            found.append(Discrepancy(about, "negation", _label(positions, dates_by_key), positions))
    return found


def number_conflicts(
    claims: list[Claim],
    facts: list[ClaimFacts],
    similarity: np.ndarray,
    settings: BriefSettings,
    dates_by_key: dict[int, str | None],
    embedder: Embedder,
) -> list[Discrepancy]:
    """The same fact told with different figures of the same kind (two amounts of money, two
    counts), or different days, and no figure of that kind in common. An outlet does not
    contradict an amount it gives itself: if it does, its other figure counts something else
    ("continuing claims … 2.59 million" beside its own "applications … totaled 293,000")."""
    found = []
    seen: set[frozenset[str]] = set()
    compared: set[frozenset[int]] = set()
    given: dict[int, set[str]] = defaultdict(set)  # every amount each article gives
    for claim, fact in zip(claims, facts, strict=True):
        given[claim.key] |= fact.amounts_given

    def given_by_both(i: int, j: int, values_a: set[str], values_b: set[str]) -> bool:
        return bool(
            {x for v in values_a for x in amounts(v)} & given[claims[j].key]
            or {x for v in values_b for x in amounts(v)} & given[claims[i].key]
        )

    def add(i: int, j: int, kind: str, signature: frozenset[str]) -> None:
        if signature in seen or frozenset((i, j)) in compared:
            return
        seen.add(signature)
        compared.add(frozenset((i, j)))
        positions = (Statement(claims[i].text, (claims[i].key,)), Statement(claims[j].text, (claims[j].key,)))
        about = "dates" if kind == "DATE" else "figures"
        found.append(Discrepancy(about, "number", _label(positions, dates_by_key), positions))

    for i, j in _pairs(claims, similarity, settings.same_fact_similarity):
        for kind, values_a, values_b in _comparable_figures(facts[i], facts[j]):
            if not (values_a & values_b or _shared_amount(values_a, values_b)):
                if kind == "DATE" or not given_by_both(i, j, values_a, values_b):
                    add(i, j, kind, frozenset(values_a | values_b))
    # Claims told in other words can still count one thing differently: "forcing about 1,200
    # residents from their homes" against "roughly 800 residents were forced to abandon their
    # homes". What decides is what each figure counts, in which event: its frame, governed by
    # the same verb (the model puts "killed N people" close to "injured N people").
    pairs = [
        (i, j, a, b)
        for i, j in _pairs(claims, similarity, settings.figure_pair_similarity)
        for a, b in _differing_figures(facts[i], facts[j])
    ]
    frames = sorted({f.frame for _, _, a, b in pairs for f in (a, b)})
    if not frames:
        return found
    vectors = dict(zip(frames, embedder.embed(frames), strict=True))
    for i, j, a, b in pairs:
        if given_by_both(i, j, {a.value}, {b.value}):
            continue
        if float(vectors[a.frame] @ vectors[b.frame]) >= settings.same_frame_similarity:
            add(i, j, a.label, frozenset({a.value, b.value}))
    return found


def _differing_figures(a: ClaimFacts, b: ClaimFacts) -> list[tuple[Figure, Figure]]:
    """Figures of one kind counting one thing, governed by the same verb, that cannot both be true:
    neither amount given anywhere in the other claim ("54 percent to 46" against "54 percent" is
    one result), nor counted over different periods ("9 percent over five years", "12 percent
    since 2015"), nor one the other written round ("some 100,000" for "101,789")."""
    everywhere_a, everywhere_b = a.amounts_given, b.amounts_given
    return [
        (x, y)
        for x, y in product(a.figures, b.figures)
        if x.label == y.label
        and x.verb
        and x.verb == y.verb
        and x.counts == y.counts
        and not (x.period and y.period and x.period != y.period)
        and not amounts(x.value) & everywhere_b
        and not amounts(y.value) & everywhere_a
        and not _bounds_meet([x], [y])
        and not any(rounds_to(m, n) for m in _numbers(x) for n in _numbers(y))
    ]


def _comparable_figures(a: ClaimFacts, b: ClaimFacts) -> list[tuple[str, set[str], set[str]]]:
    """Figures of the same kind counting the same thing ("1,200 workers" against "1,500
    workers"), and days given for the same action ("ordered Tuesday" against "ordered on
    Wednesday"; a bare weekday is too loose to hold against another)."""
    pairs = []
    slots = {(f.label, f.counts) for f in a.figures} & {(f.label, f.counts) for f in b.figures}
    for label, counts in sorted(slots):
        if not counts:
            continue
        values_a = {f.value for f in a.figures if (f.label, f.counts) == (label, counts)}
        values_b = {f.value for f in b.figures if (f.label, f.counts) == (label, counts)}
        # A figure of this kind the other claim gives anywhere, however the parse attached it,
        # is one they agree on.
        everywhere_a = {f.value for f in a.figures if f.label == label}
        everywhere_b = {f.value for f in b.figures if f.label == label}
        if _shared_amount(values_a, everywhere_b) or _shared_amount(values_b, everywhere_a):
            continue
        if _bounds_meet(
            [f for f in a.figures if (f.label, f.counts) == (label, counts)],
            [f for f in b.figures if (f.label, f.counts) == (label, counts)],
        ):
            continue  # "more than $25" and "as much as $120" can both be true
        pairs.append((label, values_a, values_b))
    # Lengths of time in one unit, none in common ("for two months" against "for three months").
    for unit in {_unit(x) for x in a.exact_lengths} & {_unit(y) for y in b.exact_lengths} - {""}:
        lengths_a = {x for x in a.exact_lengths if _unit(x) == unit}
        lengths_b = {y for y in b.exact_lengths if _unit(y) == unit}
        if not (lengths_a & b.lengths or lengths_b & a.lengths):
            pairs.append(("DURATION", lengths_a, lengths_b))
    for verb in {d.of for d in a.dates if d.of} & {d.of for d in b.dates if d.of}:
        days_a = {d.date for d in a.dates if d.of == verb and d.precision == "day" and _names_a_day(d.text)}
        days_b = {d.date for d in b.dates if d.of == verb and d.precision == "day" and _names_a_day(d.text)}
        if days_a and days_b:
            pairs.append(("DATE", days_a, days_b))
    return pairs


def _unit(length: str) -> str:
    """The unit of a length counted in whole numbers ("month" of "2 month"); "" for an ordinal's
    ("the second quarter" is a time, not a length)."""
    amount, _, unit = length.rpartition(" ")
    return unit if number_of(amount) is not None else ""


def tell_figures_apart(a: ClaimFacts, b: ClaimFacts) -> bool:
    """Whether two claims give different figures of one kind for one thing, and none of it in
    common: two versions of a count, not one fact."""
    return any(not (x & y or _shared_amount(x, y)) for _, x, y in _comparable_figures(a, b))


def share_an_amount(a: Sequence[Figure], b: Sequence[Figure]) -> bool:
    """Whether two claims' figures have an amount in common: the same, or a bound that the other
    meets ("almost $139 million" and "$138 million")."""
    return _shared_amount({f.value for f in a}, {f.value for f in b}) or _bounds_meet(list(a), list(b))


def _shared_amount(a: set[str], b: set[str]) -> bool:
    return bool({x for v in a for x in amounts(v)} & {x for v in b for x in amounts(v)})


def _bounds_meet(a: list[Figure], b: list[Figure]) -> bool:
    """Whether some amount of `a` and some of `b`, one of them a bound, can both be true."""
    return any(
        bounds_meet((m, x.bound), (n, y.bound))
        for x, y in product(a, b)
        if x.bound or y.bound
        for m in _numbers(x)
        for n in _numbers(y)
    )


def _numbers(figure: Figure) -> list[float]:
    return [n for amount in amounts(figure.value) if (n := number_of(amount)) is not None]


def _names_a_day(text: str) -> bool:
    return any(c.isdigit() for c in text)


def attribution_conflicts(
    claims: list[Claim], facts: list[ClaimFacts], dates_by_key: dict[int, str | None]
) -> list[Discrepancy]:
    """The same quote put in different mouths."""
    speakers: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    samples: dict[str, str] = {}
    for claim, fact in zip(claims, facts, strict=True):
        if fact.quote and fact.speaker:
            normal = " ".join(normalize(fact.quote).split()[:8])
            speakers[normal][fact.speaker].add(claim.key)
            samples.setdefault(normal, fact.quote)
    found = []
    for normal, by_speaker in speakers.items():
        if len(by_speaker) > 1:
            positions = tuple(
                Statement(f"{speaker} said “{samples[normal]}”", tuple(sorted(keys)))
                for speaker, keys in by_speaker.items()
            )
            about = f"who said “{samples[normal][:60]}”"
            found.append(Discrepancy(about, "attribution", _label(positions, dates_by_key), positions))
    return found


def roles_by_person(claims: list[Claim], facts: list[ClaimFacts]) -> dict[str, dict[Role, list[int]]]:
    """Each person's descriptions, one entry per distinct description (the same office, in the
    wording most sentences give, and of those the fullest: "Marine Corps general" and "general"
    once each are "Marine Corps general"), with the articles giving it; a description is of an
    earlier time (`Role.then`) only if every sentence giving it tells of one."""
    grouped: dict[tuple[str, str, bool, frozenset[str], frozenset[str]], list[tuple[Role, int]]] = {}
    for claim, fact in zip(claims, facts, strict=True):
        for role in fact.roles:
            grouped.setdefault((role.person, role.head, role.former, role.modifiers, role.rank), []).append(
                (role, claim.key)
            )
    result: dict[str, dict[Role, list[int]]] = {}
    for given in grouped.values():
        wordings = Counter(role.description for role, _ in given)
        # the wording most sentences give, and of those the fullest, then the first
        told = max((role for role, _ in given), key=lambda role: (wordings[role.description], len(role.description)))
        then = all(role.then for role, _ in given)
        result.setdefault(told.person, {})[replace(told, then=then)] = list(dict.fromkeys(key for _, key in given))
    return result


def title_conflicts(
    by_person: dict[str, dict[Role, list[int]]], dates_by_key: dict[int, str | None]
) -> list[Discrepancy]:
    """Titles that cannot both be true ("former president" against "president"), each with
    the articles giving it. Different roles that can both be true go to People instead."""
    found = []
    for person, descriptions in by_person.items():
        entries = list(descriptions.items())
        involved: dict[Role, list[int]] = {}
        for index, (role_a, keys_a) in enumerate(entries):
            for role_b, keys_b in entries[index + 1 :]:
                if set(keys_a) != set(keys_b) and roles_conflict(role_a, role_b):
                    involved[role_a] = keys_a
                    involved[role_b] = keys_b
        if involved:
            positions = tuple(
                Statement(f"{person}: {role.description}", tuple(sorted(keys))) for role, keys in involved.items()
            )
            found.append(Discrepancy(f"{person}'s title", "title", _label(positions, dates_by_key), positions))
    return found
