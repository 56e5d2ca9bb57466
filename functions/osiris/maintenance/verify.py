"""``osiris verify``: read the bucket and report what the write order should have prevented.

The archive function writes a run's logs, then its index entries, then its document
(``build.json``, ``taskrun.json``, ...: the commit marker), for every kind of run
(:mod:`osiris.kinds`). Crashes, lost races and manual edits can still leave:

- a log without a document (the crash came before the commit marker);
- a document without some of its index entries (no listing finds the run);
- an index entry without a document (a listing shows a run that is not there),
  or one that disagrees with the document;
- a multipart upload nobody completed or aborted (it costs storage, lists nowhere);
- a log whose size or sha256 is not what the document says.

Objects younger than the grace period are left alone: they may belong to an archive
that is still being written. ``repair`` fixes what the bucket itself can fix: missing
index entries are rewritten from ``build.json``, orphans and stale uploads removed.
A log that is missing or differs from its metadata cannot be repaired from the bucket.

Memory grows with the number of runs of the kind being checked (every key is held once,
about 200 bytes each); reading a log for ``check_content`` is streamed.
"""

from __future__ import annotations

import enum
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from osiris.adapters.store import MaintainedStore, ObjectInfo
from osiris.archive.service import INDEX_CONTENT_TYPE, phase_tags
from osiris.core.keys import BuildRef, KeyLayout
from osiris.errors import InvalidKeyError, InvalidNameError, NotFoundError
from osiris.kinds import KINDS
from osiris.kinds.base import Kind as RunKind
from osiris.maintenance.content import digest_log
from osiris.maintenance.documents import DocumentError, StoredLog, StoredRun, parse_document
from osiris.maintenance.scan import all_objects


class Kind(enum.Enum):
    LOG_WITHOUT_METADATA = "log-without-metadata"
    MISSING_INDEX_ENTRY = "missing-index-entry"
    ORPHAN_INDEX_ENTRY = "orphan-index-entry"
    STALE_INDEX_ENTRY = "stale-index-entry"
    INCOMPLETE_UPLOAD = "incomplete-upload"
    MISSING_LOG = "missing-log"
    UNREFERENCED_LOG = "unreferenced-log"
    SIZE_MISMATCH = "size-mismatch"
    CONTENT_MISMATCH = "content-mismatch"
    BAD_METADATA = "bad-metadata"
    STRAY_OBJECT = "stray-object"


REPAIRABLE = frozenset(
    {
        Kind.LOG_WITHOUT_METADATA,
        Kind.MISSING_INDEX_ENTRY,
        Kind.ORPHAN_INDEX_ENTRY,
        Kind.STALE_INDEX_ENTRY,
        Kind.INCOMPLETE_UPLOAD,
    }
)


@dataclass(frozen=True)
class Finding:
    kind: Kind
    key: str
    detail: str
    repaired: bool = False

    @property
    def repairable(self) -> bool:
        return self.kind in REPAIRABLE


@dataclass(frozen=True)
class VerifyOptions:
    grace: timedelta = timedelta(hours=1)
    repair: bool = False
    check_content: bool = False
    workers: int = 8


@dataclass
class Report:
    runs: int = 0  # of every kind
    index_entries: int = 0
    uploads: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        """True when nothing is left to fix (every finding was repaired)."""
        return all(finding.repaired for finding in self.findings)


@dataclass
class _Run:
    logs: dict[str, ObjectInfo] = field(default_factory=dict)  # by key
    metadata: ObjectInfo | None = None


@dataclass(frozen=True)
class _Read:
    ref: BuildRef
    stored: StoredRun | None
    problem: str | None


