"""How the articles describe a person, read from the parse: a title before the name, an
apposition, a copula or "serves as"; and which two descriptions cannot both be true."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nicknames import NickNamer

from rag.brief.names import one_given_name
from rag.brief.titles import HONORIFICS, TITLE_ABBREVIATIONS, is_abbreviated_title
from rag.dates import in_the_past
from rag.text import inside_quotation, normalize

_FORMER = re.compile(r"^(?:former|ex|then)$|^ex-", re.IGNORECASE)


@dataclass(frozen=True)
class Role:
    """How one sentence describes a person: "port authority spokesman", "the deputy chair of the
    committee". `head` is the office ("spokesman", "chair"); `former` whether it is past."""

    person: str
    description: str
    head: str
    former: bool
    modifiers: frozenset[str]
    rank: frozenset[str] = frozenset()  # ordinals: "first deputy chair" is not "deputy chair"
    # Given in a clause that tells of an earlier time ("Taney, the chief justice who wrote the
    # Dred Scott decision", "the deal revoked by President Trump"): the title then, not now.
    then: bool = False


def role_of(entity: Any, name: str, nicknames: NickNamer | None = None) -> Role | None:
    """The description the parse attaches to a person's mention: a title before the name
    ("port spokesman Tomas Berg"), an apposition ("Berg, the port's spokesman" or
    "the spokesman, Tomas Berg"), or a copula or "serves as" ("Berg is the spokesman"). With
    `nicknames`, a short form of the person's given name the recogniser left out of the name is
    no part of a title ("District Attorney Cy Vance Jr." for Cyrus Vance Jr.)."""
    root = entity.root
    if root.dep_ == "pobj" and root.head.lower_ == "under":
        return None  # "appointed under President Trump": the title dates an era, not the person now
    given = name.split()[0]
    title = [
        t
        for t in _title_before(entity)
        if t.text not in name.split()
        and not t.is_punct  # "Sens" "." when the parse splits off a plural title's full stop
        and t.lower_ not in HONORIFICS
        and not (nicknames is not None and t.pos_ == "PROPN" and one_given_name(t.text, given, nicknames))
    ]
    # "Secretary of State Antony Blinken", "Chief of Staff Carter Cornick": the office before
    # "of", when what the name follows is what "of" governs; in "the ban of former President
    # Donald Trump" it governs the name, and the title is "former President".
    department = bool(title) and title[-1].dep_ == "pobj" and title[-1].head.lower_ == "of"
    if title and (department or not _is_office(title[-1])) and (office := _office_of(title)) is not None:
        before = _title_before(office.doc[office.i : office.i + 1])
        return _role(name, [*before, office, office.nbor(1), *title], office)
    if title and _is_office(title[-1]):
        return _role(name, title, title[-1])
    if not title and (shared := _plural_title_before_the_first(entity)):
        return _role(name, shared, shared[-1])
    # A title the recogniser took into the name ("Councilwoman Teresa Vail"), which the
    # briefing's names left out of it.
    first = next((t.i for t in entity if t.text == name.split()[0]), entity.start)
    written_in = [t for t in entity if t.i < first and t.is_alpha and t.lower_ not in HONORIFICS]
    if written_in and written_in[-1].pos_ in ("NOUN", "PROPN") and not _plural(written_in[-1]):
        return _role(name, [*title, *written_in], written_in[-1])
    if (apposed := apposed_role(entity, name)) is not None:
        return apposed
    if root.dep_ == "appos" and _is_described(root.head):
        return _role(name, [t for t in _phrase(root.head) if t.i < entity.start or t.i >= entity.end], root.head)
    verb = root.head
    # What someone only may or could be ("Adams may be the new face of the party") is no role.
    if root.dep_ == "nsubj" and not any(c.tag_ == "MD" for c in verb.children):
        for child in verb.children:
            if verb.pos_ == "AUX" and child.dep_ == "attr" and _is_described(child):
                return _role(name, _phrase(child), child)
            # "served as", "was sworn in as": right after its verb; further on, "as" opens a
            # clause of its own ("has a reputation …, as a senator who accused him found").
            if child.dep_ == "prep" and child.lower_ == "as" and verb.pos_ == "VERB" and child.i - verb.i <= 2:
                for target in child.children:
                    if target.dep_ == "pobj" and _is_described(target):
                        return _role(name, _phrase(target), target)
    return None


