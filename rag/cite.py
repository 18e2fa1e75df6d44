"""Citations: parse the keys an answer cites, drop the ones that name no passage, and check
every sentence against the passages it cites."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.embed import Embedder
from rag.llm.protocol import ABSTAIN, Reply
from rag.text import content_stems, normalize, sentence_spans
from rag.types import AnswerSentence, Hit, Source

_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_GLUED_MARKER = re.compile(r"([.!?][\"'”’)]*)(\[\s*\d)")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+")


@dataclass(frozen=True)
class SupportSettings:
    """A sentence is supported when enough of its content words appear in one cited passage
    sentence (or two adjacent ones), or when it is close in meaning and shares some words.
    Calibrated on the seed gold set: see tests/test_cite.py and eval/."""

    lexical: float = 0.7
    semantic: float = 0.72
    semantic_lexical_floor: float = 0.3


@dataclass(frozen=True)
class ParsedSentence:
    text: str
    keys: tuple[int, ...]


def parse_citations(answer: str) -> list[ParsedSentence]:
    """Split an answer into sentences with the keys each cites.

    Markers may be `[1]`, `[1, 2]` or `[1][2]`; markers that open a sentence belong to the one
    before (as in "...resigned. [1] Next").

    >>> parse_citations("The mayor resigned [1]. Berg declined. [2, 3] Done [4][1].")
    [ParsedSentence(text='The mayor resigned.', keys=(1,)), \
ParsedSentence(text='Berg declined.', keys=(2, 3)), ParsedSentence(text='Done.', keys=(4, 1))]
    """
    answer = _GLUED_MARKER.sub(r"\1 \2", answer)
    parsed: list[ParsedSentence] = []
    for start, end in sentence_spans(answer):
        raw = answer[start:end]
        leading = _LEADING_MARKERS.match(raw)
        if leading and parsed:
            previous = parsed[-1]
            parsed[-1] = ParsedSentence(previous.text, _merge(previous.keys, _keys(leading.group(0))))
            raw = raw[leading.end() :]
        keys = _keys(raw)
        text = _clean(_without_markers(raw))
        if text:
            parsed.append(ParsedSentence(text, keys))
        elif keys and parsed:
            parsed[-1] = ParsedSentence(parsed[-1].text, _merge(parsed[-1].keys, keys))
    return parsed


def _without_markers(text: str) -> str:
    """Remove citation markers, including any that removing others brings together ("[[1]2]")."""
    while True:
        stripped = _MARKER.sub("", text)
        if stripped == text:
            return text
        text = stripped


def _keys(text: str) -> tuple[int, ...]:
    keys: list[int] = []
    for group in _MARKER.findall(text):
        for part in re.split(r"[,;]", group):
            key = int(part)
            if key not in keys:
                keys.append(key)
    return tuple(keys)


def _merge(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return a + tuple(k for k in b if k not in a)


def _clean(text: str) -> str:
    text = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(text.split()))
    return text.strip()


def is_abstention(answer: str) -> bool:
    return normalize(_MARKER.sub("", answer)).startswith(normalize(ABSTAIN).rstrip("."))


@dataclass(frozen=True)
class Support:
    supported: bool
    score: float
    quote: str


def support(sentence: str, passage: str, embedder: Embedder | None, settings: SupportSettings) -> Support:
    """How well one passage supports one sentence, and the span of it that does."""
    claim = set(content_stems(sentence))
    spans = sentence_spans(passage)
    if not claim or not spans:
        return Support(False, 0.0, "")
    windows = [(s, e) for s, e in spans] + [(spans[i][0], spans[i + 1][1]) for i in range(len(spans) - 1)]
    texts = [passage[s:e] for s, e in windows]
    lexical = [len(claim & set(content_stems(t))) / len(claim) for t in texts]
    # A sentence quoted word for word is supported whatever its meaning scores (it cannot beat
    # 1.0), so only paraphrases pay for embedding the passage.
    if embedder is not None and max(lexical) < 1.0:
        vectors = embedder.embed([sentence] + texts[: len(spans)])
        single = (vectors[1:] @ vectors[0]).tolist()
        semantic = single + [max(single[i], single[i + 1]) for i in range(len(spans) - 1)]
    else:
        semantic = [0.0] * len(texts)
    best_index, best_score, best_ok = 0, -1.0, False
    for index, (lex, sem) in enumerate(zip(lexical, semantic, strict=True)):
        ok = lex >= settings.lexical or (sem >= settings.semantic and lex >= settings.semantic_lexical_floor)
        score = max(lex, sem)
        # Prefer a supporting window; among those, a single sentence over a pair.
        if (ok, score) > (best_ok, best_score + (0.02 if index >= len(spans) else 0.0)):
            best_index, best_score, best_ok = index, score, ok
    return Support(best_ok, round(best_score, 4), texts[best_index])


@dataclass(frozen=True)
class CheckedAnswer:
    text: str
    abstained: bool
    sentences: tuple[AnswerSentence, ...]
    sources: tuple[Source, ...]
    invalid_citations: tuple[int, ...]


def check_answer(
    reply: Reply | str,
    passages: Sequence[tuple[int, Hit]],
    embedder: Embedder | None,
    settings: SupportSettings | None = None,
) -> CheckedAnswer:
    """Validate keys, check support sentence by sentence, and list the sources cited.

    A reply whose backend stated its sentences' keys is taken as stated; otherwise the keys are
    parsed from the text the model wrote.
    """
    settings = settings or SupportSettings()
    if isinstance(reply, str):
        reply = Reply(reply)
    if reply.abstained or is_abstention(reply.text) or not reply.text.strip():
        return CheckedAnswer(ABSTAIN, True, (), (), ())
    stated = reply.sentences
    parsed = [ParsedSentence(s.text, s.keys) for s in stated] if stated is not None else parse_citations(reply.text)
    notes = [s.note for s in stated] if stated is not None else [""] * len(parsed)
    by_key = dict(passages)
    invalid: list[int] = []
    checked: list[AnswerSentence] = []
    quotes: dict[int, tuple[float, str]] = {}
    for sentence, note in zip(parsed, notes, strict=True):
        valid = tuple(k for k in sentence.keys if k in by_key)
        invalid.extend(k for k in sentence.keys if k not in by_key and k not in invalid)
        results = {k: support(sentence.text, by_key[k].text, embedder, settings) for k in valid}
        supported = bool(valid) and any(r.supported for r in results.values())
        for key, result in results.items():
            if result.supported and result.score > quotes.get(key, (-1.0, ""))[0]:
                quotes[key] = (result.score, result.quote)
            elif key not in quotes:
                quotes[key] = (-0.5, result.quote)
        best = max((r.score for r in results.values()), default=0.0)
        supporters = tuple(k for k, r in results.items() if r.supported)
        checked.append(AnswerSentence(sentence.text, valid, supported, best, supporters, note))
    cited = sorted({k for s in checked for k in s.citations})
    sources = tuple(Source(k, by_key[k], quotes.get(k, (0.0, ""))[1]) for k in cited)
    text = " ".join([reply.lead] * bool(reply.lead) + [_with_markers(s) for s in checked])
    return CheckedAnswer(text, False, tuple(checked), sources, tuple(invalid))


def _with_markers(sentence: AnswerSentence) -> str:
    """The sentence with its citation markers before its closing stop, and its note after them."""
    markers = "".join(f" [{k}]" for k in sentence.citations) + (f" {sentence.note}" if sentence.note else "")
    if sentence.citations and sentence.text[-1:] in ".!?":
        return sentence.text[:-1] + markers + sentence.text[-1]
    return sentence.text + markers
