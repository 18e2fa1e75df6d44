"""Claims grouped across outlets: what several agree on, what only one reports, the summary."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from rag.brief.compare import share_an_amount, tell_figures_apart
from rag.brief.facts import ClaimFacts, Figure
from rag.brief.model import Agreement, BriefSettings, Claim, Statement
from rag.brief.same_fact import quote_the_same_words, same_lead, same_tally
from rag.cite import SupportSettings, support
from rag.embed import Embedder


def centroid(vectors: np.ndarray, keys: list[int]) -> np.ndarray:
    """The story's centre: the mean of per-article means, so long articles do not dominate."""
    by_key: dict[int, list[int]] = defaultdict(list)
    for row, key in enumerate(keys):
        by_key[key].append(row)
    means = np.stack([vectors[rows].mean(axis=0) for rows in by_key.values()])
    centre = means.mean(axis=0)
    return np.asarray(centre / (np.linalg.norm(centre) or 1.0), dtype=np.float32)


def keep_relevant(claims: list[Claim], settings: BriefSettings) -> list[int]:
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
    anchored: np.ndarray | None = None  # per member: bears out the leader's wording (its figures or particulars)


def cluster_claims(
    claims: list[Claim],
    similarity: np.ndarray,
    settings: BriefSettings,
    support_settings: SupportSettings,
    anchored: np.ndarray | None = None,
    facts: list[ClaimFacts] | None = None,
    bearing_out: np.ndarray | None = None,
) -> list[_Cluster]:
    """Greedy leader clustering across articles: the claim most echoed by other outlets leads,
    and takes the closest sentence of each other article that says the same thing (close in
    meaning and in words, or close in meaning with the same figures: `anchored`), unless the
    two give different figures for one thing (`facts`: that is a disagreement, not one fact).
    A sentence that joined a group leads none, but may join others: one outlet's long sentence
    can state two facts that another outlet gives in two sentences. `bearing_out`: the pairs of
    `anchored` whose sentences bear out each other's wording (the same figures, the same
    particulars in the same words), as two leads telling one event in other words do not; all
    of them if not given."""
    keys = np.array([c.key for c in claims])
    other = keys[:, None] != keys[None, :]
    anchored = anchored if anchored is not None else np.zeros(similarity.shape, dtype=bool)
    linked = (similarity >= settings.agreement_similarity) | anchored
    if facts is not None:
        for i, j in zip(*np.nonzero(np.triu(linked & other)), strict=True):
            if tell_figures_apart(facts[i], facts[j]):
                linked[i, j] = linked[j, i] = False
    echoes = (linked & other).sum(axis=1)
    order = sorted(range(len(claims)), key=lambda i: (-echoes[i], -claims[i].relevance, i))
    assigned = np.zeros(len(claims), dtype=bool)
    clusters: list[_Cluster] = []
    for leader in order:
        if assigned[leader]:
            continue
        assigned[leader] = True
        members = [leader]
        best_per_article: dict[int, tuple[float, int]] = {}
        close = np.flatnonzero(linked[leader] & other[leader])
        for candidate in close.tolist():
            key = claims[candidate].key
            if similarity[leader, candidate] > best_per_article.get(key, (-1.0, -1))[0]:
                best_per_article[key] = (float(similarity[leader, candidate]), candidate)
        for _, member in sorted(best_per_article.values(), reverse=True):
            if (
                anchored[leader, member]
                or support(claims[member].text, claims[leader].text, None, support_settings).score
                >= settings.cluster_word_support
            ):
                members.append(member)
                assigned[member] = True
        bears = bearing_out if bearing_out is not None else anchored
        clusters.append(_Cluster(members, sorted({claims[m].key for m in members}), bears[leader, members]))
    return clusters


def grouped_as_one_fact(clusters: list[_Cluster], size: int) -> np.ndarray:
    """Pairs of claims in one group: one fact, however differently the outlets word it."""
    grouped = np.zeros((size, size), dtype=bool)
    for cluster in clusters:
        grouped[np.ix_(cluster.members, cluster.members)] = True
    np.fill_diagonal(grouped, False)
    return grouped


