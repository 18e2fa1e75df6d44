"""The offline extractive reader: answers by quoting the passage sentences that best answer the
question, each with the key of its passage, or abstains. Deterministic; the model tests use."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.dates import DateResolver
from rag.embed import Embedder
from rag.errors import RagError
from rag.llm.protocol import ABSTAIN, AnswerRequest, Message, OnToken, Reply, ReplySentence
from rag.nlp import NlpUnavailable, Pipeline
from rag.reader.candidates import ScoredSentence
from rag.reader.question import OPEN, LabelGlossary, QuestionType, classify, needs_parse
from rag.reader.short_answer import ReaderSettings, read_evidence
from rag.text import content_stems, normalize, sentences, stem
from rag.types import Conflict, Hit

# Words that frame a question rather than name what it is about ("what is X's role?"): an
# answer sentence rarely repeats them, so their absence counts for little.
FRAME_WORDS = frozenset(
    stem(w)
    for w in """role title position job name names called call describe described mean meaning kind type
    many much number amount year date time day happen happened according article articles report reported
    source sources tell told think current currently""".split()
)


@dataclass(frozen=True)
class ExtractiveSettings:
    """Thresholds calibrated on the seed gold set and squad2_dev (see eval/)."""

    min_coverage: float = 0.2
    min_score: float = 0.42
    relative: float = 0.8
    max_sentences: int = 3
    lexical_weight: float = 0.5
    # Word coverage means little for long, multi-part questions (no one sentence repeats twenty
    # question words): from this many content words on, meaning similarity decides.
    long_question_terms: int = 10
    long_min_similarity: float = 0.43
    max_candidates: int = 14
    max_top_passage: int = 7  # ... and the top passage's own best, however many the others share


class ExtractiveLLM:
    """Answers by quoting the best-supported source sentences; deterministic and offline."""

    name = "extractive"
    writes = False

    def __init__(
        self,
        embedder: Embedder | None = None,
        settings: ExtractiveSettings | None = None,
        nlp: Pipeline | None = None,
        reader: ReaderSettings | None = None,
    ) -> None:
        self.embedder = embedder
        self.settings = settings or ExtractiveSettings()
        self.nlp = nlp or Pipeline()
        self.reader = reader or ReaderSettings()
        self.dates = DateResolver()  # dateparser loads only when two dates are compared
        self._glossary: LabelGlossary | None = None

    def prepare(self, question: str) -> None:
        """Start loading spaCy in the background when `question` may want a short answer, so
        that it loads while the passages are retrieved."""
        if needs_parse(question):
            self.nlp.preload()

    def question_type(self, question: str) -> QuestionType:
        """What the question asks for; spaCy is loaded only for questions that may want a
        short answer (not "why …", not "how does …")."""
        if not needs_parse(question):
            return QuestionType(OPEN)
        embed = self.embedder.embed if self.embedder is not None else None

        def glossary() -> LabelGlossary:  # only what/which questions and bare noun phrases read it
            if self._glossary is None:
                self._glossary = LabelGlossary.build(self.nlp, embed)
            return self._glossary

        try:
            return classify(question, self.nlp, glossary, embed)
        except NlpUnavailable:
            # Without spaCy the reader still answers, by quoting; only short answers need it.
            return QuestionType(OPEN)

    def score(self, question: str, passages: list[tuple[int, str]]) -> list[ScoredSentence]:
        """Every passage sentence, scored: IDF-weighted coverage of the question's content
        words, blended with embedding similarity when an embedder is available."""
        candidates = [(key, s) for key, text in passages for s in sentences(text)]
        question_stems = set(content_stems(question))
        if not candidates or not question_stems:
            return []
        stems = [set(content_stems(s)) for _, s in candidates]
        if len(candidates) > self.settings.max_candidates and self.embedder is not None:
            # Embedding is the cost of answering: only sentences sharing most question words
            # (and the best of the top passage's) are worth it.
            first_key = candidates[0][0]
            overlap = [len(question_stems & s) for s in stems]
            ranked = sorted(range(len(candidates)), key=lambda i: (-overlap[i], i))
            top_passage = [i for i in ranked if candidates[i][0] == first_key]
            keep = sorted(
                set(ranked[: self.settings.max_candidates]) | set(top_passage[: self.settings.max_top_passage])
            )
            candidates = [candidates[i] for i in keep]
            stems = [stems[i] for i in keep]
        n = len(candidates)
        idf = {
            t: (math.log((n + 1) / (sum(t in s for s in stems) + 0.5)) + 1.0) * (0.25 if t in FRAME_WORDS else 1.0)
            for t in question_stems
        }
        total = sum(idf.values())
        coverage = [sum(idf[t] for t in question_stems & s) / total for s in stems]
        if self.embedder is not None:
            vectors = self.embedder.embed([question] + [s for _, s in candidates])
            similarity = (vectors[1:] @ vectors[0]).tolist()
        else:
            similarity = coverage
        w = self.settings.lexical_weight
        return [
            ScoredSentence(key, text, cov, sim, w * cov + (1 - w) * sim)
            for (key, text), cov, sim in zip(candidates, coverage, similarity, strict=True)
        ]

    def select(self, scored: list[ScoredSentence], question_terms: int = 0) -> list[ScoredSentence]:
        s = self.settings
        if question_terms >= s.long_question_terms:
            return self._select_long(scored)
        qualified = [x for x in scored if x.coverage >= s.min_coverage and x.score >= s.min_score]
        if not qualified:
            return []
        qualified.sort(key=lambda x: (-x.score, x.key))
        best = qualified[0].score
        chosen: list[ScoredSentence] = []
        seen_text: set[str] = set()
        for candidate in qualified:
            if candidate.score < best * s.relative or len(chosen) >= s.max_sentences:
                break
            normalised = " ".join(candidate.text.lower().split())
            if normalised in seen_text:
                continue
            seen_text.add(normalised)
            chosen.append(candidate)
        return chosen

    def _select_long(self, scored: list[ScoredSentence]) -> list[ScoredSentence]:
        """The best sentence of each of the most similar passages: multi-part questions draw
        on several sources."""
        s = self.settings
        if not scored or max(x.similarity for x in scored) < s.long_min_similarity:
            return []
        floor = s.long_min_similarity - 0.1
        chosen: list[ScoredSentence] = []
        used: set[int] = set()
        for candidate in sorted(scored, key=lambda x: (-x.score, x.key)):
            if candidate.similarity < floor or candidate.key in used:
                continue
            chosen.append(candidate)
            used.add(candidate.key)
            if len(chosen) >= s.max_sentences:
                break
        return chosen

    def answer(self, request: AnswerRequest, on_token: OnToken | None = None) -> Reply:
        """The best-supported passage sentences, each with the key of the passage it is from.

        The keys are stated as values, so text inside a passage ("[2]") is never read as a
        citation.
        """
        reply = self.read(request.question, request.passages)
        if on_token is not None:
            on_token(reply.text)
        return reply

    def read(self, question: str, hits: Sequence[tuple[int, Hit]]) -> Reply:
        """The reader from end to end: score every passage sentence, select the best-supported,
        read a short answer or the sources' disagreement from them (rag.reader.short_answer), and
        render the sentences with their passages' keys; or abstain, saying why."""
        request = AnswerRequest(question, tuple(hits))
        passages = [(key, hit.text) for key, hit in request.passages]
        terms = len(set(content_stems(request.question)))
        if terms < self.settings.long_question_terms and _names_missing(request.question, passages):
            return Reply(ABSTAIN, (), conflicts=(), abstain_reason="the question names something no passage mentions")
        scored = self.score(request.question, passages)
        chosen = self.select(scored, terms)
        if not chosen:
            return Reply(ABSTAIN, (), conflicts=(), abstain_reason="no passage sentence answers the question")
        qualified = self.qualified(scored, chosen)
        reading = read_evidence(
            request.question,
            self.question_type(request.question),
            request.passages,
            qualified,
            self.nlp,
            self.reader,
            multi_part=terms >= self.settings.long_question_terms,
            dates=self.dates,
            every_sentence=scored,
        )
        if reading is None:
            sentences = tuple(ReplySentence(c.text, (c.key,)) for c in chosen)
            return Reply(_render(sentences), sentences, conflicts=())
        if not reading.sentences:
            return Reply(ABSTAIN, (), conflicts=(), abstain_reason=reading.abstain_reason)
        sentences = reading.sentences
        if not reading.conflicts:
            # The sentences that best answer the question stay with the short answer's own.
            given = {normalize(s.text) for s in sentences}
            sentences += tuple(ReplySentence(c.text, (c.key,)) for c in chosen if normalize(c.text) not in given)
        return Reply(
            _render(sentences, reading.lead),
            sentences,
            lead=reading.lead,
            short_answer=reading.short_answer,
            conflicts=reading.conflicts,
        )

    def find_conflicts(self, question: str, passages: Sequence[tuple[int, Hit]]) -> tuple[Conflict, ...]:
        """The sources' disagreements on what `question` asks, read from `passages` (keyed as
        in the prompt) as the answer would read them."""
        return self.read(question, passages).conflicts or ()

    def qualified(self, scored: list[ScoredSentence], chosen: list[ScoredSentence]) -> list[ScoredSentence]:
        """The sentences that pass the answer thresholds: the reader's evidence."""
        s = self.settings
        floor = min(c.score for c in chosen)
        return [x for x in scored if x.score >= floor * s.relative and (x.coverage >= s.min_coverage or x in chosen)]

    def complete(self, messages: Sequence[Message]) -> str:
        raise RagError("the extractive backend only quotes sources; use --backend openai for free text")


def _render(sentences: Sequence[ReplySentence], lead: str = "") -> str:
    body = " ".join(f"{s.text} [{s.keys[0]}]" if s.keys else s.text for s in sentences)
    return f"{lead} {body}" if lead else body


_NAME_OR_NUMBER = re.compile(r"\b[A-Z][A-Za-z]+\b|\b\d[\d,.]*\d\b|\b\d\b")


def _names_missing(question: str, passages: list[tuple[int, str]]) -> bool:
    """A short question naming someone or something (a capitalised word past the first, or a
    number) that no passage mentions asks about something the sources do not cover. On
    squad2_dev this holds for 11 of 122 unanswerable questions and 2 of 114 answerable ones."""
    names = _NAME_OR_NUMBER.findall(question)[1:] if question[:1].isupper() else _NAME_OR_NUMBER.findall(question)
    if not names:
        return False
    context = normalize(" ".join(text for _, text in passages))
    return any(normalize(name) not in context for name in names)
