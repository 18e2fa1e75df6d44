"""Sentence splitting with exact character offsets, and the word-level helpers built on it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import Stemmer

# Words after which a full stop rarely ends a sentence in news text; a title's plural too ("Reps.
# Jim Banks and Jim Jordan", "Sens. Joe Manchin and Kyrsten Sinema").
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen gens sen sens rep reps gov govs lt col capt sgt st jr sr vs etc inc corp co ltd
    jan feb mar apr jun jul aug sep sept oct nov dec no fig approx dept est u.s u.k u.n e.g i.e
    a.m p.m""".split()
)
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)\]]*(?:\d{1,3}(?=\s))?")
# Stateless, and cached inside: one instance serves every caller.
_STEMMER = Stemmer.Stemmer("english")
_WORD = re.compile(r"\w+(?:[-'’.]\w+)*", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves also said says say according did
    does which whose per via s t""".split()
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each sentence; `text[start:end]` has no surrounding whitespace.

    >>> t = 'Mr. Smith met U.S. officials. "Fine," he said!\\nNext line'
    >>> [t[s:e] for s, e in sentence_spans(t)]
    ['Mr. Smith met U.S. officials.', '"Fine," he said!', 'Next line']
    """
    spans: list[tuple[int, int]] = []
    for line_start, line_end in _line_spans(text):
        start = line_start
        for match in _BOUNDARY.finditer(text, line_start, line_end):
            end = match.end()
            if end >= line_end:
                break
            if _is_sentence_end(text, match.start(), end, line_end):
                spans.append(_strip(text, start, end))
                start = end
        if start < line_end:
            spans.append(_strip(text, start, line_end))
    return [s for s in spans if s[1] > s[0]]


def _line_spans(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for line in text.splitlines(keepends=True):
        content = line.rstrip("\r\n\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85")
        start, end = _strip(text, pos, pos + len(content))
        if end > start:
            yield start, end
        pos += len(line)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_sentence_end(text: str, mark: int, end: int, line_end: int) -> bool:
    if end < line_end and not text[end].isspace():
        return False
    nxt = end
    while nxt < line_end and text[nxt].isspace():
        nxt += 1
    if nxt >= line_end:
        return True
    following = text[nxt]
    if following.islower() or following in ",;:":
        return False
    if text[mark] == ".":
        word_start = mark
        while word_start > 0 and (text[word_start - 1].isalnum() or text[word_start - 1] == "."):
            word_start -= 1
        word = text[word_start:mark].lower()
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            return False
        if (word.isdigit() or "." in word) and following.isdigit():
            return False  # "3. 5", "H.R. 1": a number going on, a bill's number
        if _short_capitalised(text[word_start:mark]) and (following.isdigit() or _abbreviation_at(text, nxt, line_end)):
            return False  # "H. Res. 601", "S. Con. Res. 14", "No. 5": an abbreviation before a number or another
    return True


def _short_capitalised(word: str) -> bool:
    return 1 <= len(word) <= 3 and word.isalpha() and word[0].isupper()


def _abbreviation_at(text: str, start: int, line_end: int) -> bool:
    """Whether a capitalised word of at most three letters and a full stop starts at `start`."""
    end = start
    while end < line_end and text[end].isalpha():
        end += 1
    return end < line_end and text[end] == "." and _short_capitalised(text[start:end])


def inside_quotation(text: str, position: int) -> bool:
    """Whether `position` of `text` lies inside a double quotation opened before it ("…" or “…”).

    A straight quote opens where a word starts after it (at the start, after a space or an
    opening bracket or dash) and closes elsewhere, so the end of a quotation begun in an earlier
    sentence ('… other countries," Biden said') opens none. Single quotes are left out, as an
    apostrophe looks the same."""
    depth = 0
    for at in range(position):
        mark = text[at]
        if mark == '"':
            starts_a_word = at == 0 or text[at - 1].isspace() or text[at - 1] in "([{—–-"
            opens = starts_a_word and text[at + 1 : at + 2].strip() != ""
        elif mark in "“”":
            opens = mark == "“"
        else:
            continue
        depth = depth + 1 if opens else max(0, depth - 1)
    return depth > 0


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def normalize(text: str) -> str:
    """Lower-case, fold accents and quotes, collapse whitespace: for comparing, never for storing."""
    if text.isascii():  # nothing to fold, and the common case: it saves ~2% of an ingest
        return " ".join(text.lower().split())
    return _fold(text)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _without_marks(run: re.Match[str]) -> str:
    return "".join(c for c in run.group() if not unicodedata.combining(c))


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    # Only a non-ASCII character can be a combining mark: the rest is kept without looking at
    # each character (a third of the reader's time went on that look, in long passages).
    folded = _NON_ASCII.sub(_without_marks, folded)
    folded = folded.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(folded.lower().split())


def words(text: str) -> list[str]:
    """Word tokens of normalised text: `words("U.S.-based Acme's CEO")` → ['u.s', 'based', ...]."""
    return [w.strip(".'") for w in _WORD.findall(normalize(text)) if w.strip(".'")]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS]


def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem: 'signs', 'signed', 'signing' → 'sign';
    'released', 'release' → 'releas'."""
    return _STEMMER.stemWord(word)


def content_stems(text: str) -> list[str]:
    return [stem(w) for w in content_words(text)]


_FACT_TOKEN = re.compile(r"\b(?:[^\W\d_][\w'’-]*[^\W_]|\w*\d[\w.,]*\w|\d)\b")


def fact_tokens(text: str) -> set[str]:
    """The capitalised words and the numbers of a text: what a copy could state differently."""
    return {m for m in _FACT_TOKEN.findall(text) if m[0].isupper() or any(c.isdigit() for c in m)}


def number_tokens(text: str) -> set[str]:
    """The numbers of a text ("1,200", "4-2", "2021")."""
    return {m for m in _FACT_TOKEN.findall(text) if any(c.isdigit() for c in m)}
