"""Sitemaps (sitemaps.org), sitemap indexes, Google News sitemaps and OPML lists, read with
defusedxml: a document that declares entities or fetches external ones is refused."""

from __future__ import annotations

from typing import Any

from rag.ingest.articles import parse_date
from rag.ingest.feeds import Entry, FeedError, Listing, refuse_entities


def _parse(body: bytes, what: str) -> Any:
    refuse_entities(body)
    import defusedxml.ElementTree as SafeTree
    from defusedxml import DefusedXmlException

    try:
        return SafeTree.fromstring(body)
    except DefusedXmlException:
        raise FeedError("declares XML entities or external references; refused") from None
    except SafeTree.ParseError as exc:
        raise FeedError(f"not well-formed XML for {what} ({str(exc)[:80]})") from None


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower()


def _child_text(element: Any, *path: str) -> str | None:
    """Text of the first descendant along `path` of local names, whatever the namespaces."""
    current = [element]
    for name in path:
        current = [child for node in current for child in node if _local(child.tag) == name]
        if not current:
            return None
    text = (current[0].text or "").strip()
    return " ".join(text.split()) or None


def read_sitemap(body: bytes, kind: str, max_entries: int) -> Listing:
    """A <urlset> (each <url>'s <loc>, <lastmod>, and a news sitemap's <news:title>,
    <news:publication_date> and <news:publication><news:name>) or a <sitemapindex>."""
    root = _parse(body, "a sitemap")
    if _local(root.tag) == "sitemapindex":
        locations = [loc for node in root if _local(node.tag) == "sitemap" if (loc := _child_text(node, "loc"))]
        return Listing(
            kind="sitemap index",
            sources=tuple(locations[:max_entries]),
            dropped=max(0, len(locations) - max_entries),
        )
    if _local(root.tag) != "urlset":
        raise FeedError(f"a <{_local(root.tag)}> document, not a sitemap")
    entries = []
    for node in root:
        if _local(node.tag) != "url" or not (loc := _child_text(node, "loc")):
            continue
        date = _child_text(node, "news", "publication_date") or _child_text(node, "lastmod")
        entries.append(
            Entry(
                url=loc,
                title=_child_text(node, "news", "title"),
                date=parse_date(date or ""),
                source=_child_text(node, "news", "publication", "name"),
                revision=_child_text(node, "lastmod") or date,
            )
        )
    return Listing(kind=kind, entries=tuple(entries[:max_entries]), dropped=max(0, len(entries) - max_entries))


def read_opml(body: bytes, max_entries: int) -> Listing:
    """An OPML reading list: every <outline xmlUrl="…"> at any depth is a feed to follow."""
    root = _parse(body, "an OPML list")
    if _local(root.tag) != "opml":
        raise FeedError(f"a <{_local(root.tag)}> document, not an OPML list")
    feeds = []
    for outline in root.iter():
        if _local(outline.tag) != "outline":
            continue
        address = next((v for k, v in outline.attrib.items() if k.lower() == "xmlurl"), "").strip()
        if address and address not in feeds:
            feeds.append(address)
    return Listing(
        kind="opml",
        title=_child_text(root, "head", "title"),
        sources=tuple(feeds[:max_entries]),
        dropped=max(0, len(feeds) - max_entries),
    )
