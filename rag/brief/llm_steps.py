"""With an LLM: claims per article (map) and the summary from the findings (reduce), checked against the articles."""

from __future__ import annotations

import json
import re
from typing import Any

from rag.brief.model import Agreement, BriefSource, Claim, Discrepancy, Statement
from rag.cite import SupportSettings, parse_citations, support
from rag.embed import Embedder
from rag.llm import LLM, LLMError
from rag.text import normalize

_CLAIMS_SCHEMA_HINT = '{"claims": [{"text": "...", "quote": "exact sentence from the article"}]}'


def map_claims(llm: LLM, prompts: Any, sources: tuple[BriefSource, ...], texts: dict[int, str]) -> list[Claim]:
    claims: list[Claim] = []
    for source in sources:
        messages = prompts.map_messages(source, texts[source.key])
        for _attempt in range(3):
            reply = llm.complete(messages)
            extracted, problem = _validate_claims(reply, texts[source.key])
            if problem is None:
                claims.extend(Claim(source.key, text, quote=quote) for text, quote in extracted)
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
