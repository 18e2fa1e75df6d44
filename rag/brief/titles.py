"""Titles as news abbreviates them before a name ("Sen.", "Lt. Col.", "Cpl."), spelled out."""

from __future__ import annotations

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


def is_abbreviated_title(word: str) -> bool:
    """ "Col.", "col" or "Cpl": a title's abbreviation, with its full stop or without."""
    return word.lower().rstrip(".") + "." in TITLE_ABBREVIATIONS
