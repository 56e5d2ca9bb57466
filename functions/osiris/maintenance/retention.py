"""``osiris retention run``: delete expired runs in bounded batches, from the listings.

For what lifecycle rules cannot express (or a store without them, like the local
directory). A run's age is its creation time, which its index entry carries; the
inverted timestamp sorts a namespace's index newest first, so "created at or before
the cut-off" is one listing per namespace and kind that starts after ``<inverted cut-off>``.

Each batch deletes, in this order, so no listing ever shows a run whose objects are
gone: all index entries of the batch (namespace, group, phase, commit and ref, learnt
from the run's document), then the documents, then the logs (a TaskRun's one per step).
A run that has children (a PipelineRun's TaskRuns) takes them with it. An interrupted
run leaves at worst runs that are no longer listed but still have their document and
logs: ``osiris verify`` reports them, and its repair re-lists them, after which the
next run deletes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from osiris.adapters.store import ObjectStore
from osiris.core.indexentry import invert_time
from osiris.core.keys import BuildRef, IndexEntry, KeyLayout
from osiris.core.rfc3339 import parse_timestamp
from osiris.errors import InvalidKeyError, InvalidNameError, NotFoundError
from osiris.kinds import KINDS, by_resource
from osiris.kinds.base import Kind
from osiris.maintenance.documents import DocumentError, parse_document
from osiris.maintenance.policy import DAY_SECONDS, RetentionPolicy
from osiris.maintenance.scan import all_objects, child_prefixes


@dataclass(frozen=True)
class Expired:
    kind: Kind
    ref: BuildRef
    entry: IndexEntry
    namespace_key: str


@dataclass(frozen=True)
class _Doomed:
    """One run's keys, in the three groups the batch deletes one after the other."""

    index: list[str]
    documents: list[str]
    logs: list[str]


@dataclass
class RetentionResult:
    examined: int = 0  # index entries at or past the shortest retention
    expired: int = 0  # runs deleted (or, in a dry run, that would be), children not counted
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
    for kind in KINDS:
        kind_layout = layout.for_kind(kind.keys)
        for namespace_prefix in child_prefixes(store, kind_layout.namespaces_prefix()):
            start = namespace_prefix + invert_time(cutoff)
            for info in all_objects(store, namespace_prefix, start_after=start):
                result.examined += 1
                try:
                    namespace, entry = kind_layout.parse_index_key(info.key)
                    ref = BuildRef(namespace, entry.name, entry.uid)
                except (InvalidKeyError, InvalidNameError):
                    continue  # not ours to delete; osiris verify reports it
                if entry.created <= now - policy.days_for(entry.phase) * DAY_SECONDS:
                    yield Expired(kind, ref, entry, info.key)


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
        doomed = [
            run
            for runs in pool.map(lambda item: _keys_of(store, layout, item), batch)
            for run in runs
        ]
    # Order matters: entries, then the commit markers, then the logs (see module doc).
    for keys in (
        sorted({k for run in doomed for k in run.index}),
        sorted({k for run in doomed for k in run.documents}),
        sorted({k for run in doomed for k in run.logs}),
    ):
        store.delete(keys)
        result.deleted_keys += len(keys)


def _keys_of(store: ObjectStore, layout: KeyLayout, item: Expired) -> list[_Doomed]:
    """The run's keys and those of its children."""
    kind_layout = layout.for_kind(item.kind.keys)
    run, document = _run_keys(store, kind_layout, item.kind, item.ref, item.entry)
    run.index.append(item.namespace_key)
    found = [run]
    for resource, name in item.kind.children(document) if document else []:
        child_kind = by_resource(resource)
        child_layout = layout.for_kind(child_kind.keys)
        for ref in _incarnations(store, child_layout, item.ref.namespace, name):
            child, child_document = _run_keys(store, child_layout, child_kind, ref, None)
            # A reused name: only the incarnation created while the parent ran goes.
            if child_document is None or _created_during(child_document, item.entry):
                found.append(child)
    return found


def _run_keys(
    store: ObjectStore, layout: KeyLayout, kind: Kind, ref: BuildRef, entry: IndexEntry | None
) -> tuple[_Doomed, dict[str, object] | None]:
    """Every key of one run: from its document if it can be read, else from the entry."""
    metadata_key = layout.metadata_key(ref)
    try:
        body = store.get(metadata_key)
        stored = parse_document(layout, kind, ref, body)
        document = json.loads(body)
    except (NotFoundError, DocumentError):
        # Without a document the commit and ref entries cannot be found, nor the logs'
        # names: the index entry gives the rest, a listing the logs; verify reports it.
        index = layout.index_keys(ref.namespace, entry, None) if entry else []
        logs = [info.key for info in all_objects(store, layout.object_prefix(ref))]
        return _Doomed(index, [metadata_key], [k for k in logs if k != metadata_key]), None
    logs = [layout.log_key(ref, log.step) for log in stored.logs if log.archived]
    return _Doomed(list(stored.index_keys), [metadata_key], logs), document


def _incarnations(
    store: ObjectStore, layout: KeyLayout, namespace: str, name: str
) -> list[BuildRef]:
    try:
        prefix = layout.build_prefix(namespace, name)
    except InvalidNameError:
        return []
    refs = []
    for common in child_prefixes(store, prefix):
        try:
            refs.append(BuildRef(namespace, name, common[len(prefix) :].rstrip("/")))
        except InvalidNameError:
            continue
    return refs


def _created_during(document: dict[str, object], parent: IndexEntry) -> bool:
    created = document.get("created")
    try:
        moment = parse_timestamp(created, "created") if isinstance(created, str) else None
    except InvalidNameError:
        return False
    end = parent.completed if parent.completed is not None else moment
    return moment is not None and end is not None and parent.created <= moment <= end
