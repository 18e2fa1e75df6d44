"""Ingest throughput in characters of article text per second, against raw torch encoding of the
same text in the same run.

    .venv/bin/python bench/ingest.py [--articles 150] [--corpus FILE.jsonl] [--rounds 3]
                                     [--embedders minilm-int8,minilm,minilm:1,minilm-torch]

The measure is chars/s of the articles' text, not chunks/s: chunks overlap (a sentence embedded
twice is work that chunks/s hides), and their size depends on the chunking. The reference is raw
`SentenceTransformer.encode` at its defaults (torch, batches of 32) of the same texts cut into
consecutive windows of 254 word pieces (what the model reads), without overlap.

Each round ingests the corpus with every embedder, each in a process of its own (model loaded
and warm: read, chunk, dedupe, embed, SQLite, FAISS) so that one model's memory does not hide in
another's, then times the raw reference once in this process; ratios are taken within a round
and the medians over rounds reported, so a machine shared with other work moves both sides of a
ratio. `NAME:N` in --embedders ingests with chunks overlapping by N sentences (`minilm:1` is the
ingest before #28: fp32, one sentence of overlap). The same figures per CPU second (user +
system, all threads) are given beside them: less moved by other work on the machine. Also: each
ingest's chunks, peak RSS, and the cosine of its stored vectors to torch's vectors of the same
chunks (mean and min). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
from corpus import write_corpus  # noqa: E402

WINDOW = 254  # the model's 256 positions less [CLS] and [SEP]


def ingest_once(spec: str, corpus: Path, index: Path) -> dict[str, float]:
    """One timed ingest with a warm model (run in a child process by `main`). `spec`: an embedder's
    name, or `NAME:N` for chunks overlapping by N sentences instead of the default."""
    from rag.embed import load_embedder
    from rag.ingest.chunk import ChunkParams
    from rag.ingest.pipeline import ingest, manifest_for
    from rag.settings import resolve
    from rag.store.local.store import Store

    name, _, overlap = spec.partition(":")
    params = ChunkParams(overlap_sentences=int(overlap)) if overlap else ChunkParams()
    embedder = load_embedder(name, resolve().model_cache)
    embedder.embed(["warm up the model"])
    store = Store.open(index, manifest_for(embedder, params), create=True)
    store.acquire_lock()
    started, cpu = time.perf_counter(), _cpu_seconds()
    result = ingest(store, embedder, [corpus], params)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    store.close()
    return {"chunks": result.chunks, "seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": _peak_rss_mb()}


def _cpu_seconds() -> float:
    """CPU time of this process, all threads: less moved than wall time by other work on the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not inherited from the parent across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def stored(index: Path) -> tuple[list[str], np.ndarray]:
    import sqlite3

    with sqlite3.connect(index / "rag.sqlite") as db:
        rows = db.execute("SELECT text, vector FROM chunks ORDER BY id").fetchall()
    return [r[0] for r in rows], np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])


def article_texts(corpus: Path) -> list[str]:
    with corpus.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def windows(texts: list[str], counter: object) -> list[str]:
    """Each text cut into consecutive runs of `WINDOW` word pieces, no overlap."""
    out = []
    for text, spans in zip(texts, counter.token_spans(texts), strict=True):  # type: ignore[attr-defined]
        for first in range(0, len(spans), WINDOW):
            last = spans[min(first + WINDOW, len(spans)) - 1]
            out.append(text[spans[first][0] : last[1]])
    return out


def copy_corpus(source: Path, target: Path, n_articles: int) -> Path:
    """The first `n_articles` records of a JSONL corpus in the dev-set format."""
    with source.open(encoding="utf-8") as handle, target.open("w", encoding="utf-8") as out:
        for count, line in enumerate(handle):
            if count >= n_articles:
                break
            out.write(line)
    return target


