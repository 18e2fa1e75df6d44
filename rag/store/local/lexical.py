"""FTS5's bm25 over chunk text, computed from postings held in memory.

FTS5 scores a query by walking each term's postings on disk and calling its bm25 function once
per matching row: 4-15 ms a search at 2,000 articles (p95 14-40 ms), as much as encoding the
question. A long-lived reader (`rag serve`, `rag mcp`) keeps the same postings in numpy arrays
instead (`LexicalMemory`) and scores a query in under a millisecond.

The postings are FTS5's own: the terms and positions its `porter unicode61 remove_diacritics 2`
tokenizer made, read back through an `fts5vocab` table, and a query's words are tokenised by
that same tokenizer, so nothing is tokenised a second way. The score is FTS5's bm25 (k1 = 1.2,
b = 0.75, IDF floored at 1e-6, summed over the query's phrases in their order; a word of several
tokens, "U.S." or "country's", is a phrase), so a search returns the rows and scores FTS5 does.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

K1 = 1.2
B = 0.75
IDF_FLOOR = 1e-6
OFFSET_BITS = 20  # a key is row << 20 | token offset: chunks are far shorter than 2**20 tokens
MAX_TOKENS = 20_000_000
"""Above this many tokens in the index (about 20,000 articles), searches stay with FTS5: the
arrays take 21 bytes a token (40 MB measured at 2,000 articles, 1.9M tokens; so about 420 MB
at the limit, beside FAISS's 270 MB), and building them took 1.6 s at 2,000 articles."""


@dataclass(frozen=True)
class Postings:
    """Every term's token positions (`keys`, row << 20 | offset, ascending within the term),
    and its rows with bm25's saturated frequency there (`rows`, `weights`)."""

    generation: int
    key_spans: dict[str, tuple[int, int]]  # term → [start, end) in `keys`
    keys: np.ndarray
    row_spans: dict[str, tuple[int, int]]  # term → [start, end) in `rows` and `weights`
    rows: np.ndarray
    weights: np.ndarray
    row_ids: np.ndarray  # every row, ascending, with its length in tokens
    row_lengths: np.ndarray
    row_count: int
    average_length: float

    def search(self, phrases: Sequence[Sequence[str]], k: int) -> list[tuple[int, float]]:
        """(chunk id, bm25) best first, as FTS5's `bm25()` gives them (lower is better), for rows
        holding any of `phrases` (each the FTS5 tokens of one query word); ties go to the lower
        id. Two words that stem alike ("numbers", "number") count twice, as in FTS5."""
        matched = [found for found in (self._phrase(p) for p in phrases if p) if found is not None]
        if not matched or k <= 0:
            return []
        totals = np.zeros(int(self.row_ids[-1]) + 1, dtype=np.float64)
        for rows, weights in matched:  # added phrase by phrase in the query's order, as FTS5 sums
            totals[rows] += self._idf(len(rows)) * weights  # a row is once in a phrase's rows
        candidates = np.flatnonzero(totals)  # every weight and IDF is above zero
        scores = totals[candidates]
        if len(candidates) > k:
            kept = np.argpartition(-scores, k - 1)[:k]
            threshold = scores[kept].min()
            keep = scores >= threshold  # with every row tied at the cut, for the tie-break below
            candidates, scores = candidates[keep], scores[keep]
        order = np.lexsort((candidates, -scores))[:k]
        return [(int(candidates[i]), -float(scores[i])) for i in order]

    def _phrase(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
        """(rows holding the phrase, its saturated frequency in each), or None if none does."""
        if len(tokens) == 1:
            span = self.row_spans.get(tokens[0])
            return None if span is None else (self.rows[slice(*span)], self.weights[slice(*span)])
        starts = self._keys(tokens[0])
        for shift, token in enumerate(tokens[1:], start=1):
            following = self._keys(token)
            if not len(starts) or not len(following):
                return None
            at = np.minimum(np.searchsorted(following, starts + shift), len(following) - 1)
            starts = starts[following[at] == starts + shift]
        if not len(starts):
            return None
        rows, frequency = np.unique(starts >> OFFSET_BITS, return_counts=True)
        lengths = self.row_lengths[np.searchsorted(self.row_ids, rows)]
        return rows, saturated(frequency.astype(np.float64), lengths, self.average_length)

    def _keys(self, token: str) -> np.ndarray:
        span = self.key_spans.get(token)
        return self.keys[slice(*span)] if span is not None else self.keys[:0]

    def _idf(self, hits: int) -> float:
        idf = float(np.log((self.row_count - hits + 0.5) / (hits + 0.5)))
        return idf if idf > 0.0 else IDF_FLOOR


def saturated(frequency: np.ndarray, lengths: np.ndarray, average: float) -> np.ndarray:
    """bm25's term-frequency part, in FTS5's order of operations."""
    return (frequency * (K1 + 1.0)) / (frequency + K1 * (1 - B + B * lengths / average))


def read_postings(connection: sqlite3.Connection, table: str, generation: int) -> Postings:
    """The postings of FTS5 table `table` as the connection sees it (call inside one read
    transaction, with `generation` read in the same one)."""
    vocabulary = f"temp.{table}_instances"
    connection.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocabulary} USING fts5vocab(main, {table}, instance)")
    shift = 1 << OFFSET_BITS
    grouped = connection.execute(
        f"SELECT term, count(*), group_concat(doc * {shift} + offset, ' ') FROM {vocabulary} GROUP BY term"
    ).fetchall()
    row_count, tokens = _totals(connection, table)
    terms = [term for term, _, _ in grouped]
    counts = np.array([count for _, count, _ in grouped], dtype=np.int64)
    keys = np.fromstring(" ".join(text for _, _, text in grouped), dtype=np.int64, sep=" ")  # 6x faster than split
    term_of = np.repeat(np.arange(len(terms)), counts)
    order = np.lexsort((keys, term_of))  # group_concat promises no order within a term
    keys, term_of = keys[order], term_of[order]
    key_ends = np.cumsum(counts)
    key_spans = {t: (int(e - c), int(e)) for t, c, e in zip(terms, counts, key_ends, strict=True)}

    rows_of_keys = keys >> OFFSET_BITS
    row_ids, where = np.unique(rows_of_keys, return_inverse=True)
    row_lengths = np.bincount(where).astype(np.float64)  # every token of the row, stop words too
    new_posting = np.ones(len(keys), dtype=bool)
    new_posting[1:] = (term_of[1:] != term_of[:-1]) | (rows_of_keys[1:] != rows_of_keys[:-1])
    firsts = np.flatnonzero(new_posting)
    rows = rows_of_keys[firsts]
    frequency = np.diff(np.append(firsts, len(keys))).astype(np.float64)
    posting_ends = np.cumsum(np.bincount(term_of[firsts], minlength=len(terms)))
    posting_starts = posting_ends - np.bincount(term_of[firsts], minlength=len(terms))
    row_spans = {t: (int(s), int(e)) for t, s, e in zip(terms, posting_starts, posting_ends, strict=True)}
    average = float(tokens) / float(row_count) if row_count else 1.0
    lengths = row_lengths[np.searchsorted(row_ids, rows)]
    return Postings(
        generation=generation,
        key_spans=key_spans,
        keys=keys,
        row_spans=row_spans,
        rows=rows,
        weights=saturated(frequency, lengths, average),
        row_ids=row_ids,
        row_lengths=row_lengths,
        row_count=row_count,
        average_length=average,
    )


def token_count(connection: sqlite3.Connection, table: str) -> int:
    return _totals(connection, table)[1]


def _totals(connection: sqlite3.Connection, table: str) -> tuple[int, int]:
    """(rows, tokens) as FTS5's bm25 counts them: its averages record (block 1 of the `_data`
    shadow table), two SQLite varints."""
    found = connection.execute(f"SELECT block FROM {table}_data WHERE id = 1").fetchone()
    if found is None or not found[0]:
        return 0, 0
    record = bytes(found[0])
    rows, offset = _varint(record, 0)
    tokens, _ = _varint(record, offset)
    return rows, tokens


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    """SQLite's variable-length integer at `offset`: (value, offset after it)."""
    value = 0
    for position in range(offset, min(offset + 8, len(data))):
        value = (value << 7) | (data[position] & 0x7F)
        if data[position] < 0x80:
            return value, position + 1
    return (value << 8) | data[offset + 8], offset + 9


class QueryTokenizer:
    """The FTS5 tokens of query words, made by the tokenizer of the index's own table in a
    private in-memory database; remembered, since questions share most of their words."""

    def __init__(self, tokenize: str, remember: int = 100_000) -> None:
        self._connection = sqlite3.connect(":memory:", check_same_thread=False)
        self._connection.execute(f"CREATE VIRTUAL TABLE words USING fts5(word, tokenize={tokenize!r})")
        self._connection.execute("CREATE VIRTUAL TABLE word_tokens USING fts5vocab(words, instance)")
        self._known: dict[str, tuple[str, ...]] = {}
        self._remember = remember
        self._lock = threading.Lock()

    def tokens(self, words: Sequence[str]) -> list[tuple[str, ...]]:
        with self._lock:
            missing = [w for w in dict.fromkeys(words) if w not in self._known]
            if missing:
                if len(self._known) + len(missing) > self._remember:
                    self._known.clear()
                self._known.update(self._tokenised(missing))
            return [self._known[w] for w in words]

    def _tokenised(self, words: list[str]) -> dict[str, tuple[str, ...]]:
        with self._transaction():
            self._connection.execute("DELETE FROM words")
            self._connection.executemany("INSERT INTO words(rowid, word) VALUES (?, ?)", enumerate(words))
            found: dict[int, list[str]] = {}
            for row, term in self._connection.execute("SELECT doc, term FROM word_tokens ORDER BY doc, offset"):
                found.setdefault(row, []).append(term)
        return {word: tuple(found.get(row, ())) for row, word in enumerate(words)}

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._connection.execute("BEGIN")
        try:
            yield
        finally:
            self._connection.execute("ROLLBACK")

    def close(self) -> None:
        self._connection.close()


class LexicalMemory:
    """The postings of one index kept in memory for a long-lived reader: built in a thread of
    their own from a connection of their own the first time they are asked for, and again each
    time the index has changed. Until they match the index, callers search with FTS5."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], table: str, tokenize: str) -> None:
        self._connect = connect
        self._table = table
        self.tokenizer = QueryTokenizer(tokenize)
        self._postings: Postings | None = None
        self._building: threading.Thread | None = None
        self._skipped: int | None = None  # a generation too large to hold, or that failed to build
        self._lock = threading.Lock()

    def postings(self, generation: int) -> Postings | None:
        """The postings if they are of `generation`; otherwise None, with a build started."""
        with self._lock:
            postings = self._postings
            if postings is not None and postings.generation == generation:
                return postings
            if self._building is None and self._skipped != generation:
                self._building = threading.Thread(target=self._build, name="lexical-postings", daemon=True)
                self._building.start()
            return None

    def wait(self) -> None:
        """Until the build under way, if any, is done (tests and benchmarks)."""
        building = self._building
        if building is not None:
            building.join()

    def _build(self) -> None:
        built: Postings | None = None
        generation: int | None = None
        try:
            connection = self._connect()
            try:
                connection.execute("BEGIN")
                found = connection.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
                generation = int(found[0]) if found else 0
                if token_count(connection, self._table) <= MAX_TOKENS:
                    built = read_postings(connection, self._table, generation)
                connection.execute("COMMIT")
            finally:
                connection.close()
        except (sqlite3.Error, ValueError):
            built = None  # FTS5 keeps answering; a later generation tries again
        with self._lock:
            if built is not None:
                self._postings = built
            else:
                self._skipped = generation
            self._building = None

    def close(self) -> None:
        self.wait()
        self.tokenizer.close()
