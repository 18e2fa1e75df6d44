"""With an LLM: claims per article (map), where the articles differ (compare) and the summary
from the findings (reduce), each checked against the articles."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from rag.brief.model import Agreement, BriefSource, Claim, Discrepancy, Statement
from rag.cite import SupportSettings, parse_citations, support
from rag.embed import Embedder
from rag.llm import LLM, LLMError
from rag.text import normalize
from rag.types import update_or_contradiction

# What the compare step may find: what the offline comparison cannot read from the parse
# (opposing evaluations, a denial worded apart from what it denies, a cause) and the rest.
DIFFERENCE_KINDS = frozenset({"framing", "denial", "number", "cause", "timing"})
_DIFFERENCES_SCHEMA_HINT = (
    '{"differences": [{"kind": "framing", "about": "...", "sides": [{"key": 1, "quote": "exact sentence"}]}]}'
)
T = TypeVar("T")
_CLAIMS_SCHEMA_HINT = '{"claims": [{"text": "...", "quote": "exact sentence from the article"}]}'


def map_claims(llm: LLM, prompts: Any, sources: tuple[BriefSource, ...], texts: dict[int, str]) -> list[Claim]:
    claims: list[Claim] = []
    for source in sources:
        extracted = _valid_reply(
            llm,
            prompts.map_messages(source, texts[source.key]),
            partial(_validate_claims, article=texts[source.key]),
            _CLAIMS_SCHEMA_HINT,
            f"the model gave no valid claims for article {source.article_id} after 3 tries",
        )
        claims.extend(Claim(source.key, text, quote=quote) for text, quote in extracted)
    return claims


def _valid_reply(
    llm: LLM,
    messages: list[dict[str, str]],
    validate: Callable[[str], tuple[list[T], str | None]],
    schema_hint: str,
    failure: str,
) -> list[T]:
    """What `validate` keeps of the model's reply; an invalid reply is answered with what was
    wrong and the form wanted, up to three tries in all."""
    for _attempt in range(3):
        reply = llm.complete(messages)
        kept, problem = validate(reply)
        if problem is None:
            return kept
        messages = [
            *messages,
            {"role": "assistant", "content": reply},
            {
                "role": "user",
                "content": f"That reply was invalid: {problem}. Reply with JSON only, "
                f"exactly in the form {schema_hint}.",
            },
        ]
    raise LLMError(failure)


def _json_items(reply: str, field: str) -> tuple[list[Any], str | None]:
    """The list under `field` of the JSON object in a reply, or what is wrong with it."""
    match = re.search(r"\{.*\}", reply, re.DOTALL)
    if not match:
        return [], "no JSON object found"
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError as exc:
        return [], f"invalid JSON ({exc.msg})"
    items = data.get(field) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return [], f"'{field}' must be a list"
    return items, None


def _validate_claims(reply: str, article: str) -> tuple[list[tuple[str, str]], str | None]:
    """Parse and check a map reply; claims whose quote is not in the article are dropped."""
    items, problem = _json_items(reply, "claims")
    if problem is not None:
        return [], problem
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


def reduce_summary(
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


def compare_outlets(
    llm: LLM,
    prompts: Any,
    sources: tuple[BriefSource, ...],
    claims: list[Claim],
    texts: dict[int, str],
) -> list[Discrepancy]:
    """Where the articles differ, as the model reads their claims: each side a sentence found
    word for word in its article, the sides of a difference from two articles or more. A side
    that is not in its article is dropped, and a difference left with one article with it."""
    said: dict[int, list[str]] = {}
    for claim in claims:
        sentence = claim.quote or claim.text
        if sentence not in said.setdefault(claim.key, []):
            said[claim.key].append(sentence)
    if len(said) < 2:
        return []
    outlets = {s.key: s.source or s.title for s in sources}
    dates = {s.key: s.date for s in sources}
    found = _valid_reply(
        llm,
        prompts.compare_messages({key: (outlets.get(key, ""), lines) for key, lines in said.items()}),
        partial(_validate_differences, texts=texts),
        _DIFFERENCES_SCHEMA_HINT,
        "the model gave no valid comparison of the articles after 3 tries",
    )
    return [Discrepancy(about, kind, _label(kind, sides, dates), sides) for kind, about, sides in found]


def _label(kind: str, sides: tuple[Statement, ...], dates: dict[int, str | None]) -> str:
    """Opposing evaluations contradict each other whenever they were written; the rest may be
    an update, a later report that changes the story."""
    if kind == "framing":
        return "contradiction"
    return update_or_contradiction([[dates.get(k) for k in side.citations] for side in sides])


def new_differences(found: list[Discrepancy], known: list[Discrepancy]) -> list[Discrepancy]:
    """The differences in `found` that none in `known` already shows: the same sentences, the
    same sides."""
    shown = [{normalize(p.text) for p in d.positions} for d in known]
    return [d for d in found if not any({normalize(p.text) for p in d.positions} <= seen for seen in shown)]


def _validate_differences(
    reply: str, texts: dict[int, str]
) -> tuple[list[tuple[str, str, tuple[Statement, ...]]], str | None]:
    """Parse and check a compare reply: (kind, about, sides) of each difference that holds."""
    items, problem = _json_items(reply, "differences")
    if problem is not None:
        return [], problem
    normal_texts = {key: normalize(text) for key, text in texts.items()}
    kept = []
    for item in items:
        if not (isinstance(item, dict) and isinstance(item.get("about"), str) and isinstance(item.get("sides"), list)):
            return [], "each difference needs a string 'about' and a list 'sides'"
        if item.get("kind") not in DIFFERENCE_KINDS:
            return [], f"'kind' must be one of {', '.join(sorted(DIFFERENCE_KINDS))}"
        by_quote: dict[str, set[int]] = {}
        for side in item["sides"]:
            if not isinstance(side, dict) or not isinstance(side.get("quote"), str) or type(side.get("key")) is not int:
                return [], "each side needs an integer 'key' and a string 'quote'"
            quote, key = side["quote"].strip(), side["key"]
            if key in normal_texts and normalize(quote) and normalize(quote) in normal_texts[key]:
                by_quote.setdefault(quote, set()).add(key)
        if len({k for keys in by_quote.values() for k in keys}) >= 2 and item["about"].strip():
            sides = tuple(Statement(quote, tuple(sorted(keys))) for quote, keys in by_quote.items())
            kept.append((item["kind"], item["about"].strip(), sides))
    return kept, None
