"""A long-lived reader scores lexical searches from postings in memory (rag.store.local.lexical):
the same rows and scores as FTS5's bm25, rebuilt whenever the index changes, and FTS5 itself
whenever the postings do not match the index, a filter narrows the search, or the index is too
large to hold."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEEDS, open_store

from rag.embed import HashEmbedder
from rag.ingest.chunk import ChunkParams
from rag.ingest.pipeline import ingest, manifest_for
from rag.store.filters import Filters
from rag.store.local import lexical
from rag.store.local.database import FTS_TOKENIZE
from rag.store.local.lexical import QueryTokenizer
from rag.store.local.store import Store

EXTRA = (
    "Title: Port hours\nSource: Harbor Ledger\nDate: 2025-02-03\n\n"
    "The country's largest port moved to 24/7 operations. The U.S. Coast Guard said self-driving "
    "cranes and man-made islands need numbers, and the number of ships rose. Port, ports, porting.\n"
)

QUESTIONS = [
    "Who offered Musk political asylum?",
    "What did the country's largest port do?",  # a possessive: the phrase "countri s"
    "Why did the U.S. Coast Guard speak?",  # initials: the phrase "u s"
    "How many self-driving cranes?",  # a hyphenated word: a phrase
    "Which numbers and what number of ships?",  # two words that stem alike count twice
    "ports porting port",
    "Kremlin",
    "the of and",  # no content words
    "zyzzyva quokka",  # words the index does not hold
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for seed in sorted(SEEDS.iterdir()):
        (folder / seed.name).write_bytes(seed.read_bytes())
    (folder / "port.txt").write_text(EXTRA)
    return folder


@pytest.fixture
def index(tmp_path: Path, corpus: Path, hash_embedder: HashEmbedder, params: ChunkParams) -> Path:
    with open_store(tmp_path / "index", hash_embedder, params) as store:
        ingest(store, hash_embedder, [corpus], params)
    return tmp_path / "index"


def opened(index: Path, hash_embedder: HashEmbedder, params: ChunkParams, shared: dict[object, object] | None) -> Store:
    return Store.open(index, manifest_for(hash_embedder, params), shared=shared)


@pytest.fixture
def resident(index: Path, hash_embedder: HashEmbedder, params: ChunkParams) -> Iterator[Store]:
    with opened(index, hash_embedder, params, {}) as store:
        assert store.lexical is not None
        store.lexical.wait()
        yield store


@pytest.fixture
def one_shot(index: Path, hash_embedder: HashEmbedder, params: ChunkParams) -> Iterator[Store]:
    with opened(index, hash_embedder, params, None) as store:
        yield store


def in_memory(store: Store) -> bool:
    return store.lexical is not None and store.lexical.postings(store.db.generation()) is not None


@pytest.mark.parametrize("question", QUESTIONS)
def test_memory_gives_fts5s_rows_and_scores(resident: Store, one_shot: Store, question: str) -> None:
    assert in_memory(resident) and one_shot.lexical is None
    assert resident.lexical_search(question, 50, Filters()) == one_shot.lexical_search(question, 50, Filters())


def test_a_one_shot_reader_keeps_nothing_in_memory(one_shot: Store) -> None:
    assert one_shot.lexical is None and one_shot.lexical_search("asylum", 5, Filters())


def test_connections_of_one_reader_share_one_copy(
    index: Path, hash_embedder: HashEmbedder, params: ChunkParams
) -> None:
    shared: dict[object, object] = {}
    with opened(index, hash_embedder, params, shared) as first, opened(index, hash_embedder, params, shared) as second:
        assert first.lexical is second.lexical is not None


def test_an_ingest_is_searched_at_once_and_the_memory_rebuilt(
    resident: Store, tmp_path: Path, hash_embedder: HashEmbedder, params: ChunkParams
) -> None:
    later = tmp_path / "later"
    later.mkdir()
    (later / "ferry.txt").write_text("Title: Ferry\nSource: Outlet C\n\nThe quokka ferry sailed at dawn.\n")
    with open_store(resident.directory, hash_embedder, params) as writer:
        ingest(writer, hash_embedder, [later], params)
    assert not in_memory(resident)  # the postings are of the generation before the ingest
    assert resident.lexical_search("quokka", 5, Filters())  # FTS5 answers meanwhile
    assert resident.lexical is not None
    resident.lexical.wait()
    assert in_memory(resident) and resident.lexical_search("quokka", 5, Filters())


def test_a_filtered_search_is_left_to_fts5(resident: Store, one_shot: Store) -> None:
    only = Filters(sources=("Harbor Ledger",))
    found = resident.lexical_search("port", 10, only)
    assert found == one_shot.lexical_search("port", 10, only)
    assert {h.source for h in resident.hits([chunk for chunk, _ in found])} == {"Harbor Ledger"}


def test_an_index_too_large_to_hold_stays_with_fts5(
    index: Path, hash_embedder: HashEmbedder, params: ChunkParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lexical, "MAX_TOKENS", 10)
    with opened(index, hash_embedder, params, {}) as store:
        assert store.lexical is not None
        store.lexical.wait()
        assert not in_memory(store) and store.lexical_search("asylum", 5, Filters())


def test_query_words_are_tokenised_as_fts5_tokenises_the_index() -> None:
    tokenizer = QueryTokenizer(FTS_TOKENIZE)
    assert tokenizer.tokens(["country's", "Ports", "Café", "U.S.", "—"]) == [
        ("countri", "s"),
        ("port",),
        ("cafe",),
        ("u", "s"),
        (),
    ]


@pytest.mark.parametrize("value", [0, 127, 128, 16_383, 17_675, 1_933_010, 2**40 + 3, 2**63 - 1])
def test_sqlite_varints_are_read_back(value: int) -> None:
    assert lexical._varint(_sqlite_varint(value), 0) == (value, len(_sqlite_varint(value)))


def _sqlite_varint(value: int) -> bytes:
    """SQLite's encoding: 7 bits a byte, high bit set on all but the last; a 9th byte holds 8."""
    if value > (1 << 56) - 1:
        head = [((value >> (8 + 7 * (7 - i))) & 0x7F) | 0x80 for i in range(8)]
        return bytes([*head, value & 0xFF])
    groups = [value & 0x7F]
    value >>= 7
    while value:
        groups.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(groups))
