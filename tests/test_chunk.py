import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.embed import HashEmbedder
from rag.embed.minilm import WordPieceCounter, packaged_model_path
from rag.ingest.chunk import ChunkParams, chunk_text

SEED_TEXT = (
    "Russia is prepared to offer political asylum to Elon Musk, Dmitry Novikov said June 6. "
    "The remarks came days after Musk's stint ended on May 30. "
    "Trump responded by attacking Musk. Medvedev joked about a peace deal between D and E. "
    "The Kremlin said it was a domestic issue of the United States."
)


@pytest.fixture(scope="module")
def wordpieces() -> WordPieceCounter:
    return WordPieceCounter(packaged_model_path(), max_seq_length=256)


def test_chunks_map_back_to_the_text_by_offsets() -> None:
    chunks = chunk_text(SEED_TEXT, HashEmbedder(max_tokens=32), ChunkParams(target_tokens=20))
    assert len(chunks) > 1
    for chunk in chunks:
        assert SEED_TEXT[chunk.start : chunk.end] == chunk.text


def test_without_overlap_chunks_follow_one_another(wordpieces: WordPieceCounter) -> None:
    chunks = chunk_text(SEED_TEXT, wordpieces, ChunkParams(target_tokens=30, overlap_sentences=0))
    assert len(chunks) >= 3
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before.end <= after.start
        assert SEED_TEXT[before.end : after.start].strip() == ""  # nothing between them is lost


def test_chunks_hold_whole_sentences_and_overlap_by_one() -> None:
    chunks = chunk_text(SEED_TEXT, HashEmbedder(max_tokens=64), ChunkParams(target_tokens=34, overlap_sentences=1))
    assert chunks[0].text.startswith("Russia is prepared")
    assert chunks[0].text.endswith(".")
    last_sentence_of_first = "The remarks came days after Musk's stint ended on May 30."
    assert chunks[0].text.endswith(last_sentence_of_first)
    assert chunks[1].text.startswith(last_sentence_of_first)


def test_the_whole_text_is_covered(wordpieces: WordPieceCounter) -> None:
    chunks = chunk_text(SEED_TEXT, wordpieces, ChunkParams(target_tokens=30))
    covered = "".join(SEED_TEXT[c.start : c.end] for c in chunks)
    for sentence in ("Novikov said June 6.", "domestic issue of the United States."):
        assert sentence in covered


def test_a_line_with_no_punctuation_is_cut_into_model_sized_windows(wordpieces: WordPieceCounter) -> None:
    text = " ".join(f"word{i} antidisestablishmentarianism" for i in range(3000))
    chunks = chunk_text(text, wordpieces, ChunkParams())
    assert len(chunks) > 10
    recounted = wordpieces.token_spans([c.text for c in chunks])
    assert all(len(tokens) <= wordpieces.max_tokens for tokens in recounted)
    assert all(text[c.start : c.end] == c.text for c in chunks)


def test_no_chunk_exceeds_the_model_limit_on_real_articles(wordpieces: WordPieceCounter) -> None:
    from conftest import SEEDS

    for path in SEEDS.glob("*.txt"):
        text = path.read_text()
        chunks = chunk_text(text, wordpieces, ChunkParams())
        recounted = wordpieces.token_spans([c.text for c in chunks])
        assert all(len(tokens) <= wordpieces.max_tokens for tokens in recounted)
        assert [c.n_tokens for c in chunks] == [len(t) for t in recounted]


def test_empty_text_has_no_chunks() -> None:
    assert chunk_text("   \n ", HashEmbedder(), ChunkParams()) == []


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=2000), st.integers(min_value=4, max_value=200))
def test_offsets_hold_for_any_unicode_text(text: str, target: int) -> None:
    embedder = HashEmbedder(max_tokens=16)
    for chunk in chunk_text(text, embedder, ChunkParams(target_tokens=target)):
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip()
        assert 0 < chunk.n_tokens <= embedder.max_tokens


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=3000))
def test_real_tokenizer_never_sees_more_than_its_limit(text: str) -> None:
    counter = WordPieceCounter(packaged_model_path(), max_seq_length=40)
    chunks = chunk_text(text, counter, ChunkParams(target_tokens=30))
    for chunk, tokens in zip(chunks, counter.token_spans([c.text for c in chunks]), strict=True):
        assert text[chunk.start : chunk.end] == chunk.text
        assert len(tokens) <= counter.max_tokens
