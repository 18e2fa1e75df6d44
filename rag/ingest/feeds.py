"""What a fetched document is, told from its content (never its name or address), and what it
lists: RSS 0.9x/1.0/2.0 and Atom (feedparser), JSON Feed, sitemaps, sitemap indexes and Google
News sitemaps, OPML lists (rag.ingest.sitemaps), or an article page.

No XML is parsed with entity declarations: `refuse_entities` rejects a document type that declares
any before feedparser sees the bytes, and defusedxml refuses them in sitemaps and OPML.

>>> sniff(b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>')
'rss'
>>> sniff(b'{"version": "https://jsonfeed.org/version/1.1", "items": []}')
'json feed'
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from typing import Any

from rag.errors import RagError
from rag.ingest.articles import parse_date

PAGE = "page"
FEED_KINDS = ("rss", "atom", "json feed")
LIST_KINDS = ("opml", "sitemap index")
SITEMAP_KINDS = ("sitemap", "news sitemap")
NOT_ARTICLES = {"pdf": "a PDF", "image": "an image"}

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF87a", "image"),
    (b"GIF89a", "image"),
)
_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)", re.DOTALL | re.IGNORECASE)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w:.-]*)")
_ROOTS = {
    "rss": "rss",
    "rdf": "rss",
    "channel": "rss",  # RSS 0.9x fragments seen in the wild
    "feed": "atom",
    "urlset": "sitemap",
    "sitemapindex": "sitemap index",
    "opml": "opml",
    "html": PAGE,
}
_HTML_HINT = re.compile(r"<(?:!doctype html|html|head|body|article|p|div)\b", re.IGNORECASE)
_JSON_FEED = "https://jsonfeed.org/version/"
_NEWS_NAMESPACE = "google.com/schemas/sitemap-news"


class FeedError(RagError):
    """A document that cannot be read as what it looks like; the message is one line."""


@dataclass(frozen=True)
class Entry:
    """One item a feed or sitemap lists: where the article is, and what the list says of it."""

    url: str
    title: str | None = None
    date: str | None = None
    text: str | None = None  # the feed's own content or summary, as plain text
    source: str | None = None  # the publication a Google News sitemap names
    revision: str | None = None  # when the list says the entry last changed, as it says it


@dataclass(frozen=True)
class Listing:
    """A feed, sitemap or OPML list, read: its entries (articles) and sources (more lists)."""

    kind: str
    title: str | None = None
    entries: tuple[Entry, ...] = ()
    sources: tuple[str, ...] = ()
    dropped: int = 0  # entries past the limit
    warning: str | None = None


def sniff(body: bytes, content_type: str = "") -> str:
    """The kind of document: 'rss', 'atom', 'json feed', 'sitemap', 'news sitemap', 'sitemap index',
    'opml', 'page', 'pdf', 'image' or 'unknown'. Content decides; the Content-Type only breaks
    a tie for a page that does not look like HTML."""
    for magic, kind in _MAGIC:
        if body.startswith(magic):
            return kind
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image"
    head = head_text(body)
    stripped = head.lstrip()
    if stripped.startswith(("{", "[")):
        return "json feed" if _is_json_feed(body) else "unknown"
    root, _ = _root(head)
    if root is not None:
        named = _ROOTS.get(root.split(":")[-1].lower())
        if named == "sitemap" and _NEWS_NAMESPACE in head:
            return "news sitemap"
        if named:
            return named
    if _HTML_HINT.search(head) or "html" in content_type.lower():
        return PAGE
    if content_type.lower().startswith("image/"):
        return "image"
    return "unknown"


def head_text(body: bytes, size: int = 65536) -> str:
    """The start of a document as text, enough to find its root element: a byte-order mark or
    the NUL bytes of UTF-16 say how; otherwise Latin-1, which keeps every ASCII tag as it is."""
    head = body[:size]
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32")):
        if head.startswith(bom):
            return head.decode(encoding, "replace")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", "replace")
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", "replace")
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", "replace")
    return head.removeprefix(codecs.BOM_UTF8).decode("latin-1")


def _root(head: str) -> tuple[str | None, int]:
    """The root element's name and where it starts, past declarations, comments and DOCTYPE."""
    position = 0
    while match := _PROLOG.match(head, position):
        if match.end() == position:
            break
        position = match.end()
    root = _ROOT.match(head, position)
    return (root.group(1), root.start(1)) if root else (None, position)


