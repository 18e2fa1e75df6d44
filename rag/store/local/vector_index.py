"""The FAISS file derived from the vectors in SQLite, named after the generation it matches.

After a crash at any moment a reader either finds the file of the current generation or builds
the index in memory from SQLite, so the two never disagree. Only a writer (the holder of the
write lock) saves files or deletes stale ones, and it deletes only names of the form rag gives
them: `vectors-<generation>.faiss`, and `vectors-<generation>.tmp<pid>` while one is saved,
which the next writer removes as it takes the lock if its writer was killed.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.errors import RagError
from rag.store.local import vectors
from rag.store.local.database import Database

if TYPE_CHECKING:
    import faiss

FAISS_FILE = re.compile(r"vectors-(\d+)\.faiss")
SAMPLE_CHECKS = 8
SELF_MATCH = 0.95  # a vector's inner product with itself is 1; 8-bit quantisation loses little
_TEMPORARY = re.compile(r"vectors-(\d+)\.tmp(\d+)")


def faiss_path(directory: Path, generation: int) -> Path:
    return directory / f"vectors-{generation}.faiss"


def rag_vector_files(directory: Path) -> list[Path]:
    """The FAISS files and leftovers of interrupted saves that rag made in `directory`."""
    try:
        names = [p for p in directory.iterdir() if FAISS_FILE.fullmatch(p.name) or _TEMPORARY.fullmatch(p.name)]
    except OSError:
        return []
    return sorted(names)


class VectorIndex:
    """The FAISS index of one open database; `may_write` says whether the caller holds the lock."""

    def __init__(self, directory: Path, db: Database, may_write: Callable[[], bool], sq8: bool = False) -> None:
        self.directory = directory
        self.db = db
        self.may_write = may_write
        self.sq8 = sq8  # 8-bit scalar quantisation once the corpus outgrows exact search
        self._index: faiss.Index | None = None
        self._generation = -1

    def current(self) -> faiss.Index:
        """The index matching SQLite now: loaded from its file, or built from SQLite (and saved,
        by a writer) when the file is missing, stale or damaged.

        Everything is read inside one snapshot, so a writer committing meanwhile cannot make
        the generation and the vectors come from different moments.
        """
        with self.db.snapshot():
            generation = self.db.generation()
            if self._index is not None and self._generation == generation:
                return self._index
            index = self._load(generation)
            if index is None:
                index = self._build()
                if self.may_write():
                    self._save(index, generation)
            self._index, self._generation = index, generation
            return index

    def rebuild(self) -> faiss.Index:
        """Build from the vectors in SQLite and save (`rag ingest --rebuild`); writers only."""
        with self.db.snapshot():
            generation = self.db.generation()
            index = self._build()
            self._save(index, generation)
        self._index, self._generation = index, generation
        return index

    def save(self, index: faiss.Index) -> None:
        """Persist an in-memory index that the writer kept in step with SQLite; one whose kind
        no longer suits the corpus size (it grew past exact search) is rebuilt instead."""
        if vectors.spec_of(index).kind != vectors.choose(index.ntotal, self.sq8).kind:
            self.rebuild()
            return
        generation = self.db.generation()
        self._save(index, generation)
        self._index, self._generation = index, generation

    def remove_leftovers(self) -> None:
        """Delete the temporary files of saves that never finished (their writer was killed);
        only the holder of the write lock may, as only a holder writes them."""
        for path in rag_vector_files(self.directory):
            if _TEMPORARY.fullmatch(path.name):
                with contextlib.suppress(OSError):
                    path.unlink()

    def _load(self, generation: int) -> faiss.Index | None:
        import faiss

        path = faiss_path(self.directory, generation)
        if not path.exists():
            return None
        try:
            index = faiss.read_index(str(path))
        except (RuntimeError, MemoryError):
            return None
        if index.ntotal != self.db.chunk_count() or index.d != self.db.manifest.dimension:
            return None
        return index if self._agrees(index) else None

    def _agrees(self, index: faiss.Index) -> bool:
        """Whether the file holds this database's vectors: a few stored chunks, looked up by their
        own vectors, must come back as themselves. A file copied from another index with the same
        generation and count fails this, where the name and count alone would not."""
        if index.ntotal == 0:
            return True
        _, sample = self.db.vector_sample_by_id(SAMPLE_CHECKS)
        scores, _ = index.search(np.ascontiguousarray(sample), 1)
        # The best match is the chunk itself (or a chunk with the very same text).
        return bool((scores[:, 0] >= SELF_MATCH).all())

    def _build(self) -> faiss.Index:
        """An index of the kind the corpus size calls for (see rag.store.local.vectors), from SQLite."""
        spec = vectors.choose(self.db.chunk_count(), self.sq8)
        training = self.db.vector_sample(vectors.TRAIN_SAMPLE) if spec.kind != "flat" else None
        index = vectors.empty(self.db.manifest.dimension, spec, training)
        for ids, batch in self.db.vector_batches():
            index.add_with_ids(np.ascontiguousarray(batch), ids)
        return index

    def _save(self, index: faiss.Index, generation: int) -> None:
        import faiss

        path = faiss_path(self.directory, generation)
        temporary = self.directory / f"vectors-{generation}.tmp{os.getpid()}"
        try:
            faiss.write_index(index, str(temporary))
            with temporary.open("rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except (OSError, RuntimeError) as exc:  # faiss reports a failed write as RuntimeError
            temporary.unlink(missing_ok=True)
            raise RagError(
                f"could not save the vector index in {self.directory} ({str(exc).splitlines()[0][:120]}); "
                "the database is intact: free some disk space and run `rag ingest --rebuild`"
            ) from None
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        _fsync_dir(self.directory)
        for stale in rag_vector_files(self.directory):
            if stale != path:
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
