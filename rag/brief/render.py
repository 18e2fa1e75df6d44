"""A briefing as JSON and as Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rag.brief.model import Briefing, Statement
from rag.terminal import one_line, title


def briefing_json(briefing: Briefing) -> dict[str, Any]:
    def statement(s: Statement) -> dict[str, Any]:
        return {"text": s.text, "citations": list(s.citations)}

    return {
        "topic": briefing.topic,
        "summary": [statement(s) for s in briefing.summary],
        "agreements": [
            {"text": a.text, "citations": list(a.citations), "source_count": a.source_count}
            for a in briefing.agreements
        ],
        "discrepancies": [
            {"about": d.about, "kind": d.kind, "label": d.label, "positions": [statement(p) for p in d.positions]}
            for d in briefing.discrepancies
        ],
        "single_source": [statement(s) for s in briefing.single_source],
        "timeline": [
            {
                "date": e.date,
                "event": e.event,
                "citations": list(e.citations),
                "precision": e.precision,
                "inferred_year": e.inferred_year,
            }
            for e in briefing.timeline
        ],
        "people": [
            {"name": p.name, "conflicting": p.conflicting, "descriptions": [statement(d) for d in p.descriptions]}
            for p in briefing.people
        ],
        "sources": [
            {
                "key": s.key,
                "article_id": s.article_id,
                "title": s.title,
                "source": s.source,
                "date": s.date,
                "url": s.url,
            }
            for s in briefing.sources
        ],
    }


def _marks(citations: Sequence[int]) -> str:
    return "".join(f"[^{k}]" for k in citations)


def _item(text: str, citations: Sequence[int]) -> str:
    return f"- {one_line(text)} {_marks(citations)}"


def briefing_markdown(briefing: Briefing) -> str:
    lines = [f"# Briefing: {one_line(briefing.topic)}" if briefing.topic else "# Briefing", ""]
    lines += [f"{len(briefing.sources)} articles.", "", "## Summary", ""]
    lines += [f"- {one_line(s.text)} {_marks(s.citations)}" for s in briefing.summary] or [
        "- (nothing the sources share)"
    ]
    lines += ["", "## What sources agree on", ""]
    lines += [
        f"- {one_line(a.text)} {_marks(a.citations)} — {a.source_count} sources" for a in briefing.agreements
    ] or ["- (no claim is reported by more than one source)"]
    lines += ["", "## Where sources differ", ""]
    for d in briefing.discrepancies:
        label = "update (a later report)" if d.label == "update" else "contradiction"
        lines.append(f"- **{one_line(d.about)}** ({d.kind}, {label})")
        lines += [f"  - {one_line(p.text)} {_marks(p.citations)}" for p in d.positions]
    if not briefing.discrepancies:
        lines.append("- (no differences found)")
    lines += ["", "## Reported by one source only", ""]
    lines += [_item(s.text, s.citations) for s in briefing.single_source] or ["- (none)"]
    lines += ["", "## Timeline", ""]
    for e in briefing.timeline:
        note = " (year inferred)" if e.inferred_year else ""
        lines.append(f"- **{e.date}**{note}: {one_line(e.event)} {_marks(e.citations)}")
    if not briefing.timeline:
        lines.append("- (no dated events)")
    lines += ["", "## People", ""]
    for p in briefing.people:
        flag = " — descriptions conflict" if p.conflicting else ""
        described = "; ".join(f"{one_line(d.text)} {_marks(d.citations)}" for d in p.descriptions) or "mentioned"
        lines.append(f"- **{one_line(p.name)}**{flag}: {described}")
    lines += ["", "## Sources", ""]
    for s in briefing.sources:
        meta = ", ".join(one_line(v, 80) for v in (s.source, s.date) if v)
        url = f" {one_line(s.url, 300)}" if s.url else ""
        lines.append(f"[^{s.key}]: {title(s.title)}" + (f" ({meta})" if meta else "") + url)
    return "\n".join(lines) + "\n"
