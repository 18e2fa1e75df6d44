"""Whether a sentence makes sense without its neighbours: what a summary may quote.

It does not when it opens on a pronoun, a demonstrative or a connective whose referent is in
another sentence ("He said…", "This warming…", "But…", "By contrast, …", "That was…"), when a
pronoun means a person the sentence does not name ("'We won,' she said.") or a thing it does
not ("Taxes would pay for much of it."), when its "I" is the writer's (a column's, an essay's), when it is a piece
of one (a subordinate clause alone, or text cut after its start), when it is a question, an
outlet's label ("What's happening:") or a lead-in to what follows it (ending on a colon), when
it is a quotation with no speaker or the end of one begun before, or when it names a day only
relative to its article ("tomorrow", "on Tuesday") and the date is not written beside it. The
parse decides the parts of speech and the person of a pronoun; the day and month names are the
calendar's.
"""

from __future__ import annotations

import re
from typing import Any

from rag.dates import MONTHS, RELATIVE_DAYS, RELATIVE_PARTS_OF_DAY
from rag.text import inside_quotation

_SAY = frozenset({"say", "says", "said", "saying"})  # the pipeline runs without its lemmatizer
_OPENERS = frozenset({'"', "“", "'", "‘", "(", "[", "—", "-", "–"})
_DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})
_QUOTES = frozenset({'"', "“", "'", "‘"})
_QUOTES_CLOSING = frozenset({'"', "”", "'", "’"})
_CLOSING_SINGLE = re.compile(r"(?<=[\w.,!?])['’](?=[\s,.;:!?]|$)")
_SPEAKER_PRONOUNS = frozenset({"he", "she", "they"})
_PERSONAL = frozenset({"he", "she", "him", "her", "his", "hers", "himself", "herself"})  # a person, not a thing
_SINGULAR = frozenset({"NN", "NNP"})  # Penn tags of a singular noun and a singular proper noun
_LABEL = re.compile(r"^[^:.!?]{1,40}:\s")
# A day named relative to the article, with no date written after it (past its possessive or time of day),
# in brackets (square ones inside a quotation) or as the month and day it falls on ("Tuesday, March 3",
# "Tuesday in March 2020").
_RELATIVE_DAY = re.compile(
    rf"\b({'|'.join(sorted(RELATIVE_DAYS))}|{RELATIVE_PARTS_OF_DAY})\b(?!(['’]s)?(\s+(morning|afternoon|evening|night))?\s*[(\[])"
    rf"(?!,?\s+(in\s+)?({'|'.join(MONTHS)})[a-z]*\.?\s+\d)",
    re.IGNORECASE,
)


def stands_alone(text: str, doc: Any, days_dated: bool = False) -> bool:
    """Whether a sentence makes sense without its neighbours (see the module's list); with
    `days_dated`, a relative day passes, as the caller writes its date in."""
    tokens = [t for t in doc if not t.is_space]
    if not tokens:
        return False
    first = tokens[0]
    if first.is_punct and first.text not in _OPENERS:  # a piece cut from a sentence (". talking…")
        return False
    if any(c.dep_ == "mark" for t in tokens if t.dep_ == "ROOT" for c in t.children):
        return False  # a subordinate clause without its main one ("While we were all stuck.")
    if first.pos_ == "PRON" and first.lower_ not in ("i", "we", "you", "everyone", "nobody", "someone"):
        return False
    if _person_unnamed(tokens):  # "Make no mistake that he was.", "'We won,' she said."
        return False
    if _thing_unnamed(tokens):  # "Higher taxes would pay for much of it."
        return False
    if _writer_speaks(doc.text, tokens) or _bids_the_reader(doc.text, tokens):  # "I carry no brief …", "Take …"
        return False
    if first.tag_ == "DT" and first.dep_ == "nsubj":  # "That was…", "This means…"
        return False
    if _demonstrative_subject(tokens):  # "As of Tuesday, that's the vast majority of counties."
        return False
    if _points_back(first):  # "This warming…", "These measures…"; not "This week…"
        return False
    if first.pos_ == "CCONJ" or (first.pos_ == "ADV" and len(tokens) > 1 and tokens[1].text == ","):
        return False
    if _linking_phrase(tokens):  # "By contrast, …", "In addition, …"
        return False
    if text.rstrip().endswith(("?", ":")) or _LABEL.match(text):  # ":" leads in to what it does not show
        return False
    stripped = text.strip()
    if _closes_a_quotation_begun_before(stripped) and not any(t.lower_ in _SAY for t in tokens):
        return False  # 'I think everyone will wear them.”', without who said it
    if stripped[:1] in _QUOTES and (stripped[:1] in '"“' or stripped[1:2].isalpha()):  # not "'90s"
        # A quotation alone, or one that runs on into the next sentence: its speaker is elsewhere;
        # so is one whose speaker is only "he" or "she" ("'We won,' he added.").
        quoted = stripped.rstrip(".")[-1:] in _QUOTES_CLOSING or _unclosed(stripped)
        if quoted and not any(t.lower_ in _SAY for t in tokens):
            return False
        if _said_by_a_pronoun(tokens):
            return False
    return days_dated or not _RELATIVE_DAY.search(text)