def verify(
    store: MaintainedStore,
    layout: KeyLayout,
    options: VerifyOptions,
    now: datetime,
    progress: Callable[[str], None] = lambda _message: None,
    kinds: tuple[RunKind, ...] = KINDS,
) -> Report:
    """Check every kind's runs and index under ``layout``'s prefix and cluster."""
    report = Report()
    settled = now - options.grace
    for kind in kinds:
        _verify_kind(store, layout.for_kind(kind.keys), kind, options, settled, report, progress)

    progress("listing multipart uploads")
    for upload in store.list_uploads(layout.root):
        report.uploads += 1
        if upload.initiated <= settled:
            repaired = False
            if options.repair:
                store.abort_upload(upload.key, upload.upload_id)
                repaired = True
            report.findings.append(
                Finding(
                    Kind.INCOMPLETE_UPLOAD,
                    upload.key,
                    f"upload {upload.upload_id} started {upload.initiated:%Y-%m-%dT%H:%M:%SZ}",
                    repaired,
                )
            )

    if options.repair:
        report.findings = _delete_orphans(store, report.findings)
    return report


def _verify_kind(
    store: MaintainedStore,
    layout: KeyLayout,
    kind: RunKind,
    options: VerifyOptions,
    settled: datetime,
    report: Report,
    progress: Callable[[str], None],
) -> None:
    document = kind.keys.document
    progress(f"listing {kind.keys.resource}")
    runs = _list_runs(store, layout, report)
    progress(f"listing the {kind.keys.resource} index")
    index = _list_index(store, layout, report)
    report.runs += len(runs)
    report.index_entries += len(index)

    expected: set[str] = set()
    unreadable: set[BuildRef] = set()
    with_metadata = [ref for ref, run in runs.items() if run.metadata is not None]
    progress(f"reading {len(with_metadata)} {document} documents")
    for read in _read_documents(store, layout, kind, with_metadata, options.workers):
        run = runs[read.ref]
        if read.stored is None:
            unreadable.add(read.ref)
            report.findings.append(
                Finding(Kind.BAD_METADATA, layout.metadata_key(read.ref), read.problem or "")
            )
            continue
        stored = read.stored
        expected.update(stored.index_keys)
        for key in stored.index_keys:
            if key not in index:
                report.findings.append(
                    _repair_missing_entry(store, key, stored, document, options.repair)
                )
        report.findings.extend(_check_logs(store, layout, document, stored, run, options))

    for run in runs.values():
        if run.metadata is None:
            report.findings.extend(
                Finding(Kind.LOG_WITHOUT_METADATA, info.key, f"no {document} beside it")
                for info in run.logs.values()
                if info.last_modified <= settled
            )

    for key, (ref, info) in index.items():
        if key in expected or ref in unreadable or info.last_modified > settled:
            continue
        if ref in runs and runs[ref].metadata is not None:
            report.findings.append(
                Finding(Kind.STALE_INDEX_ENTRY, key, f"differs from what {document} says")
            )
        else:
            report.findings.append(Finding(Kind.ORPHAN_INDEX_ENTRY, key, f"no {document}"))


def _list_runs(store: MaintainedStore, layout: KeyLayout, report: Report) -> dict[BuildRef, _Run]:
    runs: dict[BuildRef, _Run] = {}
    for info in all_objects(store, layout.objects_prefix()):
        try:
            ref, name = layout.parse_object_key(info.key)
        except (InvalidKeyError, InvalidNameError):
            report.findings.append(Finding(Kind.STRAY_OBJECT, info.key, "not a run object key"))
            continue
        run = runs.setdefault(ref, _Run())
        if name == layout.kind.document:
            run.metadata = info
        else:
            run.logs[info.key] = info
    return runs


def _list_index(
    store: MaintainedStore, layout: KeyLayout, report: Report
) -> dict[str, tuple[BuildRef, ObjectInfo]]:
    # The Builds' index root (index/) holds the other kinds' roots (index/taskruns/...):
    # those are checked with their own kind.
    nested = tuple(
        f"{layout.root}index/{kind.keys.index_root}"
        for kind in KINDS
        if kind.keys.index_root and kind.keys != layout.kind
    )
    index: dict[str, tuple[BuildRef, ObjectInfo]] = {}
    for info in all_objects(store, layout.index_root):
        if layout.kind.index_root == "" and info.key.startswith(nested):
            continue
        try:
            namespace, entry = layout.parse_index_key(info.key)
            ref = BuildRef(namespace, entry.name, entry.uid)
        except (InvalidKeyError, InvalidNameError):
            report.findings.append(Finding(Kind.STRAY_OBJECT, info.key, "not an index key"))
            continue
        index[info.key] = (ref, info)
    return index


