"""`rag serve --backend openai` question by question: the time of each /api/ask against a local
OpenAI-compatible server (the tests' fake, answering at once), so what is measured is rag's own
work around the model: retrieval, the citation check and the search for disagreement.

    .venv/bin/python bench/serve_openai.py --index index/ [--questions 20] [--rag-path TREE]

`--rag-path` runs the server from another checkout (its `rag` package first on PYTHONPATH), to
compare two versions in one run. Prints JSON: per-question milliseconds, median, and the first
question's time beside the rest (the first pays for anything loaded on first need).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from fake_openai import running_server as fake_model  # noqa: E402
from serve import free_port  # noqa: E402

RAG = str(Path(sys.executable).parent / "rag")
SUBJECTS = ("political asylum", "a peace deal", "Starlink shares", "the tax bill", "deportation")


def questions(count: int) -> list[str]:
    """Who/when/where questions (the kind that need a parse), none asked twice."""
    forms = ("Who offered {}?", "When was {} first mentioned?", "Where was {} discussed?", "Who spoke about {}?")
    made = [form.format(subject) for form in forms for subject in SUBJECTS]
    return [f"{q[:-1]}, in report {n}?" for n, q in enumerate(made * (count // len(made) + 1))][:count]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--rag-path", type=Path, default=None)
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OPENAI_API_KEY": "test-key"}
    if args.rag_path:
        env["PYTHONPATH"] = str(args.rag_path.resolve())
    with fake_model() as model:
        model.reply = "Dmitry Novikov said Russia could offer Musk political asylum [1]."
        port = free_port()
        command = [RAG, "serve", "--index", str(args.index), "--port", str(port), "--backend", "openai"]
        command += ["--model", "test-model", "--base-url", model.base_url]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{url}/api/stats", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            times = []
            for question in questions(args.questions):
                started = time.perf_counter()
                response = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=120)
                times.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        json.dumps(
            {
                "rag": str(args.rag_path or ROOT),
                "questions": len(times),
                "ms": [round(t, 1) for t in times],
                "median_ms": round(statistics.median(times), 1),
                "first_ms": round(times[0], 1),
                "median_after_first_ms": round(statistics.median(times[1:]), 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
