"""An index brought up to date as one run: open (or create) the store, take its write lock,
ingest, re-embed or rebuild, let go; and a first ingest that added nothing leaves no index
behind. `rag.app.Rag.ingest` and `Rag.begin_ingest` (uploads to `rag serve`) are its doors."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rag.embed import Embedder, load_embedder
from rag.errors import IndexBusyError, RagError
from rag.index_model import IndexModel, index_model
from rag.ingest.articles import ReadResult
from rag.ingest.boilerplate import update as update_boilerplate
from rag.ingest.chunk import ChunkParams
from rag.ingest.files import read_paths
from rag.ingest.following import STATE_NAME, Following, from_text, to_text
from rag.ingest.pipeline import IngestReport, Progress, ingest_results, manifest_for, reembed
from rag.ingest.versions import record as record_revisions
from rag.settings import Settings
from rag.store.protocol import IndexStore
from rag.store.registry import index_exists, open_index, remove_new_index

if TYPE_CHECKING:
    from rag.ingest.sources import FetchProgress, SourceState
    from rag.stories.model import StoryState


@dataclass(frozen=True)
class Update:
    """What a run is asked to do."""

    paths: tuple[Path, ...] = ()
    urls: tuple[str, ...] = ()  # http(s) links: pages, feeds, sitemaps, OPML lists
    prune: bool = False
    rebuild: bool = False
    reembed: bool = False
    wait: bool = False  # for another writer, instead of stopping
    ray: bool = False
    fetch_progress: FetchProgress | None = None  # how far the links' run has got


def update_index(
    settings: Settings, embedder_of: Callable[[], Embedder], change: Update, progress: Progress | None = None
) -> IngestReport:
    """Carry out `change`; the embedder is loaded only once the request is known to be sound."""
    paths, urls = list(change.paths), list(change.urls)
    if not paths and not urls and not (change.rebuild or change.reembed or change.prune):
        raise RagError("nothing to ingest; give files, folders or links, e.g. `rag ingest seeds/`")
    if paths and not any(p.exists() for p in paths):
        raise RagError(f"no such file or folder: {', '.join(str(p) for p in paths)}; check the path")
    if urls and change.ray:
        raise RagError("--ray reads files and folders; give links without --ray (they are fetched here)")
    existed = index_exists(settings.store, settings.index, settings.qdrant_api_key)
    folder_existed = (settings.store.path or settings.index).exists()
    if change.reembed:  # with the embedder named, or today's default, and today's chunking
        model = IndexModel(settings.embedder)
        embedder = embedder_of() if settings.embedder_named else load_embedder(model.embedder, settings.model_cache)
    else:
        model, embedder = index_model(settings), embedder_of()
    report = IngestReport()
    opened = _open(settings, embedder, not change.reembed, model.chunking)
    held = False
    try:
        opened.acquire_lock(wait=change.wait)
        held = True
        if change.reembed:
            report = reembed(opened, embedder, model.chunking, progress)
        if (paths or change.prune) and change.ray:
            report = _on_ray(settings, opened, embedder, paths, change.prune, progress, model)
            _place_in_stories(opened, embedder)
        elif paths or urls or change.prune:
            report = _bring_in(settings, opened, embedder, change, progress, model.chunking)
        if change.rebuild:
            opened.rebuild_vectors()
    finally:
        # A first ingest that added nothing, or failed (a Ray cluster not reached), leaves no
        # index behind; only a run that held the lock may say so, never one turned away, and only
        # while it holds the lock again after letting a writer queued behind it (--wait) go first.
        if held and not existed and not report.ingested_anything and _still_alone(opened):
            remove_new_index(settings.store, settings.index, not folder_existed, settings.qdrant_api_key)
        opened.close()
    return report


def _bring_in(
    settings: Settings,
    opened: IndexStore,
    embedder: Embedder,
    change: Update,
    progress: Progress | None,
    chunking: ChunkParams,
) -> IngestReport:
    """Read the files and links into the index (the caller holds the write lock), remember the
    links' feeds, lists and sitemaps as followed, and place the new articles in their stories."""
    urls = list(change.urls)
    following = following_of(opened)
    sources = dict(following.sources)
    read = _read(settings, list(change.paths), urls, sources, change.fetch_progress)
    report = ingest_results(opened, embedder, read, chunking, prune=change.prune, progress=progress)
    if urls:
        opened.begin_writes().write_state(STATE_NAME, to_text(following.after(urls, sources)))
    record_revisions(opened, report.revised)
    stories = _place_in_stories(opened, embedder)
    if report.outlets:
        story_of = {doc_id: str(stories.story_of(doc_id)) for doc_id in stories.article_ids}
        update_boilerplate(opened, report.outlets, story_of)
    return report


