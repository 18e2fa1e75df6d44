"""all-MiniLM-L6-v2 on onnxruntime + tokenizers: no torch on the hot path.

The ONNX files are made once from the packaged weights (torch is needed for that one step only)
and kept in the model cache (`models/` under the cache root: `RAG_CACHE`, default ~/.cache/rag). fp32 gives the
same vectors as sentence-transformers; the dynamic int8 variant (the default embedder, see
`_quantize`) is faster at a mean cosine of ~0.995 to the reference, and has its own fingerprint.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.embed.minilm import INT8_FINGERPRINT, MODEL_NAME, PackagedMiniLM
from rag.errors import RagError

Notice = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


FORMAT = 3
"""Bumped when the exported files change: 2 = eager-attention export (7-10% faster on CPU than the
SDPA graph), weights in `.data` files beside the graphs, int8 made from the attention-fused graph;
3 = a probe vector beside each graph, checked whenever a session opens."""


INT8_GRAPH = "model-int8-u8.onnx"
"""The int8 graph's file name: `model-int8.onnx` was the earlier quantisation (int8 weights, every
matrix product quantised), removed once this one exists."""

INT8_KEPT_FP32 = 3
"""The feed-forward output products of the first this many layers stay fp32 (see `_quantize`)."""


def onnx_dir(cache: Path, digest: str) -> Path:
    return cache / f"{digest}-onnx{FORMAT}"


def export_onnx(model_dir: Path, target: Path, int8: bool, notice: Notice = _stderr) -> Path:
    """Write model.onnx (and the int8 graph, `INT8_GRAPH`) for the weights in `model_dir` under `target`.

    Each graph keeps its weights in a `.data` file beside it, which onnxruntime maps instead of
    parsing them out of the graph: a session opens in 0.06 s instead of 0.14 s (fp32). The weights
    are moved into place before the graph that names them, so a graph present is a graph complete.
    """
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RagError(
            f"cannot write the model cache {target.parent} ({exc.strerror}); set RAG_CACHE to a writable folder"
        ) from None
    fp32 = target / "model.onnx"
    if not fp32.exists():
        notice("preparing the ONNX version of the embedding model (once; about 10 s)…")
        with tempfile.TemporaryDirectory(prefix=".staging-", dir=target) as staging:
            _export_torch(model_dir, Path(staging) / "exported.onnx")
            _install_split(Path(staging) / "exported.onnx", fp32, model_dir)
        _remove_older_formats(target)
    if not int8:
        return fp32
    quantized = target / INT8_GRAPH
    if not quantized.exists():
        notice("quantising the embedding model to int8 (once; a few seconds)…")
        with tempfile.TemporaryDirectory(prefix=".staging-", dir=target) as staging:
            _quantize(model_dir, fp32, Path(staging))
            _install_split(Path(staging) / "int8.onnx", quantized, model_dir)
        remove_export(target / "model-int8.onnx")
    return quantized


PROBE = "A probe sentence that checks the exported model still gives the vectors it gave when made."


def probe_path(graph: Path) -> Path:
    return graph.with_name(graph.name + ".probe.npy")


def remove_export(graph: Path) -> None:
    """Delete one graph with its weights and probe (a damaged export, to be made again)."""
    for path in (graph, graph.with_name(graph.name + ".data"), probe_path(graph)):
        path.unlink(missing_ok=True)


def open_checked(graph: Path, model_dir: Path, max_seq_length: int) -> tuple[Any, Any] | None:
    """(session, tokenizer) for a graph whose probe vector is what it was at export; None when the
    files are damaged (unreadable, or weights that no longer give the same vectors)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    # One thread per run, with as many runs in flight as cores (see `OnnxMiniLMEmbedder.embed`).
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    tokenizer = word_pieces(model_dir, max_seq_length)
    try:
        session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        expected = np.load(probe_path(graph))
        actual = pooled(session, [tokenizer.encode(PROBE).ids])[0]
    except Exception:  # onnxruntime, numpy and the file system fail in their own ways
        return None
    if expected.shape != actual.shape or not np.isfinite(actual).all() or float(expected @ actual) < 0.9999:
        return None
    return session, tokenizer


