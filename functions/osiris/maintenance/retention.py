"""``osiris retention run``: delete expired builds in bounded batches, from the listings.

For what lifecycle rules cannot express (or a store without them, like the local
directory). A build's age is its creation time, which its index entry carries; the
inverted timestamp sorts a namespace's index newest first, so "created at or before
the cut-off" is one listing per namespace that starts after ``<inverted cut-off>``.

Each batch deletes, in this order, so no listing ever shows a build whose objects are
gone: all index entries of the batch (namespace, BuildConfig and commit, the latter
learnt from ``build.json``), then the ``build.json`` documents, then the logs. An
interrupted run leaves at worst builds that are no longer listed but still have their
``build.json`` and log: ``osiris verify`` reports them, and its repair re-lists them,
after which the next run deletes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from osiris.adapters.store import ObjectStore
from osiris.core.keys import BuildRef, IndexEntry, KeyLayout, invert_time
from osiris.errors import InvalidKeyError, InvalidNameError, NotFoundError
from osiris.maintenance.documents import DocumentError, parse_document
from osiris.maintenance.policy import DAY_SECONDS, RetentionPolicy
from osiris.maintenance.scan import all_objects, child_prefixes


@dataclass(frozen=True)
class Expired:
    ref: BuildRef
    entry: IndexEntry
    namespace_key: str


@dataclass
class RetentionResult:
    examined: int = 0  # index entries at or past the shortest retention
    expired: int = 0  # builds deleted (or, in a dry run, that would be)
    deleted_keys: int = 0  # keys sent to DeleteObjects (absent ones included)
    batches: int = 0


def run_retention(
    store: ObjectStore,
    layout: KeyLayout,
    policy: RetentionPolicy,
    now: datetime,
    *,
    batch_size: int = 1000,
    dry_run: bool = False,
    workers: int = 8,
    progress: Callable[[RetentionResult, list[BuildRef]], None] = lambda _r, _b: None,
) -> RetentionResult:
    if batch_size < 1:
        raise ValueError("the batch size must be at least 1")
    result = RetentionResult()
    batch: list[Expired] = []
    for candidate in _expired(store, layout, policy, int(now.timestamp()), result):
        batch.append(candidate)
        if len(batch) == batch_size:
            _finish(store, layout, batch, result, dry_run=dry_run, workers=workers)
            progress(result, [item.ref for item in batch])
            batch = []
    if batch:
        _finish(store, layout, batch, result, dry_run=dry_run, workers=workers)
        progress(result, [item.ref for item in batch])
    return result


def _expired(
    store: ObjectStore,
    layout: KeyLayout,
    policy: RetentionPolicy,
    now: int,
    result: RetentionResult,
) -> Iterator[Expired]:
    # Nothing younger than the shortest retention can be expired: start listing there.
    cutoff = max(0, now - policy.shortest * DAY_SECONDS)
    for namespace_prefix in child_prefixes(store, layout.namespaces_prefix()):
        start = namespace_prefix + invert_time(cutoff)
        for info in all_objects(store, namespace_prefix, start_after=start):
            result.examined += 1
            try:
                namespace, entry = layout.parse_index_key(info.key)
                ref = BuildRef(namespace, entry.name, entry.uid)
            except (InvalidKeyError, InvalidNameError):
                continue  # not ours to delete; osiris verify reports it
            if entry.created <= now - policy.days_for(entry.phase) * DAY_SECONDS:
                yield Expired(ref, entry, info.key)


def _finish(
    store: ObjectStore,
    layout: KeyLayout,
    batch: list[Expired],
    result: RetentionResult,
    *,
    dry_run: bool,
    workers: int,
) -> None:
    result.batches += 1
    result.expired += len(batch)
    if dry_run:
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="retention") as pool:
        found = pool.map(lambda item: _index_keys(store, layout, item), batch)
        index_keys = [key for keys in found for key in keys]
    metadata_keys = [layout.metadata_key(item.ref) for item in batch]
    log_keys = [layout.log_key(item.ref) for item in batch]
    # Order matters: entries, then the commit marker, then the log (see module doc).
    for keys in (index_keys, metadata_keys, log_keys):
        store.delete(keys)
        result.deleted_keys += len(keys)


def _index_keys(store: ObjectStore, layout: KeyLayout, item: Expired) -> list[str]:
    """Every index entry of the build: from build.json if it can be read, else the entry."""
    keys = {item.namespace_key}
    try:
        stored = parse_document(layout, item.ref, store.get(layout.metadata_key(item.ref)))
        keys.update(stored.index_keys)
    except (NotFoundError, DocumentError):
        # Without build.json the commit entry cannot be found; verify reports it later.
        keys.update(layout.index_keys(item.ref.namespace, item.entry, None))
    return sorted(keys)
