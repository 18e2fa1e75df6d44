"""The model and chunking an index is read and extended with: those its manifest records, so an
index built before a default changed (fp32 vectors, chunks overlapping by a sentence) keeps
working as it was built, with nothing embedded again. Naming an embedder (RAG_EMBEDDER) asks
for that one and today's chunking instead, and an index built otherwise is then refused with the
message to re-embed it; `rag ingest --reembed` rebuilds with those."""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.ingest.chunk import ChunkParams
from rag.settings import Settings


@dataclass(frozen=True)
class IndexModel:
    embedder: str
    chunking: ChunkParams = field(default_factory=ChunkParams)


def index_model(settings: Settings) -> IndexModel:
    """The embedder (a name `rag.embed.load_embedder` knows) and chunking for the index the
    settings name: the index's own when the user named no embedder, else the settings'."""
    asked = IndexModel(settings.embedder)
    if settings.embedder_named:
        return asked
    from rag.embed import embedder_with_fingerprint
    from rag.store.registry import stored_manifest

    stored = stored_manifest(settings.store, settings.index, settings.qdrant_api_key)
    name = embedder_with_fingerprint(stored.fingerprint) if stored is not None else None
    if stored is None or name is None:
        return asked  # a new index, or one no embedder here made: the mismatch says what to do
    kept = {k: v for k, v in stored.chunking.items() if k in ("target_tokens", "overlap_sentences")}
    return IndexModel(name, ChunkParams(**kept))