def word_pieces(model_dir: Path, max_seq_length: int) -> Any:
    """The model's tokenizer as the model runs it: truncated to its length, never padded."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_seq_length)
    tokenizer.no_padding()
    return tokenizer


def pooled(session: Any, rows: list[list[int]]) -> np.ndarray:
    """Mean-pooled, L2-normalised vectors of token-id rows (padded to the longest)."""
    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for row, tokens in enumerate(rows):
        ids[row, : len(tokens)] = tokens
        mask[row, : len(tokens)] = 1
    (hidden,) = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
    weights = mask[:, :, None].astype(np.float32)
    vectors = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
    return vectors.astype(np.float32)


def _install_split(source: Path, graph: Path, model_dir: Path) -> None:
    """Save the graph with its weights beside it and a probe vector, staged, then move weights,
    probe and graph into place in that order."""
    import onnx
    import onnxruntime as ort

    staged = source.with_name("split-" + graph.name)
    data = graph.name + ".data"
    onnx.save_model(
        onnx.load(str(source)),
        str(staged),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=data,
        size_threshold=1024,
    )
    session = ort.InferenceSession(str(staged), providers=["CPUExecutionProvider"])
    tokens = word_pieces(model_dir, 512).encode(PROBE).ids
    np.save(probe_path(staged), pooled(session, [tokens])[0])
    del session
    os.replace(staged.with_name(data), graph.with_name(data))
    os.replace(probe_path(staged), probe_path(graph))
    os.replace(staged, graph)


def _quantize(model_dir: Path, fp32: Path, staging: Path) -> None:
    """Dynamic int8 of the graph with attention, GELU and layer norms fused (on 2 cores ~5% faster
    than quantising the plain graph): per-channel uint8 weights, with the feed-forward output
    products of the first `INT8_KEPT_FP32` layers left in fp32.

    Measured on a 2-core AVX2 machine over 704 chunks of the ingest bench, cosine to fp32:
    int8 weights everywhere (the earlier graph) mean .989, min .973; uint8 weights mean .992,
    min .980 and faster (without VNNI, onnxruntime's u8s8 kernels can saturate their 16-bit
    sums); with the three most sensitive products kept in fp32 (found by quantising one product
    at a time: each costs 3-4x the cosine of any other) mean .995, min .990.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    config = json.loads((model_dir / "config.json").read_text())
    with _quiet_logger("onnxruntime"):
        fused = optimizer.optimize_model(
            str(fp32),
            model_type="bert",
            num_heads=int(config["num_attention_heads"]),
            hidden_size=int(config["hidden_size"]),
            opt_level=0,
        )
    fused.save_model_to_file(str(staging / "fused.onnx"))
    graph = onnx.load(str(staging / "fused.onnx"), load_external_data=False).graph
    kept = [node.name for node in graph.node if _feed_forward_output(node.name, INT8_KEPT_FP32)]
    quantize_dynamic(
        str(staging / "fused.onnx"),
        str(staging / "int8.onnx"),
        per_channel=True,
        weight_type=QuantType.QUInt8,
        nodes_to_exclude=kept,
        # The fused ops come from onnxruntime's own domain, which shape inference cannot type.
        extra_options={"DefaultTensorType": 1},  # onnx.TensorProto.FLOAT
    )


def _feed_forward_output(node: str, layers: int) -> bool:
    """Whether `node` is the feed-forward output product of one of the first `layers` layers
    (`/inner/encoder/layer.0/output/dense/MatMul`, not the attention's `.../attention/output/...`)."""
    return any(node.endswith(f"/layer.{k}/output/dense/MatMul") for k in range(layers))