def _plural_title_before_the_first(entity: Any) -> list[Any]:
    """The plural title written before the first of the names this one is listed with ("Sens."
    in "Sens. Joe Manchin and Kyrsten Sinema", "Reps. Jim Banks of Indiana and Jim Jordan of
    Ohio", "Reps. Jim Jordan (R-OH) and Jim Banks (R-IN)"): it names each of them."""
    doc = entity.doc
    index = entity.start - 1
    while index >= 0:
        token = doc[index]
        if token.lower_ in ("and", ",", "&"):
            index -= 1
        elif token.text == ")":  # a party or a state in brackets after the name before
            while index >= 0 and doc[index].text != "(":
                index -= 1
            index -= 1
        elif token.ent_type_ == "GPE":  # "Jim Banks of Indiana"
            index = _entity_start(token) - 1
            if index < 0 or doc[index].lower_ != "of":
                return []
            index -= 1
        elif token.ent_type_ == "PERSON":
            start = _entity_start(token)
            title = [t for t in _title_before(doc[start : index + 1]) if not t.is_punct]
            if title and _plural_abbreviation(title[-1].text):
                return title
            if title:
                return []
            index = start - 1
        else:
            return []
    return []


def _entity_start(token: Any) -> int:
    index = token.i
    while index > 0 and token.doc[index].ent_iob_ == "I":
        index -= 1
    return index


def _plural_abbreviation(word: str) -> bool:
    """ "Sens.", "Reps": a title's abbreviation in the plural, whose singular is one too."""
    bare = word.lower().rstrip(".")
    return bare.endswith("s") and is_abbreviated_title(word) and is_abbreviated_title(bare[:-1])


def apposed_role(entity: Any, name: str) -> Role | None:
    """The office an apposition after the name gives ("Berg, the port's spokesman, said"); one
    in brackets is a party or a state ("Gavin Newsom (D)", "Ted Cruz (R-Texas)"), not an office.
    An apposition stands beside its name: one the parse hangs on the name past a conjunct or a
    clause ("Babbitt and other rioters forcing their way … to the Speaker's Lobby — the hallway
    outside the chamber") describes a nearer noun."""
    for child in entity.root.children:
        between = [t.text for t in child.doc[entity.end : child.left_edge.i]]
        bracketed = between.count("(") > between.count(")")
        if child.dep_ == "appos" and not bracketed and not _past_other_words(entity, child):
            head = child.doc[_hyphenated_word(child).stop - 1]  # "co-founder": its last part
            if _is_described(head):
                words = {t.i: t for t in [*_phrase(child), *child.doc[child.i : head.i], *_phrase(head)]}
                return _role(name, list(words.values()), head)
    return None


def _past_other_words(entity: Any, apposition: Any) -> bool:
    """Whether a conjunct or a clause on the name stands between it and `apposition`."""
    between = range(entity.end, apposition.left_edge.i)
    return any(
        c.dep_ in ("cc", "conj", "acl", "relcl") and any(t.i in between for t in c.subtree)
        for c in entity.root.children
    )


def _hyphenated_word(token: Any) -> range:
    """The positions of the word a token is part of, which the parse splits at its hyphens
    ("co", "-", "founder"; "vice", "-", "president"), but for a prefix that dates an office
    ("then-President" is a president)."""
    doc, start, end = token.doc, token.i, token.i
    while start >= 2 and _hyphen_after(doc, start - 2) and not _FORMER.search(doc[start - 2].text):
        start -= 2
    while end + 2 < len(doc) and _hyphen_after(doc, end):
        end += 2
    return range(start, end + 1)


def _hyphen_after(doc: Any, i: int) -> bool:
    """Whether a hyphen with no space around it joins token `i` to the one after it."""
    return doc[i + 1].text == "-" and not doc[i].whitespace_ and not doc[i + 1].whitespace_


def _is_described(token: Any) -> bool:
    """An office the outlet gives in its own words: one inside a quotation is what someone said
    of the person ("he was “the new face of the Democratic Party”"), not a role they hold."""
    return _is_office(token) and not inside_quotation(token.doc.text, token.idx)


def _office_of(title: list[Any]) -> Any | None:
    """The office a title names before "of" ("Secretary" in "Secretary of State"), when what
    follows "of" is the department, not an office."""
    at = title[0].i
    if at < 2 or title[0].doc[at - 1].lower_ != "of":
        return None
    office = title[0].doc[at - 2]
    return office if _is_office(office) else None