def _place_in_stories(opened: IndexStore, embedder: Embedder) -> StoryState:
    from rag.stories.kept import update

    return update(opened, embedder)  # each new article joins its story, or starts one


class IngestRun:
    """An ingest whose write lock is held: `run` it (in any thread), and it lets go when done."""

    def __init__(self, settings: Settings, store: IndexStore, embedder: Embedder, chunking: ChunkParams) -> None:
        self._settings = settings
        self._store = store
        self._embedder = embedder
        self._chunking = chunking

    def run(
        self,
        paths: Sequence[Path] = (),
        urls: Sequence[str] = (),
        progress: Progress | None = None,
        fetch_progress: FetchProgress | None = None,
    ) -> IngestReport:
        """Ingest files and links, as `rag ingest` does."""
        change = Update(tuple(paths), tuple(urls), fetch_progress=fetch_progress)
        try:
            return _bring_in(self._settings, self._store, self._embedder, change, progress, self._chunking)
        finally:
            self.close()

    def close(self) -> None:
        self._store.close()


def following_of(store: IndexStore) -> Following:
    return from_text(store.read_state(STATE_NAME))


def _still_alone(opened: IndexStore) -> bool:
    """Let go of the lock and take it back at once: False when another writer was waiting for it
    and now has it (the index is theirs to fill)."""
    opened.release_lock()
    try:
        opened.acquire_lock(wait=False)
    except IndexBusyError:
        return False
    return True


def rebuild_stories(settings: Settings, embedder: Embedder) -> None:
    """Recompute the stories of the whole index (`rag stories --rebuild`)."""
    from rag.stories.kept import rebuild_all

    opened = _open(settings, embedder, True, index_model(settings).chunking)
    try:
        opened.acquire_lock()
        rebuild_all(opened, embedder)
    finally:
        opened.close()


def unfollow(settings: Settings, embedder: Embedder, address: str) -> None:
    """Stop following `address`; what was read from it stays in the index."""
    opened = _open(settings, embedder, True, index_model(settings).chunking)
    try:
        opened.acquire_lock()
        following = following_of(opened)
        if address not in following.followed:
            raise RagError(f"{address} is not followed; `rag feeds` lists what is")
        opened.begin_writes().write_state(STATE_NAME, to_text(following.without(address)))
    finally:
        opened.close()


def _read(
    settings: Settings,
    paths: list[Path],
    urls: list[str],
    sources: dict[str, SourceState],
    fetch_progress: FetchProgress | None,
) -> Iterator[tuple[ReadResult, None]]:
    """What the files and then the links hold, read as the pipeline consumes it; what the visits
    to the links learn is written into `sources`."""
    for result in read_paths(paths):
        yield result, None
    if urls:
        from rag.ingest.sources import read_sources
        from rag.ingest.web import FetchSettings

        for result in read_sources(urls, FetchSettings.from_settings(settings), sources, progress=fetch_progress):
            yield result, None


def begin_ingest(settings: Settings, embedder: Embedder) -> IngestRun:
    """The write lock taken now (or a RagError naming who holds it), for a run later."""
    chunking = index_model(settings).chunking
    opened = _open(settings, embedder, True, chunking)
    try:
        opened.acquire_lock()
    except BaseException:
        opened.close()
        raise
    return IngestRun(settings, opened, embedder, chunking)


def _open(settings: Settings, embedder: Embedder, check: bool, chunking: ChunkParams) -> IndexStore:
    manifest = manifest_for(embedder, chunking)
    return open_index(
        settings.store, settings.index, manifest, create=True, check=check, api_key=settings.qdrant_api_key
    )


def _on_ray(
    settings: Settings,
    opened: IndexStore,
    embedder: Embedder,
    paths: list[Path],
    prune: bool,
    progress: Progress | None,
    model: IndexModel,
) -> IngestReport:
    from rag.ingest.on_ray import RaySettings, ray_ingest

    on_ray = RaySettings(settings.ray_address, 0, model.embedder, settings.model_cache)
    return ray_ingest(opened, embedder, paths, model.chunking, on_ray, prune, progress)
