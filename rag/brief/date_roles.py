"""What a date does in its sentence, read from the parse: the day of the sentence's own event,
a date that names a thing ("the Nov. 29 holdup"), the start or end of a state ("since March"),
or the point a comparison or a running total is measured from ("the lowest since March",
"slightly less than in April"). The timeline places a sentence only by the day of its own event."""

from __future__ import annotations

from typing import Any

_NOUN_MODIFIER = frozenset({"det", "compound", "nmod", "nummod", "amod", "poss"})


def describes_a_thing(entity: Any) -> bool:
    """ "the 1962 library", "the Nov. 29 holdup", "after Monday's record high", "the Voting Rights
    Act of 2021", "the worst flood of 2019": a date that qualifies a noun, not the day the
    sentence's own event happened ("on the morning of June 5", "on Monday morning" are that
    day's)."""
    root = entity.root
    if (
        root.dep_ in _NOUN_MODIFIER
        and root.head.pos_ in ("NOUN", "PROPN", "ADJ")
        and root.head.ent_type_ not in ("DATE", "TIME")
    ):
        return True
    of = root.head
    return (
        root.dep_ == "pobj"
        and of.lower_ == "of"
        and of.head.pos_ in ("NOUN", "PROPN", "ADJ")
        and of.head.ent_type_ not in ("DATE", "TIME")
    )


def depth_of(entity: Any) -> int:
    """How many steps the parse puts between a date and the sentence's root: "expelled on
    Monday" is the sentence's own event; "a sample taken after his victory in October" is
    another, told in passing."""
    return sum(1 for _ in entity.root.ancestors)


def bounds_a_period(entity: Any) -> bool:
    """ "listed since March", "ran the office until April": the start or end of a state, not the
    day something happened."""
    head = entity.root.head
    return head.dep_ == "prep" and head.lower_ in ("since", "until", "till") and head.i != entity.root.i


def measured_from(entity: Any) -> bool:
    """ "the lowest level since March 2020", "the first time since June", "has evacuated 82,300
    people since Aug. 14", "has fallen by 12 percent since 2015", "rose 0.9% from May", "their
    first meeting since Biden took office in January": the date a comparison or a running total
    is measured from. Nothing the sentence tells happened on it; it is news of the sentence's own
    day. So is the date an amount is compared with: "rose 0.6%, slightly less than in April". A
    state begun then is different: "closed since Oct. 14" and "has held the seat since 2010" tell
    what happened on that date; so is a bound with no amount: "no later than Friday"."""
    if _compared_with(entity):
        return True
    since = entity.root.head
    if since.dep_ == "prep" and since.lower_ in ("since", "from") and since.i != entity.root.i:
        head = since.head
    else:  # the date of a clause that "since" opens: what that clause attaches to
        clause = next((a for a in entity.root.ancestors if a.pos_ in ("VERB", "AUX")), None)
        since = next((c for c in clause.children if c.dep_ == "mark" and c.lower_ == "since"), None) if clause else None
        if clause is None or since is None or clause.dep_ != "advcl":
            return False
        head = clause.head
    if head.pos_ not in ("VERB", "AUX"):
        # it qualifies a comparison ("the worst since", "the second such seizure since")
        return since.lower_ == "since"
    return any(
        _an_amount(token)
        for child in head.children
        if child.dep_ in _COMPLEMENTS and child.i != since.i and since.i not in {t.i for t in child.subtree}
        for token in child.subtree
    )


def _compared_with(entity: Any) -> bool:
    """Whether the date is in what "than" compares an amount with ("rose 0.6%, slightly less than
    in April", "sold 40 more cars than it did in February"): the amount's own verb governs it.
    A date "than" takes itself is when, not what is compared ("filed no later than Friday")."""
    than = None
    for ancestor in entity.root.ancestors:
        if ancestor.lower_ == "than":
            if entity.root.head.i == ancestor.i:  # "no later than Friday": a bound on when, no comparison
                return False
            than = ancestor
        elif ancestor.pos_ in ("VERB", "AUX"):
            if than is None:  # a clause that "than" opens: what that clause is compared with
                than = next((c for c in ancestor.children if c.dep_ == "mark" and c.lower_ == "than"), None)
                if than is None:
                    return False
                continue
            return any(
                _an_amount(token)
                for child in ancestor.children
                if child.dep_ in _COMPLEMENTS and than.i not in {t.i for t in child.subtree}
                for token in child.subtree
            )
    return False


# What a verb says of its object, its amount or its extent (not its subject: "the high of 102
# degrees had stood since 1936" is no total).
_COMPLEMENTS = frozenset({"dobj", "dative", "attr", "oprd", "acomp", "prep", "npadvmod"})


def _an_amount(token: Any) -> bool:
    return token.ent_type_ in ("CARDINAL", "MONEY", "PERCENT", "QUANTITY") or (
        token.like_num and token.ent_type_ not in ("DATE", "TIME", "ORDINAL")
    )