def _person_unnamed(tokens: list[Any]) -> bool:
    """A pronoun that means a person ("he", "her") in a sentence that names no one it can mean,
    by name or as the subject of a clause ("the governor said he …"): the person is in another
    sentence. A verb's subject and its object are two people ("Another man hasn't paid him" is
    not about the man, "she told CNN's Jake Tapper" not about Tapper)."""
    for pronoun in (t for t in tokens if t.lower_ in _PERSONAL and t.pos_ == "PRON"):
        ruled_out: set[int] = set()
        if pronoun.lower_ not in ("himself", "herself"):
            for other in _co_arguments(pronoun):
                name = next((e for e in other.doc.ents if e.start <= other.i < e.end), None)
                ruled_out |= set(range(name.start, name.end)) if name is not None else {other.i}
        if not any(
            t.i not in ruled_out
            and (t.ent_type_ == "PERSON" or (t.pos_ in ("NOUN", "PROPN") and t.dep_ in ("nsubj", "nsubjpass")))
            for t in tokens
        ):
            return True
    return False


def _writer_speaks(text: str, tokens: list[Any]) -> bool:
    """A pronoun of the first or the second person outside any quotation, with no one said to
    speak: the writer of a column or an essay ("I carry no brief …", "As we went to press …"),
    its readers ("If you're unvaccinated, you …"), or speech whose speaker is in another sentence
    ("We're also banning ballot harvesting."). A reader of the sentence alone cannot tell who is
    meant. "US" in capitals is the country."""
    if any(t.lower_ in _SAY for t in tokens) or _closes_a_quotation_begun_before(text.strip()):
        return False
    return any(
        t.pos_ == "PRON"
        and ("Person=1" in t.morph or "Person=2" in t.morph)
        and not (t.text.isupper() and len(t.text) > 1)
        and not inside_quotation(text, t.idx)
        and not _ends_a_quotation(text, t.idx)
        for t in tokens
    )


def _linking_phrase(tokens: list[Any]) -> bool:
    """An opening preposition with a bare common noun, set off by a comma ("By contrast,", "In
    addition,", "In fact,"): a link to what the sentence before said, as "But" is. A date, a
    place or a noun with its determiner ("In March,", "In a statement,") names something itself."""
    return (
        len(tokens) > 3
        and tokens[0].pos_ == "ADP"
        and tokens[1].pos_ == "NOUN"
        and tokens[1].tag_ == "NN"
        and tokens[1].head.i == tokens[0].i
        and not tokens[1].ent_type_
        and tokens[2].text == ","
    )


def _bids_the_reader(text: str, tokens: list[Any]) -> bool:
    """An imperative outside any quotation ("Take, for example, Eric Adams …", "Call that good
    inflation …"): the writer addressing the reader, as a "you" does. The parse gives it as a
    main verb in its base form with no subject and no auxiliary."""
    root = next((t for t in tokens if t.dep_ == "ROOT"), None)
    return bool(
        root is not None
        and root.tag_ == "VB"
        and not any(c.dep_ in ("nsubj", "nsubjpass", "expl", "aux", "auxpass") for c in root.children)
        and not inside_quotation(text, root.idx)
        and not _ends_a_quotation(text, root.idx)
    )


