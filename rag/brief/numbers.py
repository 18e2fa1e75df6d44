"""Amounts written in words ("Twenty-three", "fourteen", "two hundred") as digits, so that
"Fourteen people" and "14 people" give one figure; and amounts that are bounds ("more than 40",
"as much as $120"), which a different amount need not contradict."""

from __future__ import annotations

import math
import re
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


# English's modifiers of a number that make it a bound: "more than 40" is at least 40, "up to
# 40" at most 40. ("About 40" is 40: a hedge, not a bound.)
_AT_LEAST = re.compile(
    r"^(more than|over|at least|above|upwards of|greater than|in excess of|no fewer than|no less than)\b"
)
_AT_MOST = re.compile(
    r"^(up to|as much as|as many as|as high as|less than|fewer than|under|at most|no more than|below|nearly|almost)\b"
)
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}


def bound_of(text: str) -> str:
    """ "least" when the words before an amount make it a lower bound, "most" an upper one."""
    words = " ".join(text.lower().split())
    if _AT_LEAST.match(words):
        return "least"
    if _AT_MOST.match(words):
        return "most"
    return ""


def number_of(amount: str) -> float | None:
    """ "3.5 trillion" → 3.5e12, "95000" → 95000.0; None when it is not a number."""
    parts = amount.split()
    try:
        value = float(parts[0].lstrip("$£€"))
    except (ValueError, IndexError):
        return None
    return value * _SCALES.get(parts[1], 1.0) if len(parts) > 1 else value


def bounds_meet(a: tuple[float, str], b: tuple[float, str]) -> bool:
    """Whether two amounts, each exact or a bound ("least" or "most"), can both be true:
    "more than 25" and "as much as 120" can; "more than 45,000" and "12,000" cannot."""
    low_a, high_a = (a[0] if a[1] != "most" else float("-inf")), (a[0] if a[1] != "least" else float("inf"))
    low_b, high_b = (b[0] if b[1] != "most" else float("-inf")), (b[0] if b[1] != "least" else float("inf"))
    return max(low_a, low_b) <= min(high_a, high_b)


def _significant_digits(value: float) -> tuple[int, int]:
    """How many significant digits a whole amount is written with, and the power of ten of its
    last one: 101789 → (6, 0), 100000 → (1, 5), 1200 → (2, 2)."""
    digits = str(round(abs(value)))
    kept = digits.rstrip("0") or "0"
    return len(kept), len(digits) - len(kept)


def rounds_to(a: float, b: float, least_digits: int = 1) -> bool:
    """Whether one amount is the other written round: "some 100,000 names" for "101,789 names",
    or cut short, as "more than 188,000 migrants" is written for 188,829. Only a figure given
    with at least two significant digits fewer than the other stands for it ("1,200" does not
    round "1,250"), and with `least_digits` significant digits or more ("nearly 102,000", not
    "400,000", which 385,000 rounds to in one digit)."""
    (digits_a, power_a), (digits_b, power_b) = _significant_digits(a), _significant_digits(b)
    if digits_a > digits_b:
        (a, digits_a, power_a), (b, digits_b, power_b) = (b, digits_b, power_b), (a, digits_a, power_a)
    unit = 10**power_a
    return (
        digits_b - digits_a >= 2
        and digits_a >= least_digits
        and round(a) in (round(b / unit) * unit, math.floor(b / unit) * unit)
    )
