"""Which articles a question may read: outlets and a date range (the as-of date narrows it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval by outlet and article date (ISO strings, inclusive)."""

    sources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    articles: tuple[int, ...] | None = None  # only these articles (store ids): one story's

    def active(self) -> bool:
        return bool(self.sources or self.since or self.until or self.articles is not None)

    def admits(self, source: str | None, date: str | None) -> bool:
        """Whether an article of this outlet and date passes the outlet and date filters (as
        the stores apply them: outlets case-folded, an undated article outside any range)."""
        if self.sources and (source or "").lower() not in {s.lower() for s in self.sources}:
            return False
        if self.since is not None and (date is None or date < self.since):
            return False
        return self.until is None or (date is not None and date <= self.until)

    def as_of(self, date: str | None) -> Filters:
        """These filters, known only up to `date` (articles published after it are left out).

        >>> Filters(until="2025-06-30").as_of("2025-06-07").until
        '2025-06-07'
        """
        if date is None:
            return self
        until = min(self.until, date) if self.until else date
        return Filters(self.sources, self.since, until, self.articles)


def filter_sql(filters: Filters) -> tuple[str, list[object]]:
    clauses = ["1=1"]
    params: list[object] = []
    if filters.sources:
        clauses.append(f"lower(a.source) IN ({','.join('?' * len(filters.sources))})")
        params.extend(s.lower() for s in filters.sources)
    if filters.since:
        clauses.append("a.date >= ?")
        params.append(filters.since)
    if filters.until:
        clauses.append("a.date <= ?")
        params.append(filters.until)
    if filters.articles is not None:
        clauses.append(f"a.id IN ({','.join('?' * len(filters.articles))})" if filters.articles else "0")
        params.extend(filters.articles)
    return " AND ".join(clauses), params