def lscpu_flags() -> str:
    try:
        flags = Path("/proc/cpuinfo").read_text().split("flags")[1].split("\n")[0].split()
    except (OSError, IndexError):
        return "?"
    wanted = ("avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
    return " ".join(f for f in wanted if f in flags)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=150)
    parser.add_argument("--corpus", type=Path, help="a JSONL corpus to take the first articles from")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--embedders", default="minilm-int8,minilm,minilm:1,minilm-torch")
    parser.add_argument("--child", nargs=3, metavar=("EMBEDDER", "CORPUS", "INDEX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, corpus, index = args.child
        print(json.dumps(ingest_once(name, Path(corpus), Path(index))))
        return

    from rag.embed import MiniLMEmbedder
    from rag.settings import resolve

    names = args.embedders.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        if args.corpus:
            copy_corpus(args.corpus, corpus, args.articles)
        else:
            write_corpus(corpus, args.articles)
        texts = article_texts(corpus)
        chars = sum(len(t) for t in texts)
        reference = MiniLMEmbedder(resolve().model_cache)
        model = reference._loaded()
        model.encode(["warm up"])
        raw_windows = windows(texts, reference)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in names}
        raw_rates: list[float] = []
        raw_cpu_rates: list[float] = []
        chunks: dict[str, list[str]] = {}
        vectors: dict[str, np.ndarray] = {}
        for round_ in range(args.rounds):
            for name in names:
                index = Path(tmp) / f"index-{name}-{round_}"
                child = subprocess.run(
                    [sys.executable, __file__, "--child", name, str(corpus), str(index)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                runs[name].append(json.loads(child.stdout))
                chunks[name], vectors[name] = stored(index)
            started, cpu = time.perf_counter(), _cpu_seconds()
            model.encode(raw_windows, normalize_embeddings=True, convert_to_numpy=True)  # its defaults: batches of 32
            raw_rates.append(chars / (time.perf_counter() - started))
            raw_cpu_rates.append(chars / (_cpu_seconds() - cpu))

        report: dict[str, object] = {
            "articles": len(texts),
            "chars": chars,
            "raw_windows": len(raw_windows),
            "rounds": args.rounds,
            "cpu_flags": lscpu_flags(),
            "raw_torch_chars_per_s": round(statistics.median(raw_rates)),
            "raw_torch_chars_per_s_rounds": [round(r) for r in raw_rates],
            "raw_torch_chars_per_cpu_s": round(statistics.median(raw_cpu_rates)),
        }
        for name in names:
            rates = [chars / run["seconds"] for run in runs[name]]
            ratios = [rate / raw for rate, raw in zip(rates, raw_rates, strict=True)]
            cpu_rates = [chars / run["cpu_seconds"] for run in runs[name]]
            cpu_ratios = [rate / raw for rate, raw in zip(cpu_rates, raw_cpu_rates, strict=True)]
            reference_vectors = model.encode(chunks[name], normalize_embeddings=True, convert_to_numpy=True)
            cosines = (vectors[name] * reference_vectors).sum(axis=1)
            embedded = sum(len(c) for c in chunks[name])
            report[name] = {
                "chunks": int(runs[name][-1]["chunks"]),
                "chars_embedded_per_article_char": round(embedded / chars, 3),
                "ingest_chars_per_s": round(statistics.median(rates)),
                "ingest_chars_per_s_rounds": [round(r) for r in rates],
                "ratio_to_raw_torch": round(statistics.median(ratios), 3),
                "ratio_to_raw_torch_rounds": [round(r, 3) for r in ratios],
                "ingest_chars_per_cpu_s": round(statistics.median(cpu_rates)),
                "cpu_ratio_to_raw_torch": round(statistics.median(cpu_ratios), 3),
                "cosine_to_torch_mean": round(float(cosines.mean()), 5),
                "cosine_to_torch_min": round(float(cosines.min()), 5),
                "ingest_peak_rss_mb": max(run["peak_rss_mb"] for run in runs[name]),
            }
    report["reference_peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