def _title_before(entity: Any) -> list[Any]:
    """The words written just before a name that describe it ("former U.S. President" in
    "former U.S. President Ana Ruiz", "state-appointed financier"): the run of nouns,
    proper nouns and adjectives that ends at the name. The small parser often misattaches
    such runs, so their parts of speech decide, not the tree."""
    doc = entity.doc
    words: list[Any] = []
    index = entity.start - 1
    while index >= 0:
        token = doc[index]
        # A hyphen inside a word, or the full stop the parse split off an abbreviated title ("Reps" ".")
        joined = token.text == "-" and index > 0 and not token.whitespace_ and not doc[index - 1].whitespace_
        joined |= (
            token.text == "."
            and index > 0
            and not doc[index - 1].whitespace_
            and is_abbreviated_title(doc[index - 1].text)
        )
        # A participle describes a name only as its modifier ("state-appointed financier"); one
        # that governs the name is a verb ("challenging President Putin"), not part of a title.
        described = token.pos_ in ("NOUN", "PROPN", "ADJ", "NUM") or (
            token.tag_ in ("VBN", "VBG") and token.dep_ in ("amod", "compound")
        )
        if not joined and (not described or token.ent_type_ == "PERSON"):
            break
        if token.tag_ == "POS" or token.lower_ in ("'s", "’s"):
            break
        # Nor is a noun the name's own clause describes ("the information Kerry shared"), nor one
        # that ends a phrase of a preposition other than an office's "of" ("at times surly").
        if any(a.dep_ == "relcl" and a.head.i == token.i for a in entity.root.ancestors):
            break
        if (
            token.dep_ == "pobj"
            and token.head.i < token.i
            and token.head.lower_ != "of"
            and entity.root.i not in {t.i for t in token.subtree}
        ):
            break
        words.insert(0, token)
        index -= 1
    # A title does not begin halfway through another name, one the run stopped at the "of" of
    # ("Chairman of the Joint Chiefs of Staff Gen. Mark Milley" gives "Gen.", not "Staff Gen."),
    # and an organisation that opens the title is in it whole ("Centers for Disease Control and
    # Prevention director Rochelle Walensky", "Food and Drug Administration chief Janet Woodcock").
    cut = next((e for e in doc.ents if words and e.start < words[0].i < e.end), None)
    if cut is not None and cut.label_ == "ORG" and _opens_a_title(cut):
        words = [*doc[cut.start : words[0].i], *words]
    elif cut is not None and any(t.pos_ == "ADP" for t in doc[cut.start : words[0].i]):
        words = [w for w in words if w.i >= cut.end]
    if words and words[0].text == "-" and index >= 0 and doc[index].lower_ == "then" and not doc[index].whitespace_:
        return [doc[index], *words]  # "then-President": a title held then, as "former" says one held before
    while words and (words[0].text == "-" or words[0].pos_ == "NUM"):
        words = words[1:]
    return words


def _opens_a_title(organisation: Any) -> bool:
    """Whether an organisation's name stands at the head of a title, not as what an office before
    it is "of" ("Chairman of the Joint Chiefs of Staff")."""
    before = [t for t in organisation.doc[max(0, organisation.start - 2) : organisation.start] if t.pos_ != "DET"]
    return not before or before[-1].lower_ != "of"


def _is_office(token: Any) -> bool:
    """An office is named by a common noun ("spokesman", "chair"); a title written as a proper
    noun ("President", "Sen.") counts when it is not itself part of a named entity. A plural
    ("women", "Democrats") is no one person's office, but an abbreviated title is one ("Sens.",
    which names each of the people it comes before)."""
    if is_abbreviated_title(token.text):
        return not token.ent_type_
    if _plural(token):
        return False
    if token.pos_ == "NOUN":
        return token.ent_type_ not in ("PERSON", "ORG", "GPE", "NORP", "DATE", "CARDINAL")
    return token.pos_ == "PROPN" and not token.ent_type_


def _plural(token: Any) -> bool:
    """A plural noun ("Gymnasts Simone Biles, Maggie Nichols …") is no one person's office; an
    abbreviated title is ("Sens.", which names each of the people it comes before)."""
    return token.tag_ in ("NNS", "NNPS") and not is_abbreviated_title(token.text)


_CLAUSES = frozenset({"relcl", "acl", "advcl"})


