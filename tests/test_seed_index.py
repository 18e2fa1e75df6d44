"""Integration: the real embedding model on the seed articles (index built once per session)."""

from collections.abc import Callable
from pathlib import Path

import pytest

from rag.embed import Embedder, MiniLMEmbedder
from rag.retrieve import RetrievalParams, retrieve
from rag.store.local.store import Store

pytestmark = pytest.mark.integration


def test_who_offered_asylum_ranks_a_novikov_passage_first(seed_store: Store, minilm: Embedder) -> None:
    result = retrieve(seed_store, minilm, "who offered Musk political asylum", RetrievalParams(k=5))
    assert "Novikov" in result.hits[0].text


def test_every_seed_chunk_fits_the_model(seed_store: Store, minilm: Embedder) -> None:
    texts = [r[0] for r in seed_store.db.execute("SELECT text FROM chunks")]
    assert all(len(tokens) <= minilm.max_tokens for tokens in minilm.token_spans(texts))


def test_stored_vectors_match_a_fresh_encoding(seed_store: Store, minilm: Embedder) -> None:
    import numpy as np

    text, blob = seed_store.db.execute("SELECT text, vector FROM chunks LIMIT 1").fetchone()
    stored = np.frombuffer(blob, dtype=np.float32)
    assert float(stored @ minilm.embed([text])[0]) > 0.999


def test_the_seed_index_records_the_model_fingerprint(seed_index: Path) -> None:
    manifest = Store.read_manifest(seed_index)
    assert manifest is not None
    assert manifest.fingerprint.startswith("sentence-transformers/all-MiniLM-L6-v2@")
    assert manifest.chunking["max_tokens"] == 254


def test_the_onnx_path_gives_the_reference_vectors(minilm: Embedder, minilm_torch: MiniLMEmbedder) -> None:
    texts = ["Kremlin spokesman Dmitry Peskov said it was a domestic issue.", "Short.", "x " * 400]
    assert minilm.fingerprint() == minilm_torch.fingerprint()
    cosines = (minilm.embed(texts) * minilm_torch.embed(texts)).sum(axis=1)
    assert cosines.min() > 0.9999


def test_the_int8_path_stays_close_and_has_its_own_fingerprint(minilm_torch: MiniLMEmbedder, model_cache: Path) -> None:
    from rag.embed import load_embedder

    int8 = load_embedder("minilm-int8", model_cache)
    texts = ["Russia offered Musk political asylum.", "Medvedev joked about a peace deal between D and E."]
    assert (int8.embed(texts) * minilm_torch.embed(texts)).sum(axis=1).min() > 0.985
    assert int8.fingerprint().endswith("+int8-u8-ffn3")


def test_the_int8_graph_keeps_the_first_feed_forward_outputs_in_fp32(model_cache: Path) -> None:
    import onnx

    from rag.embed import load_embedder
    from rag.embed.onnx_model import INT8_GRAPH, onnx_dir

    int8 = load_embedder("minilm-int8", model_cache)
    int8.embed(["made on first use"])
    folder = onnx_dir(model_cache, int8.weights_digest())  # type: ignore[attr-defined]
    graph = onnx.load(str(folder / INT8_GRAPH), load_external_data=False).graph
    fp32 = sorted(n.name for n in graph.node if n.op_type == "MatMul")
    assert fp32 == [f"/inner/encoder/layer.{k}/output/dense/MatMul" for k in range(3)]
    assert sum(n.op_type == "MatMulInteger" for n in graph.node) == 18 - 3
    assert not (folder / "model-int8.onnx").exists()  # the earlier quantisation is gone


def test_parallel_small_batches_give_the_vectors_of_one_sequential_pass(minilm: Embedder, model_cache: Path) -> None:
    from rag.embed.onnx_model import OnnxMiniLMEmbedder

    texts = [f"Sentence number {i} about {'the offer ' * (i % 7)}asylum." for i in range(23)]
    sequential = OnnxMiniLMEmbedder(model_cache, batch_size=64, workers=1).embed(texts)
    parallel = OnnxMiniLMEmbedder(model_cache, batch_size=2, workers=2).embed(texts)
    assert (sequential * parallel).sum(axis=1).min() > 0.99999


def test_exports_in_earlier_formats_are_removed_and_nothing_else(tmp_path: Path) -> None:
    from rag.embed.onnx_model import _remove_older_formats

    current = tmp_path / "53aa-onnx2"
    for name in ("53aa", "53aa-onnx1", "53aa-onnx2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "model.onnx").write_bytes(b"graph")
    (tmp_path / "53aa-notes").mkdir()
    (tmp_path / "53aa-notes" / "mine.txt").write_text("not ours")

    _remove_older_formats(current)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["53aa-notes", "53aa-onnx2"]
    assert (current / "model.onnx").exists()


def test_the_exported_graphs_keep_their_weights_beside_them(minilm: Embedder, model_cache: Path) -> None:
    minilm.embed(["make sure the model is exported"])
    (graph,) = model_cache.glob("*-onnx*/model.onnx")
    assert graph.stat().st_size < 1_000_000
    assert graph.with_name("model.onnx.data").stat().st_size > 80_000_000


DAMAGE = {
    "weights bit-rotted": lambda graph: _flip_bytes(graph.with_name("model.onnx.data")),
    "weights zeroed": lambda graph: graph.with_name("model.onnx.data").write_bytes(
        bytes(graph.with_name("model.onnx.data").stat().st_size)
    ),
    "graph garbage": lambda graph: graph.write_bytes(b"not an onnx graph at all"),
    "probe missing": lambda graph: graph.with_name("model.onnx.probe.npy").unlink(),
}


def _flip_bytes(path: Path) -> None:
    """Rot a few 64 KB stretches of the weights (floats become NaN or huge)."""
    data = bytearray(path.read_bytes())
    for offset in range(4096, len(data), len(data) // 8):
        data[offset : offset + 65536] = b"\xff" * len(data[offset : offset + 65536])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_onnx_export_is_made_again_not_used(
    minilm: Embedder, model_cache: Path, tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    import shutil

    from rag.embed.onnx_model import OnnxMiniLMEmbedder

    minilm.embed(["make sure the model is exported"])
    cache = tmp_path / "models"
    shutil.copytree(model_cache, cache)
    (graph,) = cache.glob("*-onnx*/model.onnx")
    damage(graph)
    notices: list[str] = []
    embedder = OnnxMiniLMEmbedder(cache, notice=notices.append)
    texts = ["The bridge reopened on Monday.", "Rain is expected tomorrow."]
    assert (embedder.embed(texts) * minilm.embed(texts)).sum(axis=1).min() > 0.9999
    assert any("damaged" in n for n in notices)
