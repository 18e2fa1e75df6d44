"""An article page fetched from the web, read into an Article: full text and metadata with
trafilatura (called as rag.ingest.files calls it for HTML files), identity from the page's
canonical address with tracking parameters and fragments removed, so that one article reached
through two feeds, or with utm_ parameters, is one article.

>>> canonical_url("https://News.example/a/story?utm_source=feed&id=7#comments")
'https://news.example/a/story?id=7'
"""

from __future__ import annotations

import html as html_module
import re
from pathlib import PurePosixPath
from urllib.parse import urldefrag, urljoin, urlsplit

from rag.ingest.articles import has_words, make_article, parse_date
from rag.ingest.decoding import decode_text
from rag.ingest.feeds import Entry
from rag.ingest.web import Fetched, scheme_problem
from rag.types import Article

_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_NOT_PAGES = {
    ".pdf": "a PDF",
    **{suffix: "an image" for suffix in (".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".avif", ".bmp")},
    **{suffix: "a video or sound file" for suffix in (".mp4", ".mp3", ".webm", ".m4a", ".ogg", ".mov")},
}


def canonical_url(url: str) -> str:
    """The address an article is known by: host lower-cased, default port, tracking parameters
    (utm_*, fbclid and the like) and the fragment removed (courlan's strict normalisation)."""
    import courlan

    url = url.strip()
    try:
        cleaned = courlan.normalize_url(url, strict=True)
    except (ValueError, TypeError, AttributeError):  # courlan gives up on some malformed addresses
        cleaned = url
    return urldefrag(cleaned)[0]


def declared_canonical(page: str, page_url: str) -> str | None:
    """The page's <link rel="canonical" href>, made absolute; None when it names none (or names
    something other than an http or https address)."""
    for tag in _LINK.findall(page[:262144]):
        attributes = {
            match.group(1).lower(): html_module.unescape(match.group(2) or match.group(3) or match.group(4) or "")
            for match in _ATTRIBUTE.finditer(tag)
        }
        if "canonical" in attributes.get("rel", "").lower().split() and attributes.get("href", "").strip():
            address = urljoin(page_url, attributes["href"].strip())
            return address if scheme_problem(address) is None else None
    return None


def not_a_page(url: str) -> str | None:
    """What a link leads to when its name says it is no article page (a PDF, an image)."""
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return _NOT_PAGES.get(suffix)


def host_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def page_article(fetched: Fetched, entry: Entry, outlet: str | None) -> tuple[Article | None, str | None]:
    """(article, None) or (None, why not). Title and date from the entry first (the feed's word),
    then the page; the outlet is the one given (the feed's title), else the page's site name,
    else the host."""
    page, problem = decode_page(fetched.body, fetched.content_type)
    if problem:
        return None, problem
    document = extract_page(page, fetched.url)
    text = str(document.get("text") or "").strip() if document else ""
    if not text:
        return None, "no article text found on the page"
    if not has_words(text):
        return None, "no words in the page's article text"
    address = canonical_url(declared_canonical(page, fetched.url) or fetched.url)
    return (
        make_article(
            key=address,
            doc_id=address,
            text=text,
            title=entry.title or _text(document, "title"),
            source=outlet or entry.source or _text(document, "sitename") or host_of(address),
            date=entry.date or parse_date(_text(document, "date") or ""),
            url=address,
        ),
        None,
    )


def decode_page(body: bytes, content_type: str = "") -> tuple[str, str | None]:
    """(text, problem): decoded as rag.ingest.decoding decodes HTML files, with one mistake of the
    web put right. A page that says it is UTF-8 (in its header or a <meta>) but is not, and whose
    bytes are mostly ASCII with accented letters scattered in it, is a Western page in
    windows-1252 (a template labelled UTF-8 around text stored in Latin-1): detection from so few
    accented letters can land on a Baltic or Central European code page instead."""
    text, problem, warning = decode_text(body, html=True)
    if problem or not warning or "(detected)" not in warning:
        return text, problem
    declared = _CHARSET.findall(content_type.encode("latin-1", "replace") + b" " + body[:4096])
    if not any(name.lower().replace(b"-", b"") == b"utf8" for name in declared):
        return text, None
    high = sum(1 for byte in body if byte >= 0x80)
    letters = sum(1 for byte in body if 0x41 <= byte <= 0x7A or byte >= 0x80)
    if high and high <= 0.15 * letters:
        try:
            return body.decode("cp1252").replace("\r\n", "\n"), None
        except UnicodeDecodeError:
            pass
    return text, None


def entry_article(entry: Entry, outlet: str | None) -> Article | None:
    """The feed's own text of an entry as an article (a partial one: the page was not read)."""
    text = (entry.text or "").strip()
    if not has_words(text):
        return None
    address = canonical_url(entry.url)
    return make_article(
        key=address,
        doc_id=address,
        text=text,
        title=entry.title,
        source=outlet or entry.source or host_of(address),
        date=entry.date,
        url=address,
    )


def extract_page(page: str, url: str) -> dict[str, object] | None:
    """trafilatura's text and metadata (title, sitename, date found by htmldate) of a page."""
    import trafilatura

    extracted = trafilatura.bare_extraction(
        page, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    if extracted is None:
        return None
    document: dict[str, object] = extracted if isinstance(extracted, dict) else extracted.as_dict()
    return document


def _text(document: dict[str, object] | None, key: str) -> str | None:
    value = document.get(key) if document else None
    return value.strip() or None if isinstance(value, str) else None
