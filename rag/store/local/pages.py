"""The reads behind the server's article pages, on the local database: one article with its
chunks and copies, the newest articles (optionally holding some words), and the outlets."""

from __future__ import annotations

from rag.store.filters import Filters, filter_sql
from rag.store.local.database import Database
from rag.store.protocol import ArticleRecord, ArticleSummary, ChunkSpan


def article_record(db: Database, doc_id: str) -> ArticleRecord | None:
    with db.snapshot():
        row = db.execute(
            "SELECT id, doc_id, title, source, date, url, text, duplicate_of FROM articles WHERE doc_id = ? "
            "ORDER BY duplicate_of IS NOT NULL, id LIMIT 1",
            (doc_id,),
        ).fetchone()
        if row is None:
            return None
        chunks = db.execute(
            "SELECT id, ordinal, start, end, n_tokens FROM chunks WHERE article_id = ? ORDER BY ordinal", (row[0],)
        ).fetchall()
        copies = db.execute(
            "SELECT doc_id, title, source, date, url, length(text) FROM articles WHERE duplicate_of = ? ORDER BY id",
            (row[0],),
        ).fetchall()
        original = db.execute("SELECT doc_id FROM articles WHERE id = ?", (row[7],)).fetchone() if row[7] else None
    return ArticleRecord(
        doc_id=row[1],
        title=row[2],
        source=row[3],
        date=row[4],
        url=row[5],
        text=row[6],
        duplicate_of=original[0] if original else None,
        chunks=tuple(ChunkSpan(*c) for c in chunks),
        duplicates=tuple(ArticleSummary(*d) for d in copies),
    )


def article_list(db: Database, query: str | None, filters: Filters, limit: int) -> list[ArticleSummary]:
    """Articles (not duplicates) by date, newest first; with `query`, those whose title or text
    holds it."""
    clauses, params = filter_sql(filters)
    sql = (
        "SELECT a.doc_id, a.title, a.source, a.date, a.url, length(a.text) FROM articles a "
        f"WHERE a.duplicate_of IS NULL AND {clauses}"
    )
    if query:
        sql += " AND (instr(lower(a.title), ?) > 0 OR instr(lower(a.text), ?) > 0)"
        params = [*params, query.lower(), query.lower()]
    sql += " ORDER BY a.date IS NULL, a.date DESC, a.id DESC LIMIT ?"
    rows = db.execute(sql, [*params, limit]).fetchall()
    return [ArticleSummary(*r) for r in rows]


def sources(db: Database) -> list[str]:
    rows = db.execute(
        "SELECT DISTINCT source FROM articles WHERE source IS NOT NULL AND duplicate_of IS NULL ORDER BY source"
    ).fetchall()
    return [r[0] for r in rows]
