"""Bytes to text the way the file says, then the way it looks: a byte-order mark first, then a
charset the HTML declares, then UTF-8, then what charset-normalizer detects.

>>> decode_text("Привет, мир! Это новость.".encode("cp1251"))[0]
'Привет, мир! Это новость.'
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def decode_text(raw: bytes, html: bool = False) -> tuple[str, str | None, str | None]:
    """Return (text, problem, warning). `problem` means nothing usable; `warning` says what was
    guessed (an encoding other than UTF-8)."""
    if not raw.strip():
        return "", "empty file", None
    decoded, warning = _by_bom(raw)
    if decoded is None:
        if b"\x00" in raw[:8192]:
            return "", "binary file (contains NUL bytes); only text, HTML and JSONL are read", None
        decoded, warning = _declared(raw) if html else (None, None)
    if decoded is None:
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            decoded, warning = _detected(raw)
    if decoded is None:
        return "", "not valid UTF-8 and not plausibly text in another encoding", None
    text = decoded.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return "", "empty file (whitespace only)", None
    if _control_ratio(text) > 0.05:
        return "", "binary file (mostly control characters)", None
    return text, None, warning


def _by_bom(raw: bytes) -> tuple[str | None, str | None]:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                return None, None
            label = encoding.upper().replace("-SIG", "")
            return text, None if label == "UTF-8" else f"read as {label} (byte-order mark)"
    return None, None


def _declared(raw: bytes) -> tuple[str | None, str | None]:
    """The charset an HTML page declares in its first 4 KB, if Python knows it and it fits."""
    match = _DECLARED.search(raw[:4096])
    if not match:
        return None, None
    name = match.group(1).decode("ascii", "replace")
    try:
        encoding = codecs.lookup(name).name
        text = raw.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None, None
    return text, None if encoding == "utf-8" else f"read as {name} (declared by the page)"


# Legacy encodings in order of how common they are on the web (W3Techs' yearly survey): among
# candidates that fit the bytes about equally well, the common one is the likelier. Short texts
# otherwise come out as mac_cyrillic instead of windows-1251, or cp1250 instead of cp1252.
_PREVALENCE = (
    "cp1252 latin_1 iso8859_15 cp1251 shift_jis euc_jp gb18030 gbk gb2312 euc_kr cp1250 iso8859_2 "
    "cp1254 iso8859_9 big5 cp1256 koi8_r cp1253 cp1255 cp874 tis_620 cp1257 iso8859_5 koi8_u"
).split()


def _detected(raw: bytes) -> tuple[str | None, str | None]:
    from charset_normalizer import from_bytes

    matches = list(from_bytes(raw))
    if not matches:
        return None, None
    least_chaos = min(m.chaos for m in matches)
    fitting = [m for m in matches if m.chaos <= least_chaos + 0.01]
    most_coherent = max(m.coherence for m in fitting)
    plausible = [m for m in fitting if m.coherence >= most_coherent * 0.5]
    # A match stands for every encoding that gives the same text (`could_be_from_charset`).
    best = min(plausible, key=lambda m: (min(_rank(e) for e in m.could_be_from_charset), -m.coherence))
    name = min(best.could_be_from_charset, key=_rank)
    text = str(best)
    if _control_ratio(text) > 0.01 or (best.coherence == 0 and _repetitive(text)):
        return None, None
    return text, f"not UTF-8; read as {name} (detected)"


def _repetitive(text: str) -> bool:
    """A few characters over and over: what bytes that are not text decode to. (Real text that
    no language model recognises, such as a short headline, still has varied characters.)"""
    sample = text[:2000]
    return len(sample) >= 100 and len(set(sample)) < len(sample) / 20


def _rank(encoding: str) -> int:
    return _PREVALENCE.index(encoding) if encoding in _PREVALENCE else len(_PREVALENCE)


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\n\t\f\v") or 0x7F <= ord(c) < 0xA0)
    return bad / max(1, len(sample))