def refuse_entities(body: bytes) -> None:
    """Raise FeedError when the document type declares entities or an internal subset: the way
    to an entity-expansion bomb or an external entity. Entities can only be declared before the
    root element, so the prolog is all that needs reading."""
    head = head_text(body)
    _, root_at = _root(head)
    prolog = head[:root_at]
    if re.search(r"<!ENTITY|<!DOCTYPE[^>]*\[", prolog, re.IGNORECASE):
        raise FeedError("declares XML entities (a way to an entity-expansion bomb); refused")


def read_feed(body: bytes, kind: str, url: str, max_entries: int) -> Listing:
    """Read an RSS, Atom or JSON feed (`sniff` said which); malformed ones raise FeedError."""
    if kind == "json feed":
        return _json_feed(body, max_entries)
    refuse_entities(body)
    return _feedparser(body, kind, url, max_entries)


def _feedparser(body: bytes, kind: str, url: str, max_entries: int) -> Listing:
    import feedparser

    # Bytes, never an address: feedparser must not fetch anything itself.
    parsed = feedparser.parse(body, response_headers={"content-location": url}, sanitize_html=True)
    feed = parsed.get("feed", {})
    entries = []
    for item in parsed.get("entries", []):
        link = (item.get("link") or "").strip()
        if not link:
            links = item.get("links") or []
            link = next((str(x.get("href", "")) for x in links if x.get("href")), "")
        if not link:
            continue
        entries.append(
            Entry(
                url=link,
                title=_clean(item.get("title")),
                date=_entry_date(item),
                text=_entry_text(item),
                revision=_clean(item.get("updated") or item.get("published")),
            )
        )
    warning = None
    if parsed.get("bozo"):
        problem = str(parsed.get("bozo_exception", "")).split("\n")[0][:100]
        if not entries:
            name = "RSS" if kind == "rss" else "Atom"
            raise FeedError(f"not well-formed {name} ({problem or 'malformed XML'})")
        if "encoding" not in problem.lower():
            warning = f"not well-formed XML ({problem}); read leniently"
    return Listing(
        kind=kind,
        title=_clean(feed.get("title")),
        entries=tuple(entries[:max_entries]),
        dropped=max(0, len(entries) - max_entries),
        warning=warning,
    )


def _entry_date(item: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = item.get(key)
        if value:
            return parse_date(f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d}")
    for key in ("published", "updated", "date"):
        if date := parse_date(item.get(key) or ""):
            return date
    return None


def _entry_text(item: Any) -> str | None:
    for content in item.get("content") or []:
        if text := html_text(content.get("value") or ""):
            return text
    return html_text(item.get("summary") or "") or None


def _json_feed(body: bytes, max_entries: int) -> Listing:
    """JSON Feed 1.0/1.1 (jsonfeed.org): `items` with `url` (or `external_url`), `title`,
    `content_text` or `content_html`, `summary`, `date_published`."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FeedError(f"not valid JSON ({str(exc)[:80]})") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(_JSON_FEED):
        raise FeedError("JSON without a jsonfeed.org version; not a JSON Feed")
    items = data.get("items")
    if not isinstance(items, list):
        raise FeedError("JSON Feed without an `items` list")
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        if not isinstance(link, str) or not link.strip():
            continue
        text = item.get("content_text")
        if not isinstance(text, str) or not text.strip():
            text = html_text(str(item.get("content_html") or "")) or _clean(item.get("summary"))
        entries.append(
            Entry(
                url=link.strip(),
                title=_clean(item.get("title")),
                date=parse_date(item.get("date_published") or item.get("date_modified") or ""),
                text=text.strip() if isinstance(text, str) and text.strip() else None,
                revision=_clean(str(item.get("date_modified") or item.get("date_published") or "")),
            )
        )
    return Listing(
        kind="json feed",
        title=_clean(data.get("title")),
        entries=tuple(entries[:max_entries]),
        dropped=max(0, len(entries) - max_entries),
    )


def _is_json_feed(body: bytes) -> bool:
    return bool(re.search(rb'"version"\s*:\s*"https://jsonfeed\.org/version/', body[:65536]))


def html_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed item's content): tags gone, paragraphs kept."""
    if "<" not in fragment:
        return _clean(fragment) or ""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    for block in root.iter("p", "br", "div", "li", "h1", "h2", "h3", "blockquote"):
        block.tail = "\n" + (block.tail or "")
    text = root.text_content()
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None
