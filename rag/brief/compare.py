"""Where outlets differ: negated events, numbers, titles of people, attributed quotes."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.brief.model import BriefSettings, Claim, Discrepancy, Statement
from rag.entities import Role, amounts, is_negated, people, roles
from rag.text import STOPWORDS, content_stems, normalize, sentence_spans, stem, words


def _label(positions: Sequence[Statement], dates_by_key: dict[int, str | None]) -> str:
    """An update when the positions were published on different dates (a later report)."""
    position_dates = []
    for position in positions:
        known = [dates_by_key.get(k) for k in position.citations]
        if not known or any(d is None for d in known):
            return "contradiction"
        position_dates.append((min(d for d in known if d), max(d for d in known if d)))
    ordered = sorted(position_dates)
    return "update" if all(a[1] < b[0] for a, b in zip(ordered, ordered[1:], strict=False)) else "contradiction"


def people_named(texts: dict[int, str]) -> list[str]:
    """Person names across the articles; 'names' whose words also occur in lower case (headline
    fragments such as 'Historical Echoes') are dropped."""
    counts: Counter[str] = Counter()
    lower_words: set[str] = set()
    for text in texts.values():
        counts.update(set(people(text)))
        lower_words.update(w for w in re.findall(r"\b[a-z][a-z’'\-]+\b", text))
    return [name for name, _ in counts.most_common() if not any(token.lower() in lower_words for token in name.split())]


def negation_conflicts(
    claims: list[Claim],
    similarity: np.ndarray,
    settings: BriefSettings,
    dates_by_key: dict[int, str | None],
    all_people: list[str],
) -> list[Discrepancy]:
    """'Musk replied with an emoji' against 'Musk has not responded': same subject and action,
    opposite polarity, different outlets."""
    negated = [is_negated(c.text) for c in claims]
    groups: dict[tuple[str, str], dict[bool, dict[int, str]]] = {}
    about: dict[tuple[str, str], str] = {}
    for i, j in zip(*np.nonzero(np.triu(similarity >= settings.contrast_similarity, k=1)), strict=True):
        a, b = claims[i], claims[j]
        if a.key == b.key or negated[i] == negated[j]:
            continue
        action = _shared_action(a.text, b.text)
        subject = _shared_subject(a.text, b.text, all_people, action[0] if action else None)
        if not subject or not action:
            continue
        negative, positive_text = (a.text, b.text) if negated[i] else (b.text, a.text)
        if not _negates(negative, action[0]) or _hypothetical(positive_text, action[0]):
            continue
        group = groups.setdefault((subject, action[0]), {True: {}, False: {}})
        group[negated[i]].setdefault(a.key, a.text)
        group[negated[j]].setdefault(b.key, b.text)
        positive = b.text if negated[i] else a.text
        about.setdefault((subject, action[0]), f"whether {subject} {_word_in(positive, action[0]) or action[1]}")
    found = []
    for slot, sides in groups.items():
        positions = tuple(
            Statement(next(iter(side.values())), tuple(sorted(side))) for side in (sides[False], sides[True]) if side
        )
        if len(positions) == 2:
            found.append(Discrepancy(about[slot], "negation", _label(positions, dates_by_key), positions))
    return found


def _shared_subject(a: str, b: str, all_people: list[str], action: str | None) -> str | None:
    """A person both sentences name; the one named last before the action, its likely subject."""
    shared = [
        p
        for p in all_people
        if re.search(rf"\b{re.escape(p.split()[-1])}\b", a) and re.search(rf"\b{re.escape(p.split()[-1])}\b", b)
    ]
    if not shared or action is None:
        return shared[0] if shared else None
    words_a = [w.strip(".,;:!?\"'“”’").lower() for w in a.split()]
    verb_at = next((i for i, w in enumerate(words_a) if stem(w) == action), len(words_a))

    def last_mention_before_verb(person: str) -> int:
        surname = person.split()[-1].lower()
        positions = [i for i, w in enumerate(words_a[:verb_at]) if w.removesuffix("'s").removesuffix("’s") == surname]
        return max(positions, default=-1)

    return max(shared, key=last_mention_before_verb)


_GENERIC_VERBS = frozenset(stem(w) for w in "said say says told added made make according feud offer".split())


def _shared_action(a: str, b: str) -> tuple[str, str] | None:
    """A verb-like word stem both sentences use (respond, reply, accept...), with its surface form."""
    a_words = {stem(w): w for w in words(a) if w not in STOPWORDS}
    b_stems = {stem(w) for w in words(b) if w not in STOPWORDS}
    for word_stem, surface in a_words.items():
        if word_stem in b_stems and word_stem not in _GENERIC_VERBS and surface.endswith(("ed", "ied")):
            return word_stem, surface
    for word_stem, surface in a_words.items():
        if (
            word_stem in b_stems
            and word_stem not in _GENERIC_VERBS
            and (surface.endswith(("ond", "ply", "ept", "ied", "ed")) or surface.startswith("respon"))
        ):
            return word_stem, surface
    return None


def _negates(sentence: str, word_stem: str) -> bool:
    """The negation bears on the action itself: 'has not responded', 'did not reply'."""
    tokens = [t.strip(".,;:!?\"'“”’").lower() for t in sentence.split()]
    for index, token in enumerate(tokens):
        if stem(token) == word_stem:
            window = tokens[max(0, index - 3) : index]
            return any(w in {"not", "never", "no"} or w.endswith("n't") or w.endswith("n’t") for w in window)
    return False


def _hypothetical(sentence: str, word_stem: str) -> bool:
    """The action sits in an if-clause ('if needed', 'if he did need'): not a claim that it happened."""
    tokens = [t.strip(".,;:!?\"'“”’[]").lower() for t in sentence.split()]
    for index, token in enumerate(tokens):
        if stem(token) == word_stem and "if" in tokens[max(0, index - 5) : index]:
            return True
    return False


def _word_in(sentence: str, word_stem: str) -> str | None:
    for word in sentence.split():
        clean = word.strip(".,;:!?\"'“”’").lower()
        if stem(clean) == word_stem and not is_negated(word):
            return clean
    return None


def title_conflicts(
    texts: dict[int, str], all_people: list[str], dates_by_key: dict[int, str | None]
) -> list[Discrepancy]:
    """Titles that conflict: 'former president' against 'president', 'first deputy chair'
    against 'deputy chair'. Different roles that can both be true go to People instead."""
    by_person = roles_by_person(texts, all_people)
    found = []
    for person, descriptions in by_person.items():
        entries = list(descriptions.items())
        conflicts: list[tuple[Role, Role]] = []
        for (role_a, keys_a), (role_b, keys_b) in _pairs(entries):
            if set(keys_a) == set(keys_b):
                continue
            if _conflicting_titles(role_a.key, role_b.key):
                conflicts.append((role_a, role_b))
        if not conflicts:
            continue
        involved: dict[frozenset[str], tuple[str, set[int]]] = {}
        for role_a, role_b in conflicts:
            for role in (role_a, role_b):
                for other, keys in descriptions.items():
                    if other.key == role.key:
                        label, cited = involved.setdefault(role.key, (role.description, set()))
                        cited.update(keys)
        positions = tuple(Statement(f"{person}: {label}", tuple(sorted(keys))) for label, keys in involved.values())
        found.append(Discrepancy(f"{person}'s title", "title", _label(positions, dates_by_key), positions))
    return found


def roles_by_person(texts: dict[int, str], all_people: list[str]) -> dict[str, dict[Role, list[int]]]:
    result: dict[str, dict[Role, list[int]]] = {}
    seen_keys: dict[str, dict[frozenset[str], Role]] = {}
    for key, text in texts.items():
        for sentence in (text[s:e] for s, e in sentence_spans(text)):
            for role in roles(sentence, all_people):
                if not role.key:
                    continue
                canonical = seen_keys.setdefault(role.person, {}).setdefault(
                    frozenset(role.key | _head_words(role.description)), role
                )
                keys = result.setdefault(role.person, {}).setdefault(canonical, [])
                if key not in keys:
                    keys.append(key)
    return result


def _head_words(description: str) -> frozenset[str]:
    return frozenset(w for w in content_stems(description) if len(w) > 3)


def _pairs(items: list[Any]) -> list[tuple[Any, Any]]:
    return [(items[i], items[j]) for i in range(len(items)) for j in range(i + 1, len(items))]


def _conflicting_titles(a: frozenset[str], b: frozenset[str]) -> bool:
    heads_a = a - {"former", "ex", "first", "acting", "interim", "senior", "current", "vice"}
    heads_b = b - {"former", "ex", "first", "acting", "interim", "senior", "current", "vice"}
    if not heads_a or heads_a != heads_b:
        return False
    former_a, former_b = bool(a & {"former", "ex"}), bool(b & {"former", "ex"})
    first_a, first_b = "first" in a, "first" in b
    return former_a != former_b or first_a != first_b


def number_conflicts(
    claims: list[Claim], similarity: np.ndarray, settings: BriefSettings, dates_by_key: dict[int, str | None]
) -> list[Discrepancy]:
    """The same fact with different figures."""
    found = []
    seen: set[frozenset[str]] = set()
    for i, j in zip(*np.nonzero(np.triu(similarity >= 0.75, k=1)), strict=True):
        a, b = claims[i], claims[j]
        if a.key == b.key:
            continue
        figures_a, figures_b = amounts(a.text), amounts(b.text)
        units_a = {f.split()[-1] for f in figures_a}
        units_b = {f.split()[-1] for f in figures_b}
        if figures_a and figures_b and units_a & units_b and not figures_a & figures_b:
            signature = frozenset(figures_a | figures_b)
            if signature in seen:
                continue
            seen.add(signature)
            positions = (Statement(a.text, (a.key,)), Statement(b.text, (b.key,)))
            found.append(Discrepancy("figures", "number", _label(positions, dates_by_key), positions))
    return found


_QUOTE = re.compile(r"[\"“]([^\"“”]{20,300})[\"”]")


def attribution_conflicts(
    claims: list[Claim], all_people: list[str], dates_by_key: dict[int, str | None]
) -> list[Discrepancy]:
    """The same quote put in different mouths."""
    speakers: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    samples: dict[str, str] = {}
    for claim in claims:
        for quote in _QUOTE.findall(claim.text):
            normal = " ".join(normalize(quote).split()[:8])
            outside = _QUOTE.sub(" ", claim.text)
            named = [p for p in all_people if re.search(rf"\b{re.escape(p.split()[-1])}\b", outside)]
            if len(named) == 1:
                speakers[normal][named[0]].add(claim.key)
                samples.setdefault(normal, quote)
    found = []
    for normal, by_speaker in speakers.items():
        if len(by_speaker) > 1:
            positions = tuple(
                Statement(f"{speaker} said “{samples[normal]}”", tuple(sorted(keys)))
                for speaker, keys in by_speaker.items()
            )
            found.append(
                Discrepancy(
                    f"who said “{samples[normal][:60]}”", "attribution", _label(positions, dates_by_key), positions
                )
            )
    return found
