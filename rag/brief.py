"""`brief`: one page instead of five articles — what the sources agree on, where they differ,
what only one reports, when things happened, and who is who according to whom.

The offline path builds everything from the sentences themselves: claims are clustered across
articles by embedding similarity (checked for word overlap), and compared slot by slot for
negations, numbers, people's titles and quote attributions. With an LLM, a map step extracts
claims per article as validated JSON and a reduce step writes the summary; both are checked
against the articles the same way.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.cite import SupportSettings, parse_citations, support
from rag.embed import Embedder
from rag.entities import Role, amounts, dates, is_negated, people, roles
from rag.errors import RagError
from rag.llm import LLM, LLMError
from rag.retrieve import RetrievalParams, retrieve
from rag.store import Filters, Store, StoredText
from rag.text import STOPWORDS, content_stems, normalize, sentence_spans, stem, words


@dataclass(frozen=True)
class BriefSettings:
    max_articles: int = 200
    max_claims_per_article: int = 40
    relevance_floor: float = 0.25  # cosine to the topic (or story centroid) below which a sentence is off-topic
    topic_article_floor: float = 0.3  # best passage cosine for an article to bear on the topic
    topic_lexical_floor: float = 0.15  # ... or this much when the passage also shares the topic's words
    cluster_similarity: float = 0.66
    confirm_similarity: float = 0.6  # a claim another article says this closely is not single-source
    contrast_similarity: float = 0.5
    summary_sentences: int = 4
    single_source_items: int = 12
    timeline_items: int = 25


@dataclass(frozen=True)
class Statement:
    text: str
    citations: tuple[int, ...]


@dataclass(frozen=True)
class Agreement:
    text: str
    citations: tuple[int, ...]
    source_count: int


@dataclass(frozen=True)
class Discrepancy:
    about: str
    kind: str  # negation | title | number | attribution
    label: str  # contradiction | update
    positions: tuple[Statement, ...]


@dataclass(frozen=True)
class TimelineEvent:
    date: str
    event: str
    citations: tuple[int, ...]
    precision: str
    inferred_year: bool


@dataclass(frozen=True)
class PersonEntry:
    name: str
    descriptions: tuple[Statement, ...]
    conflicting: bool


@dataclass(frozen=True)
class BriefSource:
    key: int
    article_id: str
    title: str
    source: str | None
    date: str | None
    url: str | None


@dataclass(frozen=True)
class Briefing:
    topic: str | None
    summary: tuple[Statement, ...]
    agreements: tuple[Agreement, ...]
    discrepancies: tuple[Discrepancy, ...]
    single_source: tuple[Statement, ...]
    timeline: tuple[TimelineEvent, ...]
    people: tuple[PersonEntry, ...]
    sources: tuple[BriefSource, ...]


@dataclass
class _Claim:
    key: int
    text: str
    relevance: float = 0.0
    quote: str = ""


# -- selecting the material --------------------------------------------------------------------


def select_articles(
    store: Store,
    embedder: Embedder,
    topic: str | None,
    filters: Filters,
    settings: BriefSettings,
    doc_ids: Sequence[str] | None = None,
) -> list[StoredText]:
    """The articles named, or every article bearing on the topic (best passage above the
    floor), or all of them."""
    if doc_ids is not None:
        return store.articles(ids=store.ids_for_doc_ids(doc_ids))
    if not topic:
        return store.articles(filters=filters)[: settings.max_articles]
    params = RetrievalParams(
        k=settings.max_articles,
        per_article=1,
        candidates=max(256, settings.max_articles * 4),
        relevance_floor=-1.0,
        filters=filters,
    )
    result = retrieve(store, embedder, topic, params)
    ids = [
        h.article_id
        for h in result.hits
        if (h.dense_score or 0.0) >= settings.topic_article_floor
        or (h.lexical_rank is not None and (h.dense_score or 0.0) >= settings.topic_lexical_floor)
    ]
    return store.articles(ids=list(dict.fromkeys(ids)))


_BOILERPLATE = re.compile(
    r"\b(cookies?|subscribe|newsletter|all rights reserved|published by|recent posts|minutes ago|hours ago|"
    r"click here|sign up|follow us|read more)\b",
    re.IGNORECASE,
)


def claim_sentences(text: str) -> list[str]:
    """Sentences worth comparing: whole statements, not headings, bullets' markers or page chrome."""
    found = []
    for start, end in sentence_spans(text):
        sentence = text[start:end].lstrip("•*-–— \t").strip()
        n_words = len(sentence.split())
        if n_words < 6 or n_words > 90 or _BOILERPLATE.search(sentence):
            continue
        if sentence.endswith(("…", "...")):
            continue  # a teaser
        capitalised = sum(w[:1].isupper() for w in sentence.split()) / n_words
        if sentence[-1:] not in '.!?"”’)' and (n_words < 12 or capitalised > 0.6):
            continue  # a heading
        found.append(sentence)
    return found


