"""`rag ingest --ray`: reading, chunking and embedding run as a Ray Data pipeline, on a local Ray
or a cluster; the writes stay with this process (the driver), through the same writer as a local
ingest, so a batch is one transaction of the store and a rerun finishes what a killed run left.

    files ──> read (tasks: a file each, a JSONL file in rows of a few dozen articles)
          ──> actor pool (each on its own ONNX session: chunk, embed)
          ──> driver, in file order: duplicate check, writes in batches

Before the pipeline starts, the driver hands the workers every stored key with its content hash,
so an unchanged article is never embedded again. A near-duplicate is found only by the driver
(it depends on what came before it in this run), so a copy's vectors, made by a worker, are
thrown away: the price of finding copies in order.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.embed import Embedder
from rag.errors import RagError
from rag.ingest.articles import ReadResult, Skipped
from rag.ingest.chunk import ChunkParams, chunk_text
from rag.ingest.files import iter_files, read_path
from rag.ingest.pipeline import IngestReport, Prepared, Progress, ingest_results
from rag.store.protocol import IndexStore

JSONL_ROWS = 32  # articles of a JSONL file per row of the pipeline: a worker's unit of work
BLOCK_BYTES = 256 * 1024


@dataclass(frozen=True)
class RaySettings:
    address: str | None = None  # None: a Ray started here for this run, on this machine's cores
    workers: int = 0  # embedding actors, one ONNX session (one core) each; 0: one per CPU of the cluster
    embedder: str = "minilm"
    model_cache: Path = Path(".cache") / "rag" / "models"


def ray_ingest(
    store: IndexStore,
    embedder: Embedder,
    paths: Sequence[Path],
    params: ChunkParams,
    ray_settings: RaySettings,
    prune: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index up to date with `paths`, preparing articles on Ray; the caller holds the
    store's write lock."""
    ray = ray_module()
    started_here = not ray.is_initialized()
    if started_here:
        _start(ray, ray_settings)
    if not ray_settings.workers:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        ray_settings = RaySettings(ray_settings.address, max(1, cpus), ray_settings.embedder, ray_settings.model_cache)
    try:
        skipped: list[Skipped] = []
        files = [str(path) for path in iter_files(paths, skipped)]
        known = {a.key: a.content_hash for a in store.articles_by_key().values()}
        prepared = _pipeline(ray, files, known, params, ray_settings) if files else iter(())
        return ingest_results(store, embedder, _after(skipped, prepared), params, prune, progress)
    finally:
        if started_here:
            ray.shutdown()


def _after(
    skipped: list[Skipped], rest: Iterator[tuple[ReadResult, Sequence[Prepared | None] | None]]
) -> Iterator[tuple[ReadResult, Sequence[Prepared | None] | None]]:
    """The paths that could not be listed, then what the workers prepared."""
    if skipped:
        yield ReadResult(skipped=skipped), None
    yield from rest


def ray_module() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise RagError(
            "`--ray` needs Ray: pip install 'ray[data]' (or this project's extra: pip install '.[ray]')"
        ) from None
    return ray


def _start(ray: Any, settings: RaySettings) -> None:
    try:
        if settings.address:
            ray.init(address=settings.address, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        else:
            cores = settings.workers or None  # None: Ray counts this machine's cores
            # A cluster of this machine alone listens on loopback only, not on its network address.
            ray.init(
                num_cpus=cores,
                include_dashboard=False,
                log_to_driver=False,
                logging_level="ERROR",
                _node_ip_address="127.0.0.1",
            )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = settings.address or "a local Ray"
        raise RagError(
            f"cannot start or reach {where} ({str(exc).splitlines()[0][:160]}); check --ray-address"
        ) from None


def _pipeline(
    ray: Any, files: list[str], known: dict[str, str], params: ChunkParams, settings: RaySettings
) -> Iterator[tuple[ReadResult, Sequence[Prepared | None] | None]]:
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # the driver finds duplicates in file order
    context.enable_progress_bars = False
    # Small blocks, so that the parts of one large JSONL file reach several workers at once.
    context.target_max_block_size = BLOCK_BYTES
    known_ref = ray.put(known)
    read = ray.data.from_items([{"path": path} for path in files], override_num_blocks=len(files)).flat_map(
        _read_rows,
        num_cpus=0,  # light next to embedding; a CPU for it would leave an actor waiting
    )
    prepared = read.map_batches(
        PrepareResults,
        fn_constructor_kwargs={
            "embedder": settings.embedder,
            "model_cache": str(settings.model_cache),
            "params": params,
            "known": [known_ref],
        },
        batch_size=1,
        compute=ray.data.ActorPoolStrategy(size=settings.workers),
        num_cpus=1,
        batch_format="numpy",
    )
    for row in prepared.iter_rows():
        yield pickle.loads(row["prepared"])


def _read_rows(row: dict[str, Any]) -> list[dict[str, bytes]]:
    """One file read, as rows of a few dozen articles each (a JSONL file gives many)."""
    return [{"result": pickle.dumps(result)} for result in read_path(Path(str(row["path"])), JSONL_ROWS)]


class PrepareResults:
    """A Ray Data worker on its own ONNX session: chunks and embeds every article read that is
    not stored already."""

    def __init__(self, embedder: str, model_cache: str, params: ChunkParams, known: list[Any]) -> None:
        import ray

        from rag.embed import load_embedder

        self.embedder = load_embedder(embedder, Path(model_cache), workers=1)
        self.params = params
        self.known: dict[str, str] = ray.get(known[0])

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list[bytes]]:
        results: list[ReadResult] = [pickle.loads(raw) for raw in batch["result"]]
        todo = [
            (r, a, chunk_text(article.text, self.embedder, self.params))
            for r, result in enumerate(results)
            for a, article in enumerate(result.articles)
            if self.known.get(article.key) != article.content_hash
        ]
        vectors = self.embedder.embed([chunk.text for _, _, chunks in todo for chunk in chunks])
        prepared: list[list[Prepared | None]] = [[None] * len(result.articles) for result in results]
        row = 0
        for r, a, chunks in todo:
            prepared[r][a] = Prepared(tuple(chunks), vectors[row : row + len(chunks)])
            row += len(chunks)
        return {"prepared": [pickle.dumps((result, p)) for result, p in zip(results, prepared, strict=True)]}
