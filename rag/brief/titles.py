"""Titles as news abbreviates them before a name ("Sen.", "Lt. Col.", "Cpl."), spelled out."""

from __future__ import annotations

# A plural title names each of the people it comes before by the singular ("Sens. Joe Manchin
# and Kyrsten Sinema": each a senator).
TITLE_ABBREVIATIONS = {
    "sen.": "senator",
    "sens.": "senator",
    "rep.": "representative",
    "reps.": "representative",
    "gov.": "governor",
    "govs.": "governor",
    "gens.": "general",
    "gen.": "general",
    "lt.": "lieutenant",
    "col.": "colonel",
    "maj.": "major",
    "capt.": "captain",
    "sgt.": "sergeant",
    "cpl.": "corporal",
    "cmdr.": "commander",
    "adm.": "admiral",
    "supt.": "superintendent",
    "det.": "detective",
    "insp.": "inspector",
    "prof.": "professor",
    "atty.": "attorney",
    "pres.": "president",
    "sec.": "secretary",
    "amb.": "ambassador",
}

# Titles of courtesy, which say a name is a person's but name no office.
HONORIFICS = frozenset({"mr.", "mrs.", "ms.", "miss", "mx.", "dr.", "mr", "mrs", "ms", "dr", "sir", "dame"})


def is_abbreviated_title(word: str) -> bool:
    """ "Col.", "col" or "Cpl": a title's abbreviation, with its full stop or without."""
    return word.lower().rstrip(".") + "." in TITLE_ABBREVIATIONS