def find_agreements(
    claims: list[Claim],
    similarity: np.ndarray,
    clusters: list[_Cluster],
    texts: dict[int, str],
    embedder: Embedder,
    support_settings: SupportSettings,
    settings: BriefSettings,
    facts: list[ClaimFacts] | None = None,
    opinion: frozenset[int] = frozenset(),
) -> list[Agreement]:
    """The groups that two outlets or more state, each in its most central wording (a news
    report's, when the group holds one: not a column's, of the articles in `opinion`), checked
    against every article it cites (in its words, or, with `facts`, in its own sentence giving
    the same people, organisations, amounts, written dates or lengths of time, as close in
    meaning as an agreement needs); most sources
    first, and none that repeats one before it (the same wording, wordings as alike as one fact,
    the same tally, or two outlets' leads as alike as one story's; a sentence may join two
    groups). The same amount close in meaning is no test here: two facts can share a number
    ("commuted the sentences of 41 inmates", "all 41 prisoners are over 65")."""
    found: list[tuple[Agreement, int]] = []
    for cluster in clusters:
        if len(cluster.citations) < 2:
            continue
        members = cluster.members
        centrality = {m: float(np.mean([similarity[m, o] for o in members if o != m])) for m in members}
        rank = partial(_centrality_rank, centrality=centrality, claims=claims)
        reported = [m for m in members if claims[m].key not in opinion] or members
        central = max(reported, key=rank)
        alone = [m for m in reported if facts is not None and facts[m].standalone]
        standalone = max(alone, key=rank, default=central)
        # The wording that stands alone, unless the most central is borne out by more outlets.
        checked = [
            (m, _verified(m, cluster, claims, similarity, texts, embedder, support_settings, settings, facts))
            for m in dict.fromkeys([standalone, central])
        ]
        best, verified = max(checked, key=lambda item: len(item[1]))  # the first of the best
        if len(verified) >= 2:
            own = tuple(Statement(claims[m].text, (claims[m].key,)) for m in _members_of(cluster, claims, verified))
            found.append((Agreement(claims[best].text, tuple(verified), len(verified), own), best))
    found.sort(key=lambda item: (-item[0].source_count, item[0].citations))
    # Two of the summary's tests of one fact: a tally told twice, two outlets' leads alike.
    one_fact = (
        same_tally(facts) | same_lead(claims, facts, similarity, settings)
        if facts is not None
        else np.zeros(similarity.shape, dtype=bool)
    )
    kept: list[tuple[Agreement, int]] = []
    for agreement, index in found:
        if all(
            index != other and similarity[index, other] < settings.same_fact_similarity and not one_fact[index, other]
            for _, other in kept
        ):
            kept.append((agreement, index))
    return [agreement for agreement, _ in kept]


def _centrality_rank(m: int, centrality: dict[int, float], claims: list[Claim]) -> tuple[float, int, int]:
    """The most central wording first, then the shortest, then the first."""
    return round(centrality[m], 2), -len(claims[m].text), -m


def _verified(
    best: int,
    cluster: _Cluster,
    claims: list[Claim],
    similarity: np.ndarray,
    texts: dict[int, str],
    embedder: Embedder,
    support_settings: SupportSettings,
    settings: BriefSettings,
    facts: list[ClaimFacts] | None,
) -> list[int]:
    """The articles of `cluster` that bear out the wording of claim `best`, checked as in `rag
    ask` (each must support it), or by giving the same figures, or, with `facts`, by their own
    sentence giving the same people, organisations, amounts or dates about as close in meaning."""
    members = cluster.members
    text = claims[best].text
    member_text = {claims[m].key: claims[m].text for m in members}
    named_alike = {
        claims[m].key
        for m in members
        if facts is not None
        and facts[m].particulars & facts[best].particulars
        and similarity[best, m] >= settings.agreement_similarity
        and not tell_figures_apart(facts[best], facts[m])
    }
    same_figures = {claims[m].key for m, a in zip(members, _flags(cluster), strict=True) if a}
    if same_figures:
        same_figures.add(claims[members[0]].key)
    return [
        k
        for k in cluster.citations
        if k == claims[best].key
        or (k in same_figures and claims[best].key in same_figures)
        or k in named_alike
        or support(text, member_text[k], embedder, support_settings).supported
        or support(text, texts[k], embedder, support_settings).supported
    ]


