"""A deterministic corpus of full-length news-like articles for benchmarks.

Sentences are drawn from the seed articles and the dev sets' texts shipped in eval/ (or
../shared/data), and assembled into articles of 500–1,000 words with outlets and dates, so that
chunking, deduplication and embedding see text of realistic length and variety.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from rag.text import sentences

ROOT = Path(__file__).resolve().parent.parent
OUTLETS = ["Reuters", "AP", "BBC", "The Verge", "Wired", "TechCrunch", "Al Jazeera", "CNN", "Fox News", "TASS"]


def _sentence_pool() -> list[str]:
    pool: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        pool.extend(sentences(path.read_text()))
    for folder in (ROOT / "eval", ROOT.parent / "shared" / "data"):
        for corpus in sorted(folder.glob("*/corpus.jsonl")):
            with corpus.open() as handle:
                for line in handle:
                    pool.extend(sentences(json.loads(line)["text"]))
    unique = list(dict.fromkeys(s for s in pool if 6 <= len(s.split()) <= 60))
    if not unique:
        raise SystemExit("no source text found for the benchmark corpus")
    return unique


def make_corpus(n_articles: int, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    pool = _sentence_pool()
    articles = []
    for i in range(n_articles):
        target_words = rng.randint(500, 1000)
        body: list[str] = []
        words = 0
        paragraph: list[str] = []
        while words < target_words:
            sentence = pool[rng.randrange(len(pool))]
            paragraph.append(sentence)
            words += len(sentence.split())
            if len(paragraph) >= rng.randint(2, 5):
                body.append(" ".join(paragraph))
                paragraph = []
        if paragraph:
            body.append(" ".join(paragraph))
        articles.append(
            {
                "id": f"bench:{i}",
                "title": body[0].split(".")[0][:100],
                "source": OUTLETS[i % len(OUTLETS)],
                "date": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "text": "\n\n".join(body),
            }
        )
    return articles


def write_corpus(path: Path, n_articles: int, seed: int = 7) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for article in make_corpus(n_articles, seed):
            handle.write(json.dumps(article, ensure_ascii=False) + "\n")
    return path


def build_index(directory: Path, embedder: object, paths: list[Path]) -> object:
    """Open (or make) an index at `directory` and bring it up to date with `paths`."""
    from rag.ingest.chunk import ChunkParams
    from rag.ingest.pipeline import ingest, manifest_for
    from rag.store.local.store import Store

    store = Store.open(directory, manifest_for(embedder, ChunkParams()), create=True)  # type: ignore[arg-type]
    store.acquire_lock()
    ingest(store, embedder, paths, ChunkParams())  # type: ignore[arg-type]
    store.release_lock()
    return store


def bench_indexes(cache: Path, embedder: object, n_articles: int) -> tuple[object, object]:
    """The seed index and an index of `n_articles` generated articles, both cached in `cache`,
    one pair per model and chunking (an index cached for another model is never reopened)."""
    import hashlib

    from rag.ingest.chunk import ChunkParams
    from rag.ingest.pipeline import manifest_for

    manifest = manifest_for(embedder, ChunkParams())  # type: ignore[arg-type]
    made_with = f"{manifest.fingerprint} {sorted(manifest.chunking.items())}"
    tag = hashlib.blake2b(made_with.encode(), digest_size=4).hexdigest()
    cache.mkdir(parents=True, exist_ok=True)
    seeds = build_index(cache / f"seeds-index-{tag}", embedder, [ROOT / "seeds"])
    corpus = cache / f"corpus-{n_articles}.jsonl"
    if not corpus.exists():
        write_corpus(corpus, n_articles)
    return seeds, build_index(cache / f"index-{n_articles}-{tag}", embedder, [corpus])
