"""What kind of answer a question asks for, read from its parse: a named entity of some types
(who, when, where, how many, which X), a yes or a no, or an explanation.

The expected entity types come from the question word, or from the noun it asks about ("which
city", "2024 treaty location") matched against spaCy's own description of each entity label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.nlp import ENTITY_LABELS, Pipeline, explain
from rag.text import normalize

FACTOID, YES_NO, OPEN = "factoid", "yes/no", "open"

PEOPLE = frozenset({"PERSON", "ORG", "NORP", "GPE"})
TIMES = frozenset({"DATE", "TIME"})
PLACES = frozenset({"GPE", "LOC", "FAC"})
COUNTS = frozenset({"CARDINAL", "QUANTITY"})
AMOUNTS = frozenset({"MONEY", "QUANTITY", "PERCENT", "CARDINAL"})
MEASURES = frozenset({"QUANTITY", "DATE", "TIME", "CARDINAL", "MONEY", "PERCENT"})
NAMES = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "WORK_OF_ART", "PRODUCT"})
_WH_TAGS = frozenset({"WP", "WP$", "WRB", "WDT"})


@dataclass(frozen=True)
class QuestionType:
    """`labels` is empty for a factoid whose type the question does not pin down ("what did X
    sign?"): any entity or noun phrase may answer it."""

    form: str
    labels: frozenset[str] = frozenset()
    focus: str = ""
    primary: str = ""  # the label most answers have ("who" → PERSON); the others count for less
    # True when the question word itself fixes the labels (when, where, how many). Labels guessed
    # from a noun are only a preference, and so are "who"'s ("the mayor" is a who-answer no
    # recogniser calls a person): when nothing of those labels is found, any answer may do.
    certain: bool = False

    @property
    def wants_entity(self) -> bool:
        return self.form == FACTOID


@dataclass(frozen=True)
class LabelGlossary:
    """spaCy's description of each entity label, embedded once, to match a question's focus noun
    ("city", "year", "winner") to the labels that can answer it."""

    labels: tuple[str, ...]
    words: tuple[frozenset[str], ...]
    vectors: np.ndarray | None
    min_similarity: float = 0.3

    @classmethod
    def build(cls, nlp: Pipeline, embed: Callable[[Sequence[str]], np.ndarray] | None) -> LabelGlossary:
        glosses = [explain(label) for label in ENTITY_LABELS]
        words = tuple(
            frozenset(form for t in doc if t.is_alpha for form in (t.lower_, _singular(t)))
            for doc in nlp.parse(glosses)
        )
        vectors = embed(glosses) if embed is not None else None
        return cls(ENTITY_LABELS, words, vectors)

    def labels_for(self, focus: Any, embed: Callable[[Sequence[str]], np.ndarray] | None) -> frozenset[str]:
        """The labels whose description names the focus noun, else the one closest in meaning."""
        forms = {focus.lower_, _singular(focus)}
        named = _families(label for label, words in zip(self.labels, self.words, strict=True) if forms & words)
        if named or self.vectors is None or embed is None:
            return named
        similarity = self.vectors @ embed([focus.text])[0]
        best = int(np.argmax(similarity))
        return _families([self.labels[best]]) if similarity[best] >= self.min_similarity else frozenset()


# OntoNotes splits places, times and numbers finely (a city is a GPE, a river a LOC, an airport a
# FAC): a question asking for a "location" or a "date" may be answered by any of the family.
_FAMILIES = (PLACES, TIMES, frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}))


def _families(labels: Iterable[str]) -> frozenset[str]:
    found = frozenset(labels)
    return found.union(*(family for family in _FAMILIES if family & found))


def _singular(token: Any) -> str:
    # The lemmatizer is not loaded (it is never needed elsewhere); nouns' plural tags are enough.
    text = str(token.lower_)
    if token.tag_ in ("NNS", "NNPS"):
        if text.endswith("ies") and len(text) > 4:
            return text[:-3] + "y"
        if text.endswith("s") and not text.endswith("ss"):
            return text[:-1]
    return text


