"""The values a briefing is made of, and the settings that shape it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BriefSettings:
    max_articles: int = 200
    max_claims_per_article: int = 40
    min_claims_per_article: int = 8
    max_claims: int = 2000  # sentences embedded and compared in all: a briefing's time goes here
    chunk_margin: float = 0.05  # a sentence can bear on the topic more than its chunk as a whole
    relevance_floor: float = 0.25  # cosine to the topic (or story centroid) below which a sentence is off-topic
    topic_article_floor: float = 0.3  # best passage cosine for an article to bear on the topic
    topic_lexical_floor: float = 0.15  # ... or this much when the passage also shares the topic's words
    cluster_similarity: float = 0.66
    agreement_similarity: float = 0.6  # claims this alike (and sharing words) are grouped as one fact
    cluster_word_support: float = 0.3  # ... and share this much of their words (rag.cite's support score)
    same_figure_similarity: float = 0.5  # claims this alike that give the same amount state one fact
    particular_similarity: float = 0.45  # claims this alike naming the same person or date ...
    particular_word_overlap: float = 0.5  # ... and share this much of their other words state one fact
    confirm_similarity: float = 0.6  # a claim another article says this closely is not single-source
    contrast_similarity: float = 0.5  # claims this alike may state and deny the same action
    same_fact_similarity: float = 0.75  # claims this alike tell the same fact (figures, dates)
    figure_pair_similarity: float = 0.45  # claims this alike may count the same thing ...
    same_frame_similarity: float = 0.58  # ... when their figures' frames are this alike
    timeline_merge_similarity: float = 0.6  # events on one date this alike are one event
    summary_sentences: int = 4
    summary_words: int = 130  # about what an editor's roundup of a multi-outlet story runs to
    summary_sentence_words: int = 6  # shorter, a sentence is a fact to agree on, too slight to summarise
    summary_redundancy: float = 0.75  # a sentence this close to one already in the summary adds nothing
    single_source_items: int = 12
    timeline_items: int = 25


@dataclass(frozen=True)
class Statement:
    text: str
    citations: tuple[int, ...]
    # For a summary sentence that is an agreement's wording: what each cited article itself says.
    quotes: tuple[Statement, ...] = ()


@dataclass(frozen=True)
class Agreement:
    text: str
    citations: tuple[int, ...]
    source_count: int
    quotes: tuple[Statement, ...] = ()  # what each cited article itself says, in its own words


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
    changed: tuple[str, ...] = ()  # days its text was found changed after it was first read


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
class Claim:
    key: int
    text: str
    relevance: float = 0.0
    quote: str = ""
    position: int = 0  # the claim's place in its article: news puts what matters first
