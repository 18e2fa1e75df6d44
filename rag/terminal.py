"""Text made safe for a person's terminal: article titles, article text, file names and model
output are untrusted, and an escape sequence inside them must not clear the screen, retitle the
window or plant a hyperlink. `--json` output is escaped by the JSON encoder instead.

>>> printable("Breaking\\x1b]0;owned\\x07 news\\x1b[2J")
'Breaking]0;owned news[2J'
>>> one_line("a.txt\\nskipped b.txt: fake")
'a.txt⏎skipped b.txt: fake'
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that can make
# text read differently from what it is ("Trojan Source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_TITLE = 200


def printable(text: str) -> str:
    """`text` without control characters (tab and newline kept), and with anything that cannot be
    encoded as UTF-8 (a lone surrogate, a file name's undecodable byte) shown as an escape."""
    text = _CONTROL.sub("", text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def one_line(text: str, limit: int | None = None) -> str:
    """`printable` on one line (a newline in a file name cannot forge a report line), cut to
    `limit` characters with an ellipsis."""
    text = printable(text).replace("\r", "").replace("\n", "⏎").replace("\t", " ")
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def title(text: str) -> str:
    return one_line(text, MAX_TITLE)


def path_text(path: object) -> str:
    """A file name as a person can read it: undecodable bytes as \\xNN escapes."""
    import os

    if isinstance(path, os.PathLike) or isinstance(path, str):
        raw = os.fsencode(path)
        return one_line(raw.decode("utf-8", "backslashreplace"))
    return one_line(str(path))