def _members_of(cluster: _Cluster, claims: list[Claim], keys: list[int]) -> list[int]:
    """One member of `cluster` from each article in `keys`, in that order: the last of its members
    from that article."""
    last = {claims[m].key: m for m in cluster.members}
    return [last[k] for k in keys]


def _flags(cluster: _Cluster) -> list[bool]:
    if cluster.anchored is None:
        return [False] * len(cluster.members)
    return [bool(a) for a in cluster.anchored]


def single_source_claims(
    claims: list[Claim],
    facts: list[ClaimFacts],
    similarity: np.ndarray,
    clusters: list[_Cluster],
    settings: BriefSettings,
    agreements: Sequence[Agreement],
) -> list[Statement]:
    """Claims no other outlet makes, and figures inside shared claims no other outlet gives;
    only claims that name someone, a figure or a date (not opinion or colour) and stand alone,
    and none that is the wording of an agreement (which other outlets were found to state)."""
    keys = np.array([c.key for c in claims])
    candidates = []
    for cluster in clusters:
        if len(cluster.citations) != 1:
            continue
        index = cluster.members[0]
        others = similarity[index][keys != claims[index].key]
        if others.size and others.max() >= settings.confirm_similarity:
            continue
        if facts[index].informative:
            candidates.append((claims[index].relevance, index))
    for cluster in clusters:
        if len(cluster.citations) < 2:
            continue
        for index in cluster.members:
            # An amount another outlet's member gives too, or meets with its bound, is no figure of
            # this outlet's own ("$138 million" beside "almost $139 million").
            others = [_amounts(facts[m]) for m in cluster.members if claims[m].key != claims[index].key]
            own = _amounts(facts[index])
            if own and not any(share_an_amount(own, figures) for figures in others):
                candidates.append((claims[index].relevance, index))
    agreed = {a.text for a in agreements}
    candidates = sorted(
        ((r, i) for r, i in candidates if claims[i].text not in agreed and facts[i].standalone), reverse=True
    )
    distinct: list[tuple[float, int]] = []
    for relevance, index in candidates:
        if all(similarity[index, other] < settings.confirm_similarity for _, other in distinct):
            distinct.append((relevance, index))
    chosen = sorted(distinct[: settings.single_source_items], key=lambda item: item[1])
    return [Statement(claims[i].text, (claims[i].key,)) for _, i in chosen]


def _told_in_sequence(picked: list[int], claims: list[Claim]) -> list[int]:
    """`picked` with each run of one article's consecutive sentences kept together and in the
    article's order, where the run's first member stands: a sentence reads on from the one
    before it in its article ("The early numbers provide good news for …"). The first of
    `picked` comes first, or right after its article's lead sentence when that is chosen too."""
    at = {(claims[i].key, claims[i].position): i for i in picked}
    runs: dict[int, list[int]] = {}  # a run's first sentence → the run
    head_of: dict[int, int] = {}  # each sentence → its run's first
    for index in sorted(picked, key=lambda i: (claims[i].key, claims[i].position)):
        before = at.get((claims[index].key, claims[index].position - 1))
        if index == picked[0] and claims[index].position != 1:
            before = None  # the main event goes first, after its article's lead at most
        head_of[index] = head_of[before] if before is not None else index
        runs.setdefault(head_of[index], []).append(index)
    rank = {index: place for place, index in enumerate(picked)}
    ordered = sorted(runs.values(), key=lambda run: min(rank[i] for i in run))
    return [index for run in ordered for index in run]


def _amounts(fact: ClaimFacts) -> list[Figure]:
    return [f for f in fact.figures if f.label in ("MONEY", "PERCENT", "QUANTITY")]