@contextlib.contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    """The optimiser's own logger at ERROR for the one call, restored after it."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _remove_older_formats(target: Path) -> None:
    """Delete this model's exports in earlier formats (~110 MB each) once the current one exists."""
    import shutil

    digest = target.name.split("-onnx")[0]
    for old in target.parent.glob(f"{digest}*"):
        if old != target and old.is_dir() and all(p.name.startswith(("model", ".staging-")) for p in old.iterdir()):
            shutil.rmtree(old, ignore_errors=True)


def _export_torch(model_dir: Path, target: Path) -> None:
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise RagError(f"exporting the model needs torch and transformers ({exc}); run `make install`") from None
    # Eager attention exports as plain MatMul/Softmax, which onnxruntime runs faster on CPU than
    # the SDPA graph and which its transformer optimiser can fuse; the vectors are the same.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager", local_files_only=True)
    model.eval()

    class _Keywords(torch.nn.Module):
        # transformers 5 changed the positional order of forward's arguments: pass keywords.
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    example = torch.ones(2, 8, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _export(torch, _Keywords(model), example, names, target)


def _export(torch: Any, module: Any, example: Any, names: list[str], target: Path) -> None:
    torch.onnx.export(
        module,
        (example, example, torch.zeros_like(example)),
        str(target),
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may use, not what the machine has
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class OnnxMiniLMEmbedder(PackagedMiniLM):
    """The packaged MiniLM through onnxruntime; batches sorted by length to save padding."""

    def __init__(
        self,
        cache: Path,
        int8: bool = False,
        model_dir: Path | None = None,
        batch_size: int = 4,
        workers: int | None = None,
        notice: Notice = _stderr,
    ) -> None:
        super().__init__(cache, model_dir)
        self._int8 = int8
        self._batch_size = batch_size
        self._workers = max(1, workers if workers is not None else usable_cores())
        self._notice = notice
        self._session: Any = None
        self._tokenizer: Any = None

    @property
    def name(self) -> str:
        return MODEL_NAME + (" (int8)" if self._int8 else "")

    def fingerprint(self) -> str:
        # fp32 ONNX reproduces the reference vectors, so it shares the torch path's fingerprint.
        return super().fingerprint() + (INT8_FINGERPRINT if self._int8 else "")

    def _loaded(self) -> tuple[Any, Any]:
        """The checked session: a cached export whose files are damaged is made again, once."""
        if self._session is None:
            target = onnx_dir(self._cache, self.weights_digest())
            path = export_onnx(self._dir, target, self._int8, self._notice)
            opened = open_checked(path, self._dir, self._max_seq_length)
            if opened is None:
                self._notice("the ONNX model in the cache is damaged; preparing it again…")
                remove_export(path)
                if not self._int8:
                    remove_export(target / INT8_GRAPH)  # made from the damaged one
                path = export_onnx(self._dir, target, self._int8, self._notice)
                opened = open_checked(path, self._dir, self._max_seq_length)
            if opened is None:
                raise RagError(f"the ONNX model at {path} cannot be used even after preparing it again")
            self._session, self._tokenizer = opened
        return self._session, self._tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        session, tokenizer = self._loaded()
        tokens = [encoding.ids for encoding in tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda i: len(tokens[i]))
        batches = [order[start : start + self._batch_size] for start in range(0, len(order), self._batch_size)]

        def run(rows: list[int]) -> None:
            out[rows] = pooled(session, [tokens[i] for i in rows])

        # Small batches on single-threaded runs side by side beat one big multi-threaded run on
        # this model (measured on 2 cores: 160-170 vs 76-118 chunks/s int8): less padding, no
        # thread synchronisation inside each layer, and onnxruntime releases the GIL while it runs.
        if len(batches) == 1 or self._workers == 1:
            for rows in batches:
                run(rows)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(min(self._workers, len(batches))) as pool:
                list(pool.map(run, batches))
        return out
