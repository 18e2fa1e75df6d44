"""`brief`: one page instead of five articles — what the sources agree on, where they differ,
what only one reports, when things happened, and who is who according to whom.

The offline path builds everything from the sentences themselves: claims are clustered across
articles by embedding similarity (checked for word overlap), and compared slot by slot for
negations, numbers, people's titles and quote attributions. With an LLM, a map step extracts
claims per article as validated JSON, a compare step finds where the articles differ (opposing
evaluations of one event, denials worded apart from what they deny, causes), and a reduce step
writes the summary; all are checked against the articles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from nicknames import NickNamer

from rag.brief.cluster import (
    centroid,
    cluster_claims,
    find_agreements,
    grouped_as_one_fact,
    keep_relevant,
    single_source_claims,
    summarize_claims,
)
from rag.brief.compare import (
    attribution_conflicts,
    negation_conflicts,
    number_conflicts,
    roles_by_person,
    title_conflicts,
)
from rag.brief.facts import ClaimFacts, read_facts
from rag.brief.llm_steps import compare_outlets, map_claims, new_differences, reduce_summary
from rag.brief.model import Agreement, Briefing, BriefSettings, BriefSource, Claim, Statement
from rag.brief.names import begins_with_a_given_name, written_as_title_and_given_name
from rag.brief.opinion import opinion_keys, with_authors, with_authors_agreed
from rag.brief.people import person_entries
from rag.brief.render import briefing_markdown, digest_markdown
from rag.brief.same_fact import same_figures, same_lead, same_particulars, same_tally
from rag.brief.select import bearing_claims, claim_sentences, select_articles
from rag.brief.timeline import build_timeline, reference_year_of
from rag.cite import SupportSettings
from rag.dates import names_a_relative_day
from rag.embed import Embedder
from rag.errors import RagError
from rag.ingest.boilerplate import boilerplate_of
from rag.ingest.versions import revisions_of
from rag.llm import LLM
from rag.nlp import Pipeline
from rag.store.filters import Filters
from rag.store.protocol import IndexStore
from rag.text import inside_quotation


def _nothing_to_brief(store: IndexStore, topic: str | None, filters: Filters, doc_ids: Sequence[str] | None) -> str:
    """Why there is nothing to brief, naming what the user can change."""
    if store.counts().get("articles", 0) == 0:
        return "the index holds no articles yet; add some with `rag ingest PATH`"
    if doc_ids is not None:
        return "none of the articles asked for is in the index"
    if filters != Filters() and not store.articles(None, filters)[:1]:
        return "no article matches the outlet and dates asked for; widen --source, --since, --until or --as-of"
    if topic is None:
        return "no article holds enough text to brief"
    return "no articles bear on that topic; try broader words, or no topic for the whole index"


def dated_days(statements: list[Statement], claims: list[Claim], facts: list[ClaimFacts]) -> list[Statement]:
    """Statements whose days are named only relative to their article ("on Tuesday",
    "tomorrow") with the date written after them: "on Tuesday (February 13)"."""
    by_text = {claim.text: fact for claim, fact in zip(claims, facts, strict=True)}
    shown = []
    for statement in statements:
        text = statement.text
        fact = by_text.get(text)
        cursor = 0  # mentions come in the sentence's order: a day named twice is dated twice
        for mention in fact.dates if fact else ():
            at = text.find(mention.text, cursor)
            if at < 0:
                continue
            after = cursor = at + len(mention.text)
            if text[after : after + 2] in ("'s", "’s"):  # "Tuesday's (June 29) vote", not "Tuesday (June 29)'s"
                after = cursor = after + 2
            if mention.precision == "day" and names_a_relative_day(mention.text):
                if text[after : after + 2] not in (" (", " ["):  # not dated already
                    day = dt.date.fromisoformat(mention.date)
                    # Inside a quotation, in square brackets: the words in brackets are not the speaker's.
                    opening, closing = "[]" if inside_quotation(text, after) else "()"
                    text = f"{text[:after]} {opening}{day:%B} {day.day}{closing}{text[after:]}"
        shown.append(replace(statement, text=text))
    return shown


def people_named_in(
    statements: Sequence[Statement | Agreement],
    claims: list[Claim],
    facts: list[ClaimFacts],
    nicknames: NickNamer,
    every_fact: Sequence[ClaimFacts] = (),
) -> set[str]:
    """The people that statements shown in the briefing name (as the claims they quote name
    them) in full, with a given name first, or called by their surname alone in any of the
    articles' sentences (`every_fact`), as news calls people, and the people they quote (the
    subject of "said", whatever their given name): a name the recogniser alone calls a person,
    in one sentence, may be a street or a school, but a street says nothing."""
    by_text = {claim.text: fact for claim, fact in zip(claims, facts, strict=True)}
    by_surname = {person for fact in every_fact for person in fact.by_surname}
    return {
        person
        for statement in statements
        if (fact := by_text.get(statement.text))
        for person in fact.people
        if person in by_surname
        or begins_with_a_given_name(person, nicknames)
        or (person in fact.says and not written_as_title_and_given_name(person, nicknames))
    }


def cited_as_agreed(statements: list[Statement], agreements: list[Agreement]) -> list[Statement]:
    """A summary sentence that is an agreement's wording cites every outlet the agreement does,
    with what each says in its own words: the agreement checked each against its article, and
    a reader must not find one fact given to one outlet in the summary and to three below it."""
    agreed = {a.text: a for a in agreements}
    cited = []
    for statement in statements:
        agreement = agreed.get(statement.text)
        if agreement is not None:
            keys = tuple(sorted({*statement.citations, *agreement.citations}))
            statement = Statement(statement.text, keys, agreement.quotes)
        cited.append(statement)
    return cited


def agreed_wordings(claims: list[Claim], agreements: list[Agreement]) -> dict[int, int]:
    """Each claim of an agreement's group (a sentence an outlet words the fact in), mapped to
    the claim that words the agreement: the one wording a summary tells the fact in."""
    index = {(c.text, c.key): i for i, c in enumerate(claims)}
    wording: dict[int, int] = {}
    for agreement in agreements:  # most sources first: a sentence may join two groups
        chosen = next((index[(agreement.text, k)] for k in agreement.citations if (agreement.text, k) in index), None)
        if chosen is None:
            continue
        for quote in agreement.quotes:
            if quote.citations and (member := index.get((quote.text, quote.citations[0]))) is not None:
                wording.setdefault(member, chosen)
    return wording


def shown_similarity(
    claims: list[Claim],
    facts: list[ClaimFacts],
    vectors: np.ndarray,
    embedder: Embedder,
    sources: Sequence[BriefSource] = (),
) -> np.ndarray:
    """How alike the claims are as a summary would show them, their relative days dated and
    opinion's author named: a summary must not repeat a fact in what the reader sees."""
    shown = with_authors(dated_days([Statement(c.text, (c.key,)) for c in claims], claims, facts), sources)
    changed = [i for i, (claim, seen) in enumerate(zip(claims, shown, strict=True)) if seen.text != claim.text]
    if changed:
        vectors = vectors.copy()
        vectors[changed] = embedder.embed([shown[i].text for i in changed])
    return np.asarray(vectors @ vectors.T)


