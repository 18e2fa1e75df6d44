"""Story detection (rag.stories) measured on gold stories, and its cost per article.

    .venv/bin/python bench/stories.py [--data ../shared/data/neus_dev] [--cache DIR]

Prints JSON: B-cubed precision, recall, F1 and the adjusted Rand index on half A of neus_dev
(where StorySettings were tuned), half B and the whole set; the whole set placed in 4 batches in a
shuffled order against one batch in date order; our own fixture (tests/fixtures/stories_own.jsonl);
and the milliseconds per article placed into an index of 200 and of 800 articles (and of larger
piles made by repeating the corpus further in time, with the CPU's flags beside them).

Halves: a gold story is in half A when the first byte of sha1(story_id) is even. (The parity of
the whole digest will not do: every story id of neus_dev has an even sha1, as if the set had been
cut that way from a larger one.) The corpus is read from --data, never copied; its vectors are
cached in --cache (chunk vectors as at ingest, and title vectors).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from rag.embed import Embedder, load_embedder
from rag.ingest.chunk import chunk_text
from rag.stories import ArticleSignal, StorySettings, StoryState, article_vector, assign, rebuild
from rag.stories.metrics import adjusted_rand_index, bcubed

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "stories_own.jsonl"
DATA = ROOT.parent / "shared" / "data" / "neus_dev"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def vectors(articles: list[dict[str, Any]], embedder: Embedder, cache: Path) -> np.ndarray:
    """Each article's story vector (chunk mean plus title), embedded once per corpus."""
    digest = hashlib.sha1(json.dumps([[a["title"], a["text"]] for a in articles]).encode()).hexdigest()[:16]
    path = cache / f"story-vectors-{embedder.fingerprint()[:12]}-{digest}.npy"
    if path.exists():
        return np.load(path)
    chunks = [chunk_text(a["text"], embedder) for a in articles]
    chunk_vectors = embedder.embed([c.text for cs in chunks for c in cs])
    titles = embedder.embed([a["title"] for a in articles])
    out, start = [], 0
    for i, cs in enumerate(chunks):
        out.append(article_vector(chunk_vectors[start : start + len(cs)], titles[i] if articles[i]["title"] else None))
        start += len(cs)
    found = np.stack(out)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, found)
    return found


def signals(articles: list[dict[str, Any]], matrix: np.ndarray) -> list[ArticleSignal]:
    return [ArticleSignal(a["id"], matrix[i], a.get("date"), a.get("source")) for i, a in enumerate(articles)]


def scores(state: StoryState, gold: dict[str, str]) -> dict[str, Any]:
    predicted = {a: state.story_of(a) for a in gold}
    b = bcubed(predicted, gold)
    return {
        "articles": len(gold),
        "gold_stories": len(set(gold.values())),
        "found_stories": len(set(predicted.values())),
        "bcubed_precision": round(b.precision, 4),
        "bcubed_recall": round(b.recall, 4),
        "bcubed_f1": round(b.f1, 4),
        "ari": round(adjusted_rand_index(predicted, gold), 4),
    }


def in_batches(pile: list[ArticleSignal], batches: int, seed: int, settings: StorySettings) -> StoryState:
    order = np.random.default_rng(seed).permutation(len(pile))
    state = StoryState.empty(int(pile[0].vector.shape[0]))
    for part in np.array_split(order, batches):
        state = assign(state, [pile[i] for i in part], settings)
    return state


def per_article_ms(pile: list[ArticleSignal], size: int, settings: StorySettings, placed: int = 50) -> float:
    """Milliseconds per article for `placed` articles arriving one at a time (each its own batch,
    as at ingest) into an index already holding size - placed of them."""
    ordered = sorted(pile, key=lambda a: (a.date or "9999", a.article_id))[:size]
    state = rebuild(ordered[: size - placed], settings)
    started = time.perf_counter()
    for article in ordered[size - placed :]:
        state = assign(state, [article], settings)
    return round(1000 * (time.perf_counter() - started) / placed, 3)


