"""Who the people are, decided from all their mentions together: every way a person is written
("Okafor", "Anna Okafor", "Anna M. Okafor", "Anna", "Councilwoman Anna Okafor") mapped to one
full name, and the names the recogniser calls people but the texts treat as things left out.

The evidence is the parse's and the recogniser's own, over every mention in the articles:
- a name the recogniser labels a place, an organisation or a product more often than a person
  is not a person;
- a name written as a thing ("the Ashcombe plant", "an Arlo", "Pelham residents", "off Cape
  Marrick": after an article or with one heading its phrase, as a noun's modifier, or after a
  preposition of place) in half its mentions or more is not a person;
- a name followed by ", which" in any mention, or whose own clause goes on with "its" ("Baxter
  Whitfield said its proposal scored highest"), is not a person;
- a name given only as one word, never in full, is not listed as a person (it may be a place, a
  firm or a ship; news names a person in full at first mention), unless a title stands before
  it in two mentions or more ("President Biden", "Mr. Zarif": no place or firm is written so;
  once may be the parse's slip);
- full names with one surname and given names that are one name's forms ("Robert Kessler" and
  "Bobby Kessler", "Phillip J. Danvers" and "Phil Danvers", by the `nicknames` table) are one
  person;
- a first word whose removal leaves another full form ("Councilwoman Rita Saldana" beside "Rita
  Saldana"), that the texts also use as a common noun ("the superintendent"), or that is no given
  name and comes before one ("Superintendent Alan Prescott"), is a title written into the name.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from nicknames import NickNamer

from rag.brief.titles import HONORIFICS, is_abbreviated_title

# Prepositions that put what follows them on a map ("in Corbin Falls", "off Cape Marrick").
_PLACE_PREPOSITIONS = frozenset({"in", "near", "off", "across", "outside", "inside", "throughout", "around"})
THING_LABELS = frozenset({"ORG", "GPE", "LOC", "FAC", "PRODUCT", "NORP", "EVENT", "WORK_OF_ART"})


def clean_tokens(entity: Any) -> list[Any]:
    """The name's words: without articles, punctuation, a possessive and what follows it, and
    with the capitalised proper nouns that follow it outside any entity ("British blogger Graham
    Phillips", where the recogniser took only "Graham")."""
    doc = entity.doc
    end = entity.end
    while end < len(doc) and doc[end].pos_ == "PROPN" and doc[end].text[:1].isupper() and not doc[end].ent_type_:
        end += 1
    # What follows a possessive is a thing the person owns: "Donald Trump's Facebook account".
    possessive = next((t.i for t in doc[entity.start + 1 : end] if t.tag_ == "POS" or t.lower_ in ("'s", "’s")), None)
    end = possessive if possessive is not None else end
    tokens = [t for t in doc[entity.start : end] if not t.is_punct and t.tag_ != "POS" and t.pos_ != "DET"]
    while len(tokens) > 1 and tokens[0].pos_ == "NOUN":
        tokens = tokens[1:]  # "Astronomer Rosa Delgado": the recogniser took the title in
    return tokens


SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})  # generational, after a surname


def name_words(form: str) -> list[str]:
    """A name's words without a generational suffix: "Cyrus Vance Jr." → ["Cyrus", "Vance"], so
    that its surname is Vance and "Vance Jr." is that surname alone."""
    words = form.split()
    return words[:-1] if len(words) > 1 and words[-1].lower() in SUFFIXES else words


def written(tokens: Sequence[Any]) -> str:
    """The name as the text writes it, hyphens kept ("Mei-Lin Cho", "Amara Quist-Hall")."""
    if not tokens:
        return ""
    doc = tokens[0].doc
    return " ".join(doc[tokens[0].i : tokens[-1].i + 1].text.split())


def person_key(entity: Any) -> str:
    return written(clean_tokens(entity))


def plausible_person(tokens: Sequence[Any]) -> bool:
    """A name is capitalised proper-noun words, without digits; spaCy's small model also calls
    headlines' capitalised phrases people, so every word must read as a name."""
    return (
        1 <= len(tokens) <= 4
        and all(t.text[:1].isupper() and not any(c.isdigit() for c in t.text) for t in tokens)
        and any(t.pos_ == "PROPN" for t in tokens)
        and all(t.pos_ in ("PROPN", "NOUN", "ADJ") or t.text.endswith(".") for t in tokens)
        and not all(t.text.isupper() and len(t.text) > 1 for t in tokens)  # "PELL JUNCTION": a headline's caps
        and not is_abbreviated_title(tokens[-1].text)  # "Lt Col", "Lance Cpl": a title its name was cut from
    )


