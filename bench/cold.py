"""Cold start: wall time of whole new processes, against the floors they cannot go below.

    .venv/bin/python bench/cold.py [--runs 10]

Builds the seed index in a temporary folder, then times, each `--runs` times in a fresh process:
the bare interpreter, importing the libraries a query needs (numpy, faiss, onnxruntime,
tokenizers, tiktoken), `rag --help`, and `rag ask` with the extractive model; and, fewer times,
`import sentence_transformers` (the torch path's import alone). Prints JSON: min, p50 and p95
seconds of each.

The two kinds of `rag ask` are timed side by side, alternating (which goes first alternates
too), so that both see the same load on a shared machine: a factoid question ("Who offered
Musk political asylum?", which wants a short answer and so a parse) and a "why" question (which
never needs one). `ask_factoid_over_why` is the ratio of their medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAG = str(Path(sys.executable).with_name("rag"))


def wall(command: list[str], runs: int, env: dict[str, str]) -> dict[str, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - started)
    return summary(times)


def summary(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "min": round(times[0], 3),
        "p50": round(statistics.median(times), 3),
        "p95": round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 3),
    }


def alternating(commands: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    """Wall times of each command, run in turns: round i starts with command i mod n."""
    names = list(commands)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(runs):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            started = time.perf_counter()
            subprocess.run(commands[name], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            times[name].append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        index = str(Path(tmp) / "index")
        subprocess.run([RAG, "ingest", str(ROOT / "seeds"), "--index", index], check=True, env=env, capture_output=True)
        libraries = "import numpy, faiss, onnxruntime, tokenizers, tiktoken"
        question = "Who offered Musk political asylum?"
        # A question that wants a short answer loads spaCy; one that wants an explanation does not.
        asks = alternating(
            {
                "rag_ask": [RAG, "ask", question, "--index", index],
                "rag_ask_why": [RAG, "ask", "Why did Russia offer Musk asylum?", "--index", index],
            },
            args.runs,
            env,
        )
        report: dict[str, object] = {
            "rag_ask": summary(asks["rag_ask"]),
            "rag_ask_why": summary(asks["rag_ask_why"]),
            "ask_factoid_over_why": round(
                statistics.median(asks["rag_ask"]) / statistics.median(asks["rag_ask_why"]), 3
            ),
            "python_startup": wall([sys.executable, "-c", "pass"], args.runs, env),
            "import_query_libraries": wall([sys.executable, "-c", libraries], args.runs, env),
            "rag_help": wall([RAG, "--help"], args.runs, env),
            "load_spacy_pipeline": wall(
                [sys.executable, "-c", "from rag.nlp import Pipeline; Pipeline().parse(['Load it.'])"], args.runs, env
            ),
            "import_sentence_transformers": wall(
                [sys.executable, "-c", "import sentence_transformers"], max(3, args.runs // 3), env
            ),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