_OPEN_OPENINGS = (
    "why ",
    "how do ",
    "how does ",
    "how did ",
    "how is ",
    "how are ",
    "how was ",
    "how were ",
    "how can ",
)


def needs_parse(question: str) -> bool:
    """False for questions that want an explanation ("why …", "how does …"): no short answer
    can be one, so spaCy need not be loaded for them."""
    return not normalize(question).startswith(_OPEN_OPENINGS)


def classify(
    question: str, nlp: Pipeline, glossary: Callable[[], LabelGlossary], embed: Callable | None = None
) -> QuestionType:
    """The form of answer `question` expects.

    who → people and organisations; when → dates; where → places; how many/much → numbers;
    what/which X, or a bare noun phrase ("2024 marathon winner") → the labels that describe X;
    a question opening with an auxiliary ("Did …", "Is …") → yes/no; why and bare how → open.
    `glossary` is called only for a question that asks about a noun.
    """
    doc = nlp.parse_one(question.strip())
    tokens = [t for t in doc if not t.is_punct and not t.is_space]
    if not tokens:
        return QuestionType(OPEN)
    wh = next((t for t in tokens if t.tag_ in _WH_TAGS), None)
    if wh is None:
        if tokens[0].pos_ == "AUX" or (tokens[0].tag_ == "MD"):
            return QuestionType(YES_NO)
        root = next((t for t in tokens if t.dep_ == "ROOT"), tokens[-1])
        if root.pos_ in ("NOUN", "PROPN"):
            # A search-style question: its head noun says what is wanted.
            return QuestionType(FACTOID, glossary().labels_for(root, embed), root.text)
        return QuestionType(OPEN)
    word = wh.lower_
    if word in ("who", "whom", "whose"):
        if _asks_identity(wh):
            return QuestionType(OPEN, focus=word)  # "who is Jane Doe?" wants a description
        return QuestionType(FACTOID, PEOPLE, word, "PERSON")
    if word == "when":
        return QuestionType(FACTOID, TIMES, word, certain=True)
    if word == "where":
        return QuestionType(FACTOID, PLACES, word, certain=True)
    if word == "why":
        return QuestionType(OPEN, focus=word)
    if word == "how":
        following = doc[wh.i + 1] if wh.i + 1 < len(doc) else None
        if following is None or following.pos_ not in ("ADJ", "ADV"):
            return QuestionType(OPEN, focus=word)
        if following.lower_ == "many":
            return QuestionType(FACTOID, COUNTS, "how many", certain=True)
        if following.lower_ == "much":
            return QuestionType(FACTOID, AMOUNTS, "how much", certain=True)
        return QuestionType(FACTOID, MEASURES, f"how {following.lower_}", certain=True)
    focus = _focus_noun(wh, doc)
    if focus is None:
        return QuestionType(FACTOID, frozenset(), word)
    if _singular(focus) == "name":
        return QuestionType(FACTOID, NAMES, focus.text)  # "what is the name of …": a name, of any kind
    return QuestionType(FACTOID, glossary().labels_for(focus, embed), focus.text)


def _asks_identity(wh: Any) -> bool:
    """'Who is/was <a name>?': the copula joins the question word to a proper noun."""
    head = wh.head
    return bool(
        head.pos_ == "AUX"
        and head.dep_ == "ROOT"
        and any(c.i != wh.i and c.dep_ in ("nsubj", "attr") and c.pos_ == "PROPN" for c in head.children)
    )


def _focus_noun(wh: Any, doc: Any) -> Any | None:
    """The noun a what/which question asks about: "which city", "what is the capital of …"."""
    if wh.dep_ == "det" and wh.head.pos_ in ("NOUN", "PROPN"):
        return wh.head
    root = wh.head if wh.dep_ in ("attr", "nsubj") else None
    if root is not None and root.pos_ == "AUX":  # "what is the capital of …": the copula's other side
        for child in root.children:
            if child.dep_ in ("nsubj", "attr") and child.i != wh.i and child.pos_ in ("NOUN", "PROPN"):
                return child
    return None