def _ends_a_quotation(text: str, position: int) -> bool:
    """Whether `position` lies in a quotation begun in an earlier sentence: a quotation mark
    closes after it before any opens, and none opens before it ('Not a decision I wanted to
    make," she told …', not 'Take Wallace's contention that it was “delivered from a planet …”')."""
    if any(c in '"“' for c in text[:position]):
        return False
    for at in range(position, len(text)):
        if text[at] in "“”":
            return text[at] == "”"
        if text[at] == '"':  # a straight quote opens where a word starts after it
            starts_a_word = at == 0 or text[at - 1].isspace() or text[at - 1] in "([{—–-"
            return not (starts_a_word and text[at + 1 : at + 2].strip() != "")
    return False


def _co_arguments(pronoun: Any) -> list[Any]:
    """The other arguments of the verb a pronoun is the subject or the object of: its object (or
    objects, direct or after a preposition) for a subject, its subject for an object."""
    verb = pronoun.head
    if pronoun.dep_ in ("dobj", "dative"):
        return [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    if pronoun.dep_ in ("nsubj", "nsubjpass"):
        objects = [c for c in verb.children if c.dep_ in ("dobj", "dative")]
        return objects + [g for c in verb.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
    return []


def _demonstrative_subject(tokens: list[Any]) -> bool:
    """A demonstrative standing alone as the subject of the main clause, after an opening
    phrase: what it means was said before ("In part, that is her own fault.")."""
    root = next((t for t in tokens if t.dep_ == "ROOT"), None)
    return root is not None and any(
        c.dep_ in ("nsubj", "nsubjpass")
        and c.tag_ == "DT"
        and c.lower_ in _DEMONSTRATIVES
        and not any(g.dep_ in ("relcl", "acl", "prep") for g in c.children)
        for c in root.children
    )


def _thing_unnamed(tokens: list[Any]) -> bool:
    """An "it" after a preposition ("much of it", "without it", "in its place") with no singular
    noun before it to mean, nor one after it that it looks ahead to as the subject ("Across its
    products, Pfizer said …"): the thing is in another sentence."""
    root = next((t for t in tokens if t.dep_ == "ROOT"), None)
    subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")] if root is not None else []
    for token in tokens:
        if token.lower_ not in ("it", "its") or token.pos_ != "PRON":
            continue
        if not (token.dep_ == "pobj" or (token.dep_ == "poss" and token.head.dep_ == "pobj")):
            continue
        named_before = any(
            t.tag_ in _SINGULAR and t.dep_ != "compound" and not _a_figure_or_time(t) for t in tokens if t.i < token.i
        )
        named_after = any(s.i > token.i and s.tag_ in _SINGULAR for s in subjects)
        if not named_before and not named_after:
            return True
    return False


def _a_figure_or_time(token: Any) -> bool:
    return token.ent_type_ in ("DATE", "TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL")


def _closes_a_quotation_begun_before(text: str) -> bool:
    """Whether the sentence's first quotation mark closes a quotation: its opening, and its
    speaker, are in an earlier sentence."""
    first = next((i for i, c in enumerate(text) if c in '"“”'), None)
    return first is not None and text[first] == "”"


def _unclosed(text: str) -> bool:
    if text[:1] in "'‘":  # a closing single quote is one not inside a word ("don’t")
        return not _CLOSING_SINGLE.search(text, 1)
    return text.count('"') % 2 == 1 or text.count("“") > text.count("”")


def _said_by_a_pronoun(tokens: list[Any]) -> bool:
    root = next((t for t in tokens if t.dep_ == "ROOT"), None)
    return root is not None and any(c.dep_ == "nsubj" and c.lower_ in _SPEAKER_PRONOUNS for c in root.children)


def _points_back(token: Any) -> bool:
    """A demonstrative determining a noun that is no time: the thing it means was named before."""
    return (
        token.lower_ in _DEMONSTRATIVES
        and token.dep_ == "det"
        and token.head.ent_type_ not in ("DATE", "TIME")
        and token.ent_type_ not in ("DATE", "TIME")
    )


def said_by(entity: Any) -> bool:
    """Whether a name is the subject of its sentence's verb of saying ("Cyril Ramaphosa said
    authorities had identified …", "… ,” said Mayor Ana Ruiz"): the person the sentence quotes."""
    root = entity.root
    return root.dep_ == "nsubj" and root.head.dep_ == "ROOT" and root.head.lower_ in _SAY


def reports_speech(doc: Any) -> bool:
    """Whether a sentence tells what someone said ("X said …", a quotation): a reaction, which
    a summary gives after the events it reacts to."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    return bool(root is not None and root.lower_ in _SAY) or any(t.text in ('"', "“", "”") for t in doc)