# -- the offline briefing ----------------------------------------------------------------------


def build_briefing(
    store: Store,
    embedder: Embedder,
    topic: str | None = None,
    filters: Filters | None = None,
    settings: BriefSettings | None = None,
    llm: LLM | None = None,
    prompts: Any = None,
    doc_ids: Sequence[str] | None = None,
) -> Briefing:
    settings = settings or BriefSettings()
    articles = select_articles(store, embedder, topic, filters or Filters(), settings, doc_ids)
    if not articles:
        raise RagError("no articles bear on that topic; try broader words, or no topic for the whole index")
    sources = tuple(BriefSource(i, a.doc_id, a.title, a.source, a.date, a.url) for i, a in enumerate(articles, start=1))
    texts = {s.key: a.text for s, a in zip(sources, articles, strict=True)}
    dates_by_key = {s.key: s.date for s in sources}
    if llm is not None and llm.name != "extractive":
        claims = _map_claims(llm, prompts, sources, texts)
    else:
        claims = [_Claim(key, sentence) for key, text in texts.items() for sentence in claim_sentences(text)]
    if not claims:
        raise RagError("the selected articles hold no sentences to brief on")
    vectors = embedder.embed([c.text for c in claims])
    anchor = embedder.embed([topic])[0] if topic else _centroid(vectors, [c.key for c in claims])
    for claim, score in zip(claims, vectors @ anchor, strict=True):
        claim.relevance = float(score)
    keep = _keep_relevant(claims, settings)
    claims = [claims[i] for i in keep]
    vectors = vectors[keep]
    similarity = vectors @ vectors.T
    support_settings = SupportSettings()
    clusters = _cluster(claims, similarity, settings, support_settings)
    agreements = _agreements(claims, similarity, clusters, texts, embedder, support_settings)
    single = _single_source(claims, similarity, clusters, settings)
    reference_year = _reference_year(dates_by_key.values())
    all_people = _people(texts)
    discrepancies = (
        _negations(claims, similarity, settings, dates_by_key, all_people)
        + _titles(texts, all_people, dates_by_key)
        + _numbers(claims, similarity, settings, dates_by_key)
        + _attributions(claims, all_people, dates_by_key)
    )
    timeline = _timeline(claims, similarity, dates_by_key, reference_year, settings)
    people_entries = _people_entries(texts, all_people, discrepancies)
    summary = _summary(agreements, claims, settings)
    if llm is not None and llm.name != "extractive":
        summary = _reduce_summary(llm, prompts, topic, agreements, discrepancies, texts, embedder) or summary
    return Briefing(
        topic=topic,
        summary=tuple(summary),
        agreements=tuple(agreements),
        discrepancies=tuple(discrepancies),
        single_source=tuple(single),
        timeline=tuple(timeline),
        people=tuple(people_entries),
        sources=sources,
    )


def _centroid(vectors: np.ndarray, keys: list[int]) -> np.ndarray:
    """The story's centre: the mean of per-article means, so long articles do not dominate."""
    by_key: dict[int, list[int]] = defaultdict(list)
    for row, key in enumerate(keys):
        by_key[key].append(row)
    means = np.stack([vectors[rows].mean(axis=0) for rows in by_key.values()])
    centre = means.mean(axis=0)
    return np.asarray(centre / (np.linalg.norm(centre) or 1.0), dtype=np.float32)


def _keep_relevant(claims: list[_Claim], settings: BriefSettings) -> list[int]:
    by_key: dict[int, list[int]] = defaultdict(list)
    for index, claim in enumerate(claims):
        if claim.relevance >= settings.relevance_floor:
            by_key[claim.key].append(index)
    keep: list[int] = []
    for indices in by_key.values():
        best = sorted(indices, key=lambda i: -claims[i].relevance)[: settings.max_claims_per_article]
        keep.extend(sorted(best))
    return sorted(keep)


@dataclass
class _Cluster:
    members: list[int]
    citations: list[int] = field(default_factory=list)


