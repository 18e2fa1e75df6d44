"""`rag serve` under load: /api/search and /api/ask with 1, 8 and 32 concurrent clients, on the
seed index and on an index of 2,000+ generated articles.

    .venv/bin/python bench/serve.py [--articles 2000] [--requests 64] [--cache .cache/bench]

(`--requests 160` gives steadier figures on a shared machine: 64 requests at 8 clients last about
a second.)

The server runs as its own process (`rag serve` on 127.0.0.1), the clients as threads of this
one, over the standard library's HTTP client (light: they share the server's cores); every loop
is bounded by a request count and a deadline. Each cell asks questions no earlier cell asked
(the seed, SQuAD and MultiHop-RAG dev questions), so query vectors are never cached.
Prints JSON: p50/p95 latency (ms) and throughput (requests/s) per endpoint, index and
concurrency, beside raw FAISS search and raw query encoding (alone, and from 8 threads at once)
measured in this process in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import httpx  # noqa: E402
from ask import percentiles  # noqa: E402
from corpus import bench_indexes  # noqa: E402

from rag.embed import load_embedder  # noqa: E402
from rag.eval.gold import load_gold  # noqa: E402
from rag.settings import resolve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RAG = str(Path(sys.executable).parent / "rag")
DEADLINE_S = 300.0


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(index: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [RAG, "serve", "--index", str(index), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/stats", timeout=5).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"rag serve did not start: {process.stderr.read().decode() if process.stderr else ''}")


def load(url: str, endpoint: str, questions: list[str], clients: int, requests: int) -> dict[str, object]:
    """`requests` requests from `clients` threads at once; each thread has its own connection.

    The clients speak HTTP through the standard library's `http.client`, which costs about a
    tenth of httpx's CPU a request: the clients share the server's cores, and with httpx they
    took 0.35 of the 2 cores at 100 searches a second."""
    stop = time.monotonic() + DEADLINE_S
    address = urllib.parse.urlsplit(url)

    def one(i: int, connection: http.client.HTTPConnection) -> float:
        question = questions[i % len(questions)]
        started = time.perf_counter()
        if endpoint == "search":
            connection.request("GET", "/api/search?" + urllib.parse.urlencode({"q": question, "k": 5}))
        else:
            body = json.dumps({"question": question})
            connection.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{endpoint} answered {response.status} to {question!r}")
        return time.perf_counter() - started

    def worker(offset: int) -> list[float]:
        connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=120)
        try:
            return [one(i, connection) for i in range(offset, requests, clients) if time.monotonic() < stop]
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [t for part in pool.map(worker, range(clients)) for t in part]
    elapsed = time.perf_counter() - started
    return {"requests": len(latencies), **percentiles(latencies), "throughput_rps": round(len(latencies) / elapsed, 1)}


def warm(url: str, endpoint: str, questions: list[str], seconds: float = 5.0) -> None:
    """Requests from 2 clients for `seconds`: spaCy loads on the first question that needs it,
    and the server builds what it keeps in memory (the lexical postings) in its first seconds."""
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        load(url, endpoint, questions, 2, 8)


def raw(index_store: object, questions: list[str], embedder: object) -> dict[str, object]:
    encode, dense = [], []
    for question in questions:
        started = time.perf_counter()
        vector = embedder.embed([question])  # type: ignore[attr-defined]
        encode.append(time.perf_counter() - started)
        started = time.perf_counter()
        index_store.faiss_index().search(vector, 50)  # type: ignore[attr-defined]
        dense.append(time.perf_counter() - started)
    return {
        "raw_query_encode": percentiles(encode),
        "raw_query_encode_8_concurrent": concurrent_encode(embedder, questions, 8),
        "raw_faiss_search": percentiles(dense),
    }


def concurrent_encode(embedder: object, questions: list[str], callers: int) -> dict[str, object]:
    """The raw model alone with `callers` threads encoding one question each at a time, closed
    loop: the floor under any server's latency at that concurrency on this machine."""
    latencies: list[float] = []

    def caller(offset: int) -> None:
        for question in questions[offset::callers]:
            started = time.perf_counter()
            embedder.embed([question])  # type: ignore[attr-defined]
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(callers) as pool:
        list(pool.map(caller, range(callers)))
    elapsed = time.perf_counter() - started
    return {**percentiles(latencies), "throughput_rps": round(len(latencies) / elapsed, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=64, help="requests per endpoint and concurrency")
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "bench")
    args = parser.parse_args()
    import faiss

    faiss.omp_set_num_threads(1)
    settings = resolve()
    embedder = load_embedder(settings.embedder, settings.model_cache)
    # Distinct questions, so that no request finds its query vector in the server's cache.
    questions = [
        q.question
        for name in ("seeds", "squad2_dev", "multihoprag_dev")
        for q in load_gold(ROOT / "eval" / name).questions
    ]
    seeds, large = bench_indexes(args.cache, embedder, args.articles)
    report: dict[str, object] = {"embedder": embedder.name, "cores": len(os.sched_getaffinity(0))}
    for name, store in (("seeds", seeds), (f"{args.articles}_articles", large)):
        figures: dict[str, object] = {"chunks": store.db.counts()["chunks"], **raw(store, questions, embedder)}  # type: ignore[attr-defined]
        directory = store.directory  # type: ignore[attr-defined]
        store.close()  # type: ignore[attr-defined]
        process, url = start_server(directory)
        try:
            for endpoint in ("search", "ask"):
                warm(url, endpoint, questions[-8:])
                figures[endpoint] = {
                    f"{clients}_clients": load(url, endpoint, questions[offset:], clients, args.requests)
                    for offset, clients in ((0, 1), (args.requests, 8), (2 * args.requests, 32))
                }
        finally:
            process.terminate()
            process.wait(timeout=30)
        report[name] = figures
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
