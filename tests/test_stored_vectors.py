"""Sentence vectors kept on disk: a sentence is embedded once across processes, and the file is
only ever a cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.embed import HashEmbedder
from rag.embed.stored import StoredVectors, vectors_path


def test_a_sentence_kept_on_disk_is_not_embedded_again_by_the_next_process(tmp_path: Path) -> None:
    path = vectors_path(tmp_path, "hash", "hash@64")
    StoredVectors(HashEmbedder(), path).embed(["The strike ended.", "Talks resume."])
    later = HashEmbedder()
    StoredVectors(later, path).embed(["Talks resume.", "The strike ended."])
    assert later.embedded == 0


def test_kept_vectors_are_the_ones_the_model_gives(tmp_path: Path) -> None:
    texts = ["The strike ended.", "Talks resume.", "The strike ended."]
    path = tmp_path / "vectors.sqlite"
    StoredVectors(HashEmbedder(), path).embed(texts[:2])
    assert np.array_equal(StoredVectors(HashEmbedder(), path).embed(texts), HashEmbedder().embed(texts))


def test_only_the_sentences_not_kept_are_embedded(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite"
    StoredVectors(HashEmbedder(), path).embed(["Kept."])
    inner = HashEmbedder()
    StoredVectors(inner, path).embed(["Kept.", "New.", "New."])
    assert inner.embedded == 1


def test_a_file_that_cannot_be_made_leaves_the_embedder_working(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder would go")
    vectors = StoredVectors(HashEmbedder(), blocker / "vectors.sqlite").embed(["Still embedded."])
    assert np.array_equal(vectors, HashEmbedder().embed(["Still embedded."]))


def test_the_oldest_sentences_go_once_the_file_holds_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite"
    StoredVectors(HashEmbedder(), path, limit=2).embed(["First."])
    StoredVectors(HashEmbedder(), path, limit=2).embed(["Second.", "Third."])
    inner = HashEmbedder()
    StoredVectors(inner, path, limit=2).embed(["First.", "Second.", "Third."])
    assert inner.embedded == 1


def test_the_applications_reader_finds_the_sentences_an_earlier_process_embedded(tmp_path: Path) -> None:
    from rag.parts import Parts
    from rag.settings import Settings

    settings = Settings(cache=tmp_path)
    Parts(settings, embedder=HashEmbedder()).sentence_embedder().embed(["The strike ended."])
    later = HashEmbedder()
    Parts(settings, embedder=later).sentence_embedder().embed(["The strike ended."])
    assert later.embedded == 0