def _written_as_thing(entity: Any) -> bool:
    """ "the Coldharbour Mill site", "an Arlo", "the new $212 million Margaret Ames Bridge",
    "Pelham residents", "off Cape Marrick": an article before the name or heading its phrase,
    the name modifying a common noun, or a place's preposition before it. People's names take
    none of these, bar now and then ("the late Ann Ruiz"), which the majority of mentions
    outweighs."""
    before = entity.doc[entity.start - 1] if entity.start > 0 else None
    for word in (before, entity[0]):  # the recogniser may take the article in ("the MV Islander")
        if word is not None and word.tag_ == "DT" and word.lower_ in ("the", "a", "an"):
            return True
    root = entity.root
    if any(c.dep_ == "det" and c.lower_ in ("the", "a", "an") and c.i < entity.start for c in root.children):
        return True
    if root.dep_ == "pobj" and root.head.lower_ in _PLACE_PREPOSITIONS:
        return True
    return bool(root.dep_ == "compound" and root.head.pos_ == "NOUN")


def _which_follows(entity: Any) -> bool:
    """ "Tallis Pay, which …": English refers to a person with "who", never "which"."""
    doc = entity.doc
    return entity.end + 1 < len(doc) and doc[entity.end].text == "," and doc[entity.end + 1].lower_ == "which"


def _numbered(entity: Any) -> bool:
    """ "H. Res. 601": a name with its own number after it is a bill's, a form's or a flight's,
    not a person's (a number that goes with a noun after it is not the name's: "Bernie Sanders'
    2016 and 2020 presidential campaigns")."""
    doc, at = entity.doc, entity.end
    if at < len(doc) and doc[at].text == ".":
        at += 1
    if at >= len(doc) or not (doc[at].like_num and any(c.isdigit() for c in doc[at].text)):
        return False
    return doc[at].head.i <= doc[at].i


def _told_as_it(entity: Any) -> bool:
    """ "Baxter Whitfield said its proposal scored highest", "Kessler Mobility recalled 38,000 of
    its scooters": the name's own clause goes on with "its", with no noun between them and no
    pronoun of a person. ("It" is too often the clause's other subject: "Achterberg has argued
    it will create jobs".)"""
    root = entity.root
    if root.dep_ not in ("nsubj", "nsubjpass"):
        return False
    own = {t.i for t in root.subtree}  # "Owen Trask, its finance critic, said": its is another's
    after = [t for t in root.head.subtree if t.i >= entity.end and t.i not in own]
    if any(t.lower_ in ("he", "she", "his", "her", "him", "hers") for t in after):
        return False
    doc = entity.doc
    return any(
        t.lower_ == "its"
        and t.dep_ == "poss"
        and not any(w.pos_ in ("NOUN", "PROPN") for w in doc[entity.end : t.i])  # nothing else it could mean
        for t in after
    )


def person_aliases(docs: Iterable[Any], nicknames: NickNamer | None = None) -> dict[str, str]:
    """Every way a person is written mapped to one name: the most frequent full form sharing the
    surname (or, for a given name alone, the one full form that starts with it). A bare name
    belongs to a full name only when one full name fits it."""
    forms: Counter[str] = Counter()
    as_thing: Counter[str] = Counter()
    told_as_thing: defaultdict[str, bool] = defaultdict(bool)
    labelled_thing: Counter[str] = Counter()
    titled: Counter[str] = Counter()
    lower_words: set[str] = set()
    nicknames = nicknames or NickNamer()
    for doc in docs:
        lower_words.update(t.text for t in doc if t.pos_ == "NOUN" and t.is_alpha and t.text.islower())
        for entity in doc.ents:
            if entity.label_ not in ("PERSON", *THING_LABELS):
                continue
            tokens = clean_tokens(entity)
            form = written(tokens)
            # Whatever the recogniser calls it here, a name referred to as a thing is one.
            told_as_thing[form] |= _which_follows(entity) or _told_as_it(entity) or _numbered(entity)
            if entity.label_ != "PERSON":
                labelled_thing[form] += 1
            elif plausible_person(tokens):
                forms[form] += 1
                as_thing[form] += _written_as_thing(entity)
                titled[form] += _after_a_title(entity, nicknames)
    people = {
        form: count
        for form, count in forms.items()
        if labelled_thing[form] <= count and 2 * as_thing[form] < count and not told_as_thing[form]
    }
    with_title = _titled_forms(people, lower_words, nicknames)
    for form, bare in with_title.items():
        people[bare] = people.get(bare, 0) + people.pop(form)
    aliases = _by_surname(people, nicknames)
    for form, bare in with_title.items():
        if bare in aliases:
            aliases[form] = aliases[bare]
    for form in people:
        if form not in aliases and len(name_words(form)) == 1 and titled[form] >= 2:
            aliases[form] = form
    return aliases


def _after_a_title(entity: Any, nicknames: NickNamer) -> bool:
    """ "President Biden", "Mr. Zarif", "Sen. Manchin": a capitalised word written into the
    name's phrase just before it, itself no name and no given name (in "Ed Lavandera" the
    recogniser left the given name out)."""
    if entity.start == 0:
        return False
    word = entity.doc[entity.start - 1]
    if word.lower_ in HONORIFICS or is_abbreviated_title(word.text):
        return not word.ent_type_
    return (
        word.pos_ == "PROPN"
        and word.tag_ == "NNP"
        and word.is_alpha
        and word.text[:1].isupper()
        and word.dep_ == "compound"
        and entity.start <= word.head.i < entity.end
        and not word.ent_type_
        and not _given_name(word.text, nicknames)
    )