def briefing_pipeline() -> Pipeline:
    """The spaCy pipeline a briefing parses with: lemmas too, for the words claims share."""
    return Pipeline(lemmas=True)


def build_briefing(
    store: IndexStore,
    embedder: Embedder,
    topic: str | None = None,
    filters: Filters | None = None,
    settings: BriefSettings | None = None,
    llm: LLM | None = None,
    prompts: Any = None,
    doc_ids: Sequence[str] | None = None,
    nlp: Pipeline | None = None,
) -> Briefing:
    """The briefing on `topic` (or the whole index). With `llm`, claims are extracted by the
    model's map step and the summary written by its reduce step; without, both come from the
    articles' own sentences."""
    settings = settings or BriefSettings()
    nlp = nlp or briefing_pipeline()
    filters = filters or Filters()
    articles = select_articles(store, embedder, topic, filters, settings, doc_ids)
    if not articles:
        raise RagError(_nothing_to_brief(store, topic, filters, doc_ids))
    revisions = revisions_of(store)
    sources = tuple(
        BriefSource(i, a.doc_id, a.title, a.source, a.date, a.url, tuple(r.found for r in revisions.get(a.doc_id, ())))
        for i, a in enumerate(articles, start=1)
    )
    texts = {s.key: a.text for s, a in zip(sources, articles, strict=True)}
    dates_by_key = {s.key: s.date for s in sources}
    topic_vector = embedder.embed([topic])[0] if topic else None
    if llm is not None:
        claims = map_claims(llm, prompts, sources, texts)
    else:
        claims = bearing_claims(store, articles, topic_vector, settings, boilerplate_of(store))
    if not claims:
        raise RagError("the selected articles hold no sentences to brief on")
    vectors = embedder.embed([c.text for c in claims])
    anchor = topic_vector if topic_vector is not None else centroid(vectors, [c.key for c in claims])
    for claim, score in zip(claims, vectors @ anchor, strict=True):
        claim.relevance = float(score)
    keep = keep_relevant(claims, settings)
    relevant = [claims[i] for i in keep]
    vectors = vectors[keep]
    similarity = vectors @ vectors.T
    reference_year = reference_year_of(dates_by_key.values())
    nicknames = NickNamer()  # its table is read once a briefing (8 ms)
    every_fact = read_facts(claims, nlp, dates_by_key, reference_year, nicknames)  # People: everyone named
    facts = [every_fact[i] for i in keep]
    support_settings = SupportSettings()
    bearing_out = same_figures(facts, similarity, settings) | same_particulars(relevant, facts, similarity, settings)
    anchored = bearing_out | same_lead(relevant, facts, similarity, settings)
    clusters = cluster_claims(relevant, similarity, settings, support_settings, anchored, facts, bearing_out)
    opinion = opinion_keys(sources)
    agreements = find_agreements(
        relevant, similarity, clusters, texts, embedder, support_settings, settings, facts, opinion
    )
    single = single_source_claims(relevant, facts, similarity, clusters, settings, agreements)
    by_person = roles_by_person(relevant, facts)
    discrepancies = (
        negation_conflicts(relevant, facts, similarity, settings, dates_by_key)
        + title_conflicts(by_person, dates_by_key)
        + number_conflicts(relevant, facts, similarity, settings, dates_by_key, embedder)
        + attribution_conflicts(relevant, facts, dates_by_key)
    )
    if llm is not None:  # what the parse cannot read: opposing evaluations, denials in other words
        discrepancies += new_differences(compare_outlets(llm, prompts, sources, relevant, texts), discrepancies)
    timeline = build_timeline(relevant, facts, similarity, settings)
    shown = shown_similarity(relevant, facts, vectors, embedder, sources)
    one_fact = same_figures(facts, shown, settings) | same_tally(facts) | grouped_as_one_fact(clusters, len(relevant))
    wording = agreed_wordings(relevant, agreements)
    summary = summarize_claims(relevant, shown, settings, facts, one_fact, opinion, wording)
    named = people_named_in([*summary, *agreements, *single], relevant, facts, nicknames, every_fact)
    people = person_entries(claims, every_fact, roles_by_person(claims, every_fact), discrepancies, named)
    summary = dated_days(cited_as_agreed(summary, agreements), relevant, facts)
    summary, single = with_authors(summary, sources), with_authors(single, sources)
    if llm is not None:
        summary = reduce_summary(llm, prompts, topic, agreements, discrepancies, texts, embedder) or summary
    return Briefing(
        topic=topic,
        summary=tuple(summary),
        agreements=tuple(with_authors_agreed(agreements, sources)),
        discrepancies=tuple(discrepancies),
        single_source=tuple(single),
        timeline=tuple(timeline),
        people=tuple(people),
        sources=sources,
    )


__all__ = [
    "Briefing",
    "BriefSettings",
    "briefing_markdown",
    "briefing_pipeline",
    "build_briefing",
    "claim_sentences",
    "digest_markdown",
]