def _cluster(
    claims: list[_Claim], similarity: np.ndarray, settings: BriefSettings, support_settings: SupportSettings
) -> list[_Cluster]:
    """Greedy leader clustering across articles: the claim most echoed by other outlets leads,
    and takes the closest sentence of each other article that says the same thing."""
    keys = np.array([c.key for c in claims])
    other = keys[:, None] != keys[None, :]
    echoes = ((similarity >= settings.cluster_similarity) & other).sum(axis=1)
    order = sorted(range(len(claims)), key=lambda i: (-echoes[i], -claims[i].relevance, i))
    assigned = np.zeros(len(claims), dtype=bool)
    clusters: list[_Cluster] = []
    for leader in order:
        if assigned[leader]:
            continue
        assigned[leader] = True
        members = [leader]
        best_per_article: dict[int, tuple[float, int]] = {}
        close = np.flatnonzero((similarity[leader] >= settings.cluster_similarity) & other[leader] & ~assigned)
        for candidate in close.tolist():
            key = claims[candidate].key
            if similarity[leader, candidate] > best_per_article.get(key, (-1.0, -1))[0]:
                best_per_article[key] = (float(similarity[leader, candidate]), candidate)
        for _, member in sorted(best_per_article.values(), reverse=True):
            if support(claims[member].text, claims[leader].text, None, support_settings).score >= 0.3:
                members.append(member)
                assigned[member] = True
        clusters.append(_Cluster(members, sorted({claims[m].key for m in members})))
    return clusters


def _agreements(
    claims: list[_Claim],
    similarity: np.ndarray,
    clusters: list[_Cluster],
    texts: dict[int, str],
    embedder: Embedder,
    support_settings: SupportSettings,
) -> list[Agreement]:
    agreements = []
    for cluster in clusters:
        if len(cluster.citations) < 2:
            continue
        members = cluster.members
        centrality = {m: float(np.mean([similarity[m, o] for o in members if o != m])) for m in members}
        best = max(members, key=lambda m: (round(centrality[m], 2), -len(claims[m].text), -m))
        text = claims[best].text
        # Checked as in `rag ask`: each cited article must support the statement.
        member_text = {claims[m].key: claims[m].text for m in members}
        verified = [
            k
            for k in cluster.citations
            if k == claims[best].key
            or support(text, member_text[k], embedder, support_settings).supported
            or support(text, texts[k], embedder, support_settings).supported
        ]
        if len(verified) >= 2:
            agreements.append(Agreement(text, tuple(verified), len(verified)))
    agreements.sort(key=lambda a: (-a.source_count, a.citations))
    return agreements


def _single_source(
    claims: list[_Claim], similarity: np.ndarray, clusters: list[_Cluster], settings: BriefSettings
) -> list[Statement]:
    keys = np.array([c.key for c in claims])
    candidates = []
    for cluster in clusters:
        if len(cluster.citations) != 1:
            continue
        index = cluster.members[0]
        others = similarity[index][keys != claims[index].key]
        if others.size and others.max() >= settings.confirm_similarity:
            continue
        text = claims[index].text
        informative = bool(amounts(text) or people(text) or dates(text, None, 2000) or re.search(r"\d", text))
        if informative:
            candidates.append((claims[index].relevance, index))
    for cluster in clusters:
        if len(cluster.citations) < 2:
            continue
        for index in cluster.members:
            others = [amounts(claims[m].text) for m in cluster.members if claims[m].key != claims[index].key]
            own = amounts(claims[index].text)
            if own and not any(own & figures for figures in others):
                candidates.append((claims[index].relevance, index))
    candidates.sort(reverse=True)
    distinct: list[tuple[float, int]] = []
    for relevance, index in candidates:
        if all(similarity[index, other] < settings.confirm_similarity for _, other in distinct):
            distinct.append((relevance, index))
    chosen = sorted(distinct[: settings.single_source_items], key=lambda item: item[1])
    return [Statement(claims[i].text, (claims[i].key,)) for _, i in chosen]


def _summary(agreements: list[Agreement], claims: list[_Claim], settings: BriefSettings) -> list[Statement]:
    """The most widely reported claims, each about something the others do not cover."""
    picked: list[Statement] = []
    covered: list[set[str]] = []
    for agreement in agreements:
        stems = set(content_stems(agreement.text))
        if any(len(stems & other) / max(1, min(len(stems), len(other))) > 0.5 for other in covered):
            continue
        picked.append(Statement(agreement.text, agreement.citations))
        covered.append(stems)
        if len(picked) >= settings.summary_sentences:
            break
    if len(picked) < settings.summary_sentences:
        seen = {p.text for p in picked}
        for claim in sorted(claims, key=lambda c: -c.relevance):
            if claim.text not in seen and len(picked) < settings.summary_sentences:
                picked.append(Statement(claim.text, (claim.key,)))
                seen.add(claim.text)
    return picked


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