def begins_with_a_given_name(name: str, nicknames: NickNamer) -> bool:
    """Whether a name of two words or more starts with a given name the `nicknames` table knows:
    "Maggie Nichols", not "Quarry Lane" or "Juniper Hill Elementary" (which the recogniser may
    take for people). The table knows common given names only, so this is a test to pass, not
    one to fail."""
    words = name_words(name)
    return len(words) >= 2 and _given_name(words[0], nicknames)


def written_as_title_and_given_name(name: str, nicknames: NickNamer) -> bool:
    """ "Firefighter Patrick": a first word that is no given name before one that is: a title
    written into a name the text gives by its given name alone, no name in full."""
    words = name_words(name)
    return len(words) == 2 and _before_a_given_name(words, nicknames)


def _given_name(word: str, nicknames: NickNamer) -> bool:
    """A given name the `nicknames` table knows, as a name or as a nickname of one."""
    return bool(nicknames.nicknames_of(word) or nicknames.canonicals_of(word))


def _before_a_given_name(words: Sequence[str], nicknames: NickNamer) -> bool:
    return not _given_name(words[0], nicknames) and _given_name(words[1], nicknames)


def _titled_forms(people: dict[str, int], lower_words: set[str], nicknames: NickNamer) -> dict[str, str]:
    """Forms whose first word is a title written into the name, each with the name without it:
    in a name of three words or more, when the rest is a full form of its own, the texts use the
    first word as a common noun ("the superintendent"), or the first word is no given name and
    the second is ("Councilwoman Teresa Vail", not "Mary Ellen Coyle" or "Abiy Ahmed Ali"); in a
    name of two, when the texts use it so and another full name has the surname ("Councilwoman
    Saldana" beside "Rita Saldana"), so that a given name such as Grant is left alone."""
    surnames = Counter(name_words(form)[-1] for form in people if len(name_words(form)) > 1)
    found = {}
    for form in people:
        words = name_words(form)  # "Cyrus Vance Jr." is a name of two words, not a title and a name
        rest = form.split(maxsplit=1)[-1]
        title = words[0].lower() in lower_words
        if len(words) >= 3 and (title or _before_a_given_name(words, nicknames) or rest in people):
            found[form] = rest
        elif len(words) == 2 and title and surnames[words[1]] > 1:
            found[form] = rest
    return found


def one_given_name(a: str, b: str, nicknames: NickNamer) -> bool:
    """ "Anna" and "anna", "Robert" and "Bobby", "Phil" and "Phillip"."""
    a, b = a.lower(), b.lower()
    return a == b or b in nicknames.nicknames_of(a) or a in nicknames.nicknames_of(b)


def _by_middle_name(a: str, b: str) -> bool:
    """Whether one full form gives as its given name the other's middle name, written out or as
    its initial: "Frank McKenzie" and "Kenneth F. McKenzie Jr.", "Scott Fitzgerald" and
    "F. Scott Fitzgerald" (the same surname is the caller's)."""
    words_a, words_b = name_words(a), name_words(b)
    for given, middle in ((words_a[0], words_b[1:-1]), (words_b[0], words_a[1:-1])):
        for word in (w.rstrip(".") for w in middle):
            if word.lower() == given.lower() or (len(word) == 1 and given[:1].upper() == word.upper()):
                return True
    return False


def _by_surname(forms: Counter[str] | dict[str, int], nicknames: NickNamer) -> dict[str, str]:
    by_surname: dict[str, list[str]] = defaultdict(list)
    for form in forms:
        by_surname[name_words(form)[-1].lower()].append(form)
    aliases: dict[str, str] = {}
    for variants in by_surname.values():
        full = sorted((v for v in variants if len(name_words(v)) > 1), key=lambda v: (-forms[v], -len(v), v))
        for variant in full:
            # "Anna Okafor", "Anna M. Okafor" and "Annie Okafor" are one person; "Daniel Okafor" another;
            # "Frank McKenzie" is "Kenneth F. McKenzie Jr.", called by his middle name.
            aliases[variant] = next(
                f
                for f in full
                if one_given_name(f.split()[0], variant.split()[0], nicknames) or _by_middle_name(f, variant)
            )
        persons = {aliases[v] for v in full}
        for variant in variants:
            if len(name_words(variant)) == 1 and len(persons) == 1:
                aliases[variant] = full[0]
        if len(persons) == 1:
            aliases.setdefault(name_words(full[0])[-1], full[0])  # the surname alone, as it is written
    surnames = {name_words(form)[-1].lower() for form in forms if len(name_words(form)) > 1}
    by_given: dict[str, set[str]] = defaultdict(set)
    for form in forms:
        if len(name_words(form)) > 1:
            by_given[form.split()[0].lower()].add(aliases.get(form, form))
    for form in forms:
        name = form.lower()
        if len(name_words(form)) == 1 and form not in aliases and name not in surnames and len(by_given[name]) == 1:
            aliases[form] = next(iter(by_given[name]))  # "Graham", for the one Graham named in full
    return aliases