def _read_documents(
    store: MaintainedStore, layout: KeyLayout, kind: RunKind, refs: list[BuildRef], workers: int
) -> Iterator[_Read]:
    def read(ref: BuildRef) -> _Read:
        try:
            body = store.get(layout.metadata_key(ref))
        except NotFoundError:
            return _Read(ref, None, f"{kind.keys.document} disappeared while verifying")
        try:
            return _Read(ref, parse_document(layout, kind, ref, body), None)
        except DocumentError as exc:
            return _Read(ref, None, str(exc))

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="verify") as pool:
        yield from pool.map(read, refs)


def _repair_missing_entry(
    store: MaintainedStore, key: str, stored: StoredRun, document: str, repair: bool
) -> Finding:
    if repair:
        # Tagged like the archive function's own entries, so lifecycle rules see them.
        store.put(key, b"", content_type=INDEX_CONTENT_TYPE, tags=phase_tags(stored.phase))
    return Finding(
        Kind.MISSING_INDEX_ENTRY, key, f"{document} of {stored.ref.name} lists it", repair
    )


def _check_logs(
    store: MaintainedStore,
    layout: KeyLayout,
    document: str,
    stored: StoredRun,
    run: _Run,
    options: VerifyOptions,
) -> list[Finding]:
    findings: list[Finding] = []
    described = set()
    for log in stored.logs:
        key = layout.log_key(stored.ref, log.step)
        described.add(key)
        findings += _check_log(store, key, document, log, run.logs.get(key), options)
    findings += [
        Finding(Kind.UNREFERENCED_LOG, key, f"{document} does not name this log")
        for key in run.logs
        if key not in described
    ]
    return findings


def _check_log(
    store: MaintainedStore,
    key: str,
    document: str,
    stored: StoredLog,
    log: ObjectInfo | None,
    options: VerifyOptions,
) -> list[Finding]:
    if not stored.archived:
        if log is not None:
            return [Finding(Kind.UNREFERENCED_LOG, key, f"{document} says the log is unavailable")]
        return []
    if log is None:
        return [Finding(Kind.MISSING_LOG, key, f"{document} says the log is archived")]
    if stored.compressed_bytes is not None and log.size != stored.compressed_bytes:
        return [
            Finding(
                Kind.SIZE_MISMATCH,
                key,
                f"{log.size} bytes stored, {document} says {stored.compressed_bytes}",
            )
        ]
    if not options.check_content:
        return []
    try:
        digest = digest_log(store, key)
    except zlib.error as exc:
        return [Finding(Kind.CONTENT_MISMATCH, key, f"not a valid gzip stream: {exc}")]
    if stored.raw_bytes is not None and digest.raw_bytes != stored.raw_bytes:
        return [
            Finding(
                Kind.CONTENT_MISMATCH,
                key,
                f"{digest.raw_bytes} bytes uncompressed, {document} says {stored.raw_bytes}",
            )
        ]
    if stored.sha256 is not None and digest.sha256 != stored.sha256:
        return [Finding(Kind.CONTENT_MISMATCH, key, f"sha256 differs from {document}")]
    return []


def _delete_orphans(store: MaintainedStore, findings: list[Finding]) -> list[Finding]:
    deletable = {Kind.LOG_WITHOUT_METADATA, Kind.ORPHAN_INDEX_ENTRY, Kind.STALE_INDEX_ENTRY}
    doomed = [finding for finding in findings if finding.kind in deletable]
    # Index entries first: a listing must never show a run whose objects are gone.
    entries = [f.key for f in doomed if f.kind is not Kind.LOG_WITHOUT_METADATA]
    logs = [f.key for f in doomed if f.kind is Kind.LOG_WITHOUT_METADATA]
    if entries:
        store.delete(entries)
    if logs:
        store.delete(logs)
    return [Finding(f.kind, f.key, f.detail, True) if f.kind in deletable else f for f in findings]
