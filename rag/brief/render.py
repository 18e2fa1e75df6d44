"""A briefing as JSON and as Markdown."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.brief.model import Briefing
from rag.terminal import one_line, title


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
        changed = f"changed after publication, found {', '.join(s.changed)}" if s.changed else None
        meta = ", ".join(one_line(v, 80) for v in (s.source, s.date, changed) if v)
        url = f" {one_line(s.url, 300)}" if s.url else ""
        lines.append(f"[^{s.key}]: {title(s.title)}" + (f" ({meta})" if meta else "") + url)
    return "\n".join(lines) + "\n"


def digest_markdown(sections: Sequence[tuple[str, str, Briefing]]) -> str:
    """Several stories' briefings in one document: a section per story (its id and headline, then
    its briefing one heading level down), each story's footnotes kept apart by its id."""
    lines = [f"# Briefing: {len(sections)} stories", ""]
    for story_id, headline, briefing in sections:
        label = re.sub(r"[^A-Za-z0-9]+", "-", story_id)
        body = briefing_markdown(briefing).replace("[^", f"[^s{label}-")
        body = "\n".join(("#" + line if line.startswith("#") else line) for line in body.splitlines()[1:])
        lines += [f"## Story {one_line(story_id)}: {one_line(headline)}", body.strip("\n"), ""]
    return "\n".join(lines)