def repeated(pile: list[ArticleSignal], copies: int, seed: int = 0) -> list[ArticleSignal]:
    """The pile again and again, each copy shifted past the previous one in time (so as many
    articles a day as in the real pile) and its vectors slightly moved."""
    import datetime as dt

    rng = np.random.default_rng(seed)
    days = [dt.date.fromisoformat(a.date) for a in pile if a.date]
    span = (max(days) - min(days)).days + 30
    out = []
    for copy in range(copies):
        for a in pile:
            date = (dt.date.fromisoformat(a.date) + dt.timedelta(days=copy * span)).isoformat() if a.date else None
            v = a.vector + rng.normal(0, 0.02, a.vector.shape).astype(np.float32)
            out.append(ArticleSignal(f"{a.article_id}#{copy}", v / np.linalg.norm(v), date, a.outlet))
    return out


def cpu_flags() -> str:
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return platform.processor()
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.lower().startswith("flags")), [])
    wanted = ("avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "sse4_2")
    return " ".join(f for f in flags if f in wanted)


def neus(data: Path, embedder: Embedder, cache: Path, settings: StorySettings) -> dict[str, Any]:
    articles = read_jsonl(data / "corpus.jsonl")
    stories = read_jsonl(data / "stories.jsonl")
    pile = signals(articles, vectors(articles, embedder, cache))
    by_id = {s.article_id: s for s in pile}
    gold = {a: s["story_id"] for s in stories for a in s["article_ids"] if a in by_id}
    half = {s["story_id"]: "A" if hashlib.sha1(s["story_id"].encode()).digest()[0] % 2 == 0 else "B" for s in stories}
    report: dict[str, Any] = {}
    for name in ("A", "B"):
        part = {a: g for a, g in gold.items() if half[g] == name}
        report[f"half_{name}"] = scores(rebuild([by_id[a] for a in part], settings), part)
    whole = [by_id[a] for a in gold]
    one = scores(rebuild(whole, settings), gold)
    four = scores(in_batches(whole, 4, seed=0, settings=settings), gold)
    report["whole"] = one
    report["batches"] = {
        "one_batch_in_date_order_f1": one["bcubed_f1"],
        "four_batches_shuffled_f1": four["bcubed_f1"],
        "four_batches_shuffled_ari": four["ari"],
        "f1_difference": round(abs(one["bcubed_f1"] - four["bcubed_f1"]), 4),
    }
    speed: dict[str, Any] = {"cpu_flags": cpu_flags(), "placed_one_at_a_time": 50}
    for size in (200, 800):
        speed[f"ms_per_article_at_{size}"] = per_article_ms(pile, size, settings)
    for copies in (8, 32):
        bigger = repeated(pile, copies)
        speed[f"ms_per_article_at_{len(bigger)}_repeated"] = per_article_ms(bigger, len(bigger), settings)
    report["speed"] = speed
    return report


def own_fixture(embedder: Embedder, cache: Path, settings: StorySettings) -> dict[str, Any]:
    articles = read_jsonl(FIXTURE)
    pile = signals(articles, vectors(articles, embedder, cache))
    gold = {a["id"]: a["story_id"] for a in articles}
    state = rebuild(pile, settings)
    report = scores(state, gold)
    report["found"] = [list(s.article_ids) for s in state.stories()]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="a story set: corpus.jsonl and stories.jsonl")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "rag-stories-bench")
    args = parser.parse_args()
    settings = StorySettings()
    embedder = load_embedder("minilm", args.cache / "models")
    report: dict[str, Any] = {"settings": dataclasses.asdict(settings), "window_days": settings.window_days()}
    if (args.data / "corpus.jsonl").exists() and (args.data / "stories.jsonl").exists():
        report["neus_dev"] = neus(args.data, embedder, args.cache, settings)
    else:
        report["neus_dev"] = f"skipped: no corpus.jsonl and stories.jsonl in {args.data}"
        print(report["neus_dev"], file=sys.stderr)
    report["own_fixture"] = own_fixture(embedder, args.cache, settings)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
