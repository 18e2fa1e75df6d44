"""The manifest: what the vectors in an index mean (model fingerprint, dimension, chunking and
schema version). Refusing a mismatch beats serving wrong results."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from rag.errors import IndexMismatchError

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    model: str
    fingerprint: str
    dimension: int
    chunking: dict[str, int]
    schema_version: int = SCHEMA_VERSION

    def describe(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in sorted(self.chunking.items()))
        return f"{self.fingerprint} (dim {self.dimension}; {params})"


def same_vectors(a: Manifest, b: Manifest) -> bool:
    """Whether vectors made under `a` mean the same as under `b`."""
    return (a.fingerprint, a.dimension, a.chunking, a.schema_version) == (
        b.fingerprint,
        b.dimension,
        b.chunking,
        b.schema_version,
    )


def read_manifest(connection: sqlite3.Connection) -> Manifest | None:
    has_meta = connection.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
    if not has_meta:
        return None
    row = connection.execute("SELECT value FROM meta WHERE key='manifest'").fetchone()
    if row is None:
        return None
    return manifest_from_json(row[0])


def manifest_from_json(text: str) -> Manifest:
    data = json.loads(text)
    return Manifest(
        model=data["model"],
        fingerprint=data["fingerprint"],
        dimension=int(data["dimension"]),
        chunking={k: int(v) for k, v in data["chunking"].items()},
        schema_version=int(data["schema_version"]),
    )


def manifest_json(manifest: Manifest) -> str:
    return json.dumps(
        {
            "model": manifest.model,
            "fingerprint": manifest.fingerprint,
            "dimension": manifest.dimension,
            "chunking": manifest.chunking,
            "schema_version": manifest.schema_version,
        }
    )


def manifest_sql(manifest: Manifest) -> str:
    quoted = manifest_json(manifest).replace("'", "''")
    return f"INSERT OR REPLACE INTO meta(key, value) VALUES ('manifest', '{quoted}');"


def write_manifest(connection: sqlite3.Connection, manifest: Manifest) -> None:
    value = manifest_json(manifest)
    connection.execute(
        "INSERT INTO meta(key, value) VALUES ('manifest', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        (value,),
    )


def check_manifest(directory: Path | str, stored: Manifest, wanted: Manifest, option: str | None = None) -> None:
    """Refuse an index whose vectors mean something else; `option` names it in the fix (the
    default: `--index DIRECTORY`)."""
    option = option or f"--index {directory}"
    if stored.schema_version != wanted.schema_version:
        raise IndexMismatchError(
            f"index at {directory} has schema version {stored.schema_version}, this rag reads "
            f"{wanted.schema_version}; re-ingest into a new one with {option.split()[0]}"
        )
    if (stored.fingerprint, stored.dimension, stored.chunking) != (
        wanted.fingerprint,
        wanted.dimension,
        wanted.chunking,
    ):
        raise IndexMismatchError(
            f"index at {directory} was built with {stored.describe()}, but this run uses "
            f"{wanted.describe()}; run `rag ingest --reembed {option}` to re-embed it"
        )