def _phrase(token: Any, limit: int = 12) -> list[Any]:
    """A noun's phrase without the clauses hanging off it ("the spokesman, who said …"), or off
    a noun inside it ("official under President Trump who was involved in …")."""
    cut = {t.i for c in token.children if c.dep_ in ("appos", "punct", "cc", "conj") for t in c.subtree}
    cut |= {t.i for inner in token.subtree for c in inner.children if c.dep_ in _CLAUSES for t in c.subtree}
    words = [t for t in token.subtree if t.i not in cut and not t.is_punct]
    return words[:limit] if words and words[0].i <= token.i else [token]


def _role(name: str, words: Sequence[Any], head: Any) -> Role | None:
    # A possessive pronoun ("His agent", "Its chairman") points to someone named in another
    # sentence: the office stands without it, as it does without an article.
    words = [w for w in words if w.pos_ != "DET" and w.tag_ not in ("POS", "PRP$") and w.lower_ not in ("'s", "’s")]
    if not words or len(words) > 12:
        return None
    words = sorted(words, key=lambda w: w.i)
    while len(words) > 1 and words[-1].pos_ in ("CCONJ", "ADP", "PUNCT"):
        words = words[:-1]  # "senator for Kentucky and": the phrase went on past the role
    doc = words[0].doc
    description = _spelled_out(doc.text[words[0].idx : words[-1].idx + len(words[-1].text)])
    former = any(_FORMER.search(w.text) for w in words)
    word = _hyphenated_word(head)  # the office is the whole word: "vice-president", not "president"
    # What kind of office it is ("foreign", "defence"); a named body ("Senate", "U.S.") says
    # whose office, which outlets name in different ways, so it does not tell offices apart.
    modifiers = frozenset(
        normalize(w.text)
        for w in words
        if w.i not in word and not _FORMER.search(w.text) and w.pos_ in ("ADJ", "NOUN") and not w.ent_type_
    )
    rank = frozenset(normalize(w.text) for w in words if w.ent_type_ == "ORDINAL")
    # The office spelled out, so that "Sen." and "senator" name one office.
    office = _office_word(_spelled_out(doc[word.start : word.stop].text))
    return Role(name, description, office, former, modifiers, rank, then=_told_of_an_earlier_time(head))


def _told_of_an_earlier_time(head: Any) -> bool:
    """Whether a title is given of a person as they were at an earlier time than the news: a
    relative clause in the past on the title ("the chief justice who wrote …"), or a clause in
    the past, not the sentence's own, that the name belongs to ("the abuse they suffered at the
    hands of doctor Larry Nassar"). The news itself is told in the past too ("President Biden
    said on Tuesday"): its main clause gives titles as they are."""
    if any(c.dep_ == "relcl" and in_the_past(c) for c in head.children):
        return True
    verb = next((a for a in head.ancestors if a.pos_ in ("VERB", "AUX")), None)
    return verb is not None and verb.dep_ != "ROOT" and in_the_past(verb)


def _spelled_out(description: str) -> str:
    """ "state Sen." → "state senator", "Lt. Gov." → "lieutenant governor"; the last word also
    when the parse split its full stop off as a token of its own ("GOP Sens", "Lt. Col"), unless
    it is written in capitals ("the SEC")."""
    words = description.split(" ")
    spelled = []
    for position, word in enumerate(words):
        full = TITLE_ABBREVIATIONS.get(word.lower())
        if full is None and position == len(words) - 1 and not word.endswith(".") and not word.isupper():
            full = TITLE_ABBREVIATIONS.get(word.lower() + ".")
        spelled.append(full if full is not None else word)
    return " ".join(spelled)


def _office_word(text: str) -> str:
    word = normalize(text).removeprefix("ex-").rstrip(".")
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def same_office(a: Role, b: Role) -> bool:
    """ "chair" and "chairman" name one office: one word begins the other."""
    return a.head.startswith(b.head) or b.head.startswith(a.head)


def roles_conflict(a: Role, b: Role) -> bool:
    """Two descriptions that cannot both be true now: the same office held and no longer held
    ("former president" against "president"), of another rank ("first deputy chair" against
    "deputy chair"), or of another kind ("foreign minister" against "defence minister").
    "Former president" and "deputy chair of the council" are two true roles, not a conflict."""
    if not same_office(a, b):
        return False
    if a.former != b.former:  # unless the title held is given of an earlier time: it was held then
        return not (b if a.former else a).then
    if a.rank != b.rank:
        return True
    return bool(a.modifiers and b.modifiers and not (a.modifiers & b.modifiers))
