"""Amounts written in words ("Twenty-three", "fourteen", "two hundred") as digits, so that
"Fourteen people" and "14 people" give one figure."""

from __future__ import annotations

from collections.abc import Sequence

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_VALUES = {word: value for value, word in enumerate(_UNITS)} | {word: 20 + 10 * i for i, word in enumerate(_TENS)}


def spelled_number(words: Sequence[str]) -> int | None:
    """The number `words` spell below a thousand ("twenty three" → 23, "two hundred and five"
    → 205), or None when any word is not part of one."""
    total, seen = 0, False
    for word in (w.lower() for w in words):
        if word in _VALUES:
            total += _VALUES[word]
            seen = True
        elif word == "hundred" and seen:
            total *= 100
        elif word != "and" or not seen:
            return None
    return total if seen else None


def with_digits(words: Sequence[str]) -> list[str]:
    """`words` with each run of number words written as digits: ["twenty", "three"] → ["23"],
    ["two", "million"] → ["2", "million"]."""
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if word.lower() in _VALUES or (run and word.lower() in ("hundred", "and")):
            run.append(word)
            continue
        if run:
            number = spelled_number(run)
            out.extend([str(number)] if number is not None else run)
            run = []
        if word:
            out.append(word)
    return out