def _people(texts: dict[int, str]) -> list[str]:
    """Person names across the articles; 'names' whose words also occur in lower case (headline
    fragments such as 'Historical Echoes') are dropped."""
    counts: Counter[str] = Counter()
    lower_words: set[str] = set()
    for text in texts.values():
        counts.update(set(people(text)))
        lower_words.update(w for w in re.findall(r"\b[a-z][a-z’'\-]+\b", text))
    return [name for name, _ in counts.most_common() if not any(token.lower() in lower_words for token in name.split())]


def _negations(
    claims: list[_Claim],
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


def _titles(texts: dict[int, str], all_people: list[str], dates_by_key: dict[int, str | None]) -> list[Discrepancy]:
    """Titles that conflict: 'former president' against 'president', 'first deputy chair'
    against 'deputy chair'. Different roles that can both be true go to People instead."""
    by_person = _roles_by_person(texts, all_people)
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


def _roles_by_person(texts: dict[int, str], all_people: list[str]) -> dict[str, dict[Role, list[int]]]:
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


def _numbers(
    claims: list[_Claim], similarity: np.ndarray, settings: BriefSettings, dates_by_key: dict[int, str | None]
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


def _attributions(
    claims: list[_Claim], all_people: list[str], dates_by_key: dict[int, str | None]
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


def _reference_year(article_dates: Any) -> int | None:
    years = Counter(int(d[:4]) for d in article_dates if d)
    return years.most_common(1)[0][0] if years else None


def _timeline(
    claims: list[_Claim],
    similarity: np.ndarray,
    dates_by_key: dict[int, str | None],
    reference_year: int | None,
    settings: BriefSettings,
) -> list[TimelineEvent]:
    events: list[tuple[str, int, str, bool]] = []
    for index, claim in enumerate(claims):
        for mention in dates(claim.text, dates_by_key.get(claim.key), reference_year):
            events.append((mention.date, index, mention.precision, mention.inferred_year))
    merged: list[tuple[str, list[int], str, bool]] = []
    for date, index, precision, inferred in sorted(events, key=lambda e: (e[0], -claims[e[1]].relevance)):
        for event in merged:
            if event[0] == date and similarity[index, event[1][0]] >= 0.6:
                event[1].append(index)
                break
        else:
            merged.append((date, [index], precision, inferred))
    ranked = sorted(merged, key=lambda e: -max(claims[i].relevance for i in e[1]))[: settings.timeline_items]
    ranked.sort(key=lambda e: (e[0], e[1][0]))
    return [
        TimelineEvent(
            date, claims[members[0]].text, tuple(sorted({claims[m].key for m in members})), precision, inferred
        )
        for date, members, precision, inferred in ranked
    ]


def _people_entries(
    texts: dict[int, str], all_people: list[str], discrepancies: list[Discrepancy]
) -> list[PersonEntry]:
    conflicted = {d.about.removesuffix("'s title") for d in discrepancies if d.kind == "title"}
    by_person = _roles_by_person(texts, all_people)
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


# -- the LLM path: map (claims per article) and reduce (summary) -------------------------------

_CLAIMS_SCHEMA_HINT = '{"claims": [{"text": "...", "quote": "exact sentence from the article"}]}'


def _map_claims(llm: LLM, prompts: Any, sources: tuple[BriefSource, ...], texts: dict[int, str]) -> list[_Claim]:
    claims: list[_Claim] = []
    for source in sources:
        messages = prompts.map_messages(source, texts[source.key])
        for _attempt in range(3):
            reply = llm.complete(messages)
            extracted, problem = _validate_claims(reply, texts[source.key])
            if problem is None:
                claims.extend(_Claim(source.key, text, quote=quote) for text, quote in extracted)
                break
            messages = [
                *messages,
                {"role": "assistant", "content": reply},
                {
                    "role": "user",
                    "content": f"That reply was invalid: {problem}. Reply with JSON only, "
                    f"exactly in the form {_CLAIMS_SCHEMA_HINT}.",
                },
            ]
        else:
            raise LLMError(f"the model gave no valid claims for article {source.article_id} after 3 tries")
    return claims


def _validate_claims(reply: str, article: str) -> tuple[list[tuple[str, str]], str | None]:
    """Parse and check a map reply; claims whose quote is not in the article are dropped."""
    match = re.search(r"\{.*\}", reply, re.DOTALL)
    if not match:
        return [], "no JSON object found"
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError as exc:
        return [], f"invalid JSON ({exc.msg})"
    items = data.get("claims") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return [], "'claims' must be a list"
    normal_article = normalize(article)
    kept = []
    for item in items:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("text"), str)
            or not isinstance(item.get("quote"), str)
        ):
            return [], "each claim needs string fields 'text' and 'quote'"
        if normalize(item["quote"]) and normalize(item["quote"]) in normal_article:
            kept.append((item["text"].strip(), item["quote"].strip()))
    return kept, None


def _reduce_summary(
    llm: LLM,
    prompts: Any,
    topic: str | None,
    agreements: list[Agreement],
    discrepancies: list[Discrepancy],
    texts: dict[int, str],
    embedder: Embedder,
) -> list[Statement]:
    messages = prompts.reduce_messages(topic, agreements, discrepancies)
    reply = llm.complete(messages)
    statements = []
    for sentence in parse_citations(reply):
        verified = tuple(
            k
            for k in sentence.keys
            if k in texts and support(sentence.text, texts[k], embedder, SupportSettings()).supported
        )
        if verified:
            statements.append(Statement(sentence.text, verified))
    return statements


# -- presentation ------------------------------------------------------------------------------


def briefing_json(briefing: Briefing) -> dict[str, Any]:
    def statement(s: Statement) -> dict[str, Any]:
        return {"text": s.text, "citations": list(s.citations)}

    return {
        "topic": briefing.topic,
        "summary": [statement(s) for s in briefing.summary],
        "agreements": [
            {"text": a.text, "citations": list(a.citations), "source_count": a.source_count}
            for a in briefing.agreements
        ],
        "discrepancies": [
            {"about": d.about, "kind": d.kind, "label": d.label, "positions": [statement(p) for p in d.positions]}
            for d in briefing.discrepancies
        ],
        "single_source": [statement(s) for s in briefing.single_source],
        "timeline": [
            {
                "date": e.date,
                "event": e.event,
                "citations": list(e.citations),
                "precision": e.precision,
                "inferred_year": e.inferred_year,
            }
            for e in briefing.timeline
        ],
        "people": [
            {"name": p.name, "conflicting": p.conflicting, "descriptions": [statement(d) for d in p.descriptions]}
            for p in briefing.people
        ],
        "sources": [
            {
                "key": s.key,
                "article_id": s.article_id,
                "title": s.title,
                "source": s.source,
                "date": s.date,
                "url": s.url,
            }
            for s in briefing.sources
        ],
    }


def _marks(citations: Sequence[int]) -> str:
    return "".join(f"[^{k}]" for k in citations)


def briefing_markdown(briefing: Briefing) -> str:
    lines = [f"# Briefing: {briefing.topic}" if briefing.topic else "# Briefing", ""]
    lines += [f"{len(briefing.sources)} articles.", "", "## Summary", ""]
    lines += [f"- {s.text} {_marks(s.citations)}" for s in briefing.summary] or ["- (nothing the sources share)"]
    lines += ["", "## What sources agree on", ""]
    lines += [f"- {a.text} {_marks(a.citations)} — {a.source_count} sources" for a in briefing.agreements] or [
        "- (no claim is reported by more than one source)"
    ]
    lines += ["", "## Where sources differ", ""]
    for d in briefing.discrepancies:
        label = "update (a later report)" if d.label == "update" else "contradiction"
        lines.append(f"- **{d.about}** ({d.kind}, {label})")
        lines += [f"  - {p.text} {_marks(p.citations)}" for p in d.positions]
    if not briefing.discrepancies:
        lines.append("- (no differences found)")
    lines += ["", "## Reported by one source only", ""]
    lines += [f"- {s.text} {_marks(s.citations)}" for s in briefing.single_source] or ["- (none)"]
    lines += ["", "## Timeline", ""]
    for e in briefing.timeline:
        note = " (year inferred)" if e.inferred_year else ""
        lines.append(f"- **{e.date}**{note}: {e.event} {_marks(e.citations)}")
    if not briefing.timeline:
        lines.append("- (no dated events)")
    lines += ["", "## People", ""]
    for p in briefing.people:
        flag = " — descriptions conflict" if p.conflicting else ""
        described = "; ".join(f"{d.text} {_marks(d.citations)}" for d in p.descriptions) or "mentioned"
        lines.append(f"- **{p.name}**{flag}: {described}")
    lines += ["", "## Sources", ""]
    for s in briefing.sources:
        meta = ", ".join(v for v in (s.source, s.date) if v)
        lines.append(f"[^{s.key}]: {s.title}" + (f" ({meta})" if meta else "") + (f" {s.url}" if s.url else ""))
    return "\n".join(lines) + "\n"