def summarize_claims(
    claims: list[Claim],
    similarity: np.ndarray,
    settings: BriefSettings,
    facts: list[ClaimFacts] | None = None,
    anchored: np.ndarray | None = None,
    opinion: frozenset[int] = frozenset(),
    wording: dict[int, int] | None = None,
) -> list[Statement]:
    """What most outlets report, then each outlet's main point, in about `summary_words` words.
    A fact is told in the wording chosen for it (`wording`: each claim of an agreement's group to
    the claim that words the agreement), when that wording stands alone.

    A claim counts for as many other articles as say something close to it, for its place in
    its article (news leads with what matters) and for its closeness to what the others say;
    claims that repeat one already taken (close in meaning, or the same amount in other words:
    `anchored`) are skipped, and so are claims that do not stand alone (`facts`). Each statement
    cites every article that says it. What news reports comes before the views of the articles
    in `opinion` (their keys): a column's verdict is no story's main event."""
    if not claims:
        return []
    keys = np.array([c.key for c in claims])
    other = keys[:, None] != keys[None, :]
    said_too = similarity >= settings.cluster_similarity
    echoed = [len({claims[j].key for j in np.flatnonzero(said_too[i] & other[i])}) for i in range(len(claims))]
    # Mean closeness to what the other articles say, on the scale of a count of echoes.
    central = [3 * float(similarity[i][other[i]].mean()) if other[i].any() else 0.0 for i in range(len(claims))]
    order = sorted(
        range(len(claims)),
        key=lambda i: (claims[i].key in opinion, -(echoed[i] + central[i] + 1.0 / (1 + claims[i].position)), i),
    )
    picked: list[int] = []
    covered: set[int] = set()  # the outlets whose main point is told: in their words or an agreement's
    words = 0

    def fits(index: int) -> bool:
        return (
            len(claims[index].text.split()) >= settings.summary_sentence_words
            and (facts is None or facts[index].standalone)
            and all(similarity[index, p] < settings.summary_redundancy for p in picked)
            and (anchored is None or not any(anchored[index, p] or anchored[p, index] for p in picked))
            and not any(quote_the_same_words(claims[index].text, claims[p].text) for p in picked)
        )

    def take(candidate: int) -> bool:
        # A fact is chosen as before, by its own sentence, and told in its agreement's wording.
        nonlocal words
        length = len(claims[candidate].text.split())
        if (picked and words + length > settings.summary_words) or not fits(candidate):
            return False
        index = (wording or {}).get(candidate, candidate)
        if index in picked:  # its fact is told already, in its agreement's wording
            return False
        if not fits(index):
            index = candidate
        picked.append(index)
        covered.update((claims[candidate].key, claims[index].key))
        words += length
        return True

    for index in order:
        if echoed[index] and len(picked) < settings.summary_sentences:
            take(index)
    for key in dict.fromkeys(c.key for c in claims):  # each outlet's main point
        if key not in covered:
            for index in order:
                if claims[index].key == key and take(index):
                    break
    for index in order:
        if words >= settings.summary_words:
            break
        take(index)
    if facts is not None and picked:  # as a reader needs it: the main event, then context, then reactions
        lead = next((i for i in picked if claims[i].key not in opinion), picked[0])
        rest = [i for i in picked if i != lead]
        views = {i for i in rest if facts[i].reaction or claims[i].key in opinion}
        told = _told_in_sequence([lead] + [i for i in rest if i not in views], claims)
        picked = told + _told_in_sequence([i for i in rest if i in views], claims)
    statements = []
    support_settings = SupportSettings()
    for index in picked:
        text = claims[index].text
        close = np.flatnonzero((similarity[index] >= settings.cluster_similarity) & other[index])
        # Another article is cited only where its own sentence says this, word for word enough.
        cited = {claims[index].key} | {
            claims[j].key for j in close if support(text, claims[j].text, None, support_settings).supported
        }
        statements.append(Statement(text, tuple(sorted(cited))))
    return statements
