"""``osiris verify``: read the bucket and report what the write order should have prevented.

The archive function writes a build's log, then its index entries, then ``build.json``
(the commit marker). Crashes, lost races and manual edits can still leave:

- a log without ``build.json`` (the crash came before the commit marker);
- ``build.json`` without some of its index entries (no listing finds the build);
- an index entry without ``build.json`` (a listing shows a build that is not there),
  or one that disagrees with ``build.json``;
- a multipart upload nobody completed or aborted (it costs storage, lists nowhere);
- a log whose size or sha256 is not what ``build.json`` says.

Objects younger than the grace period are left alone: they may belong to an archive
that is still being written. ``repair`` fixes what the bucket itself can fix: missing
index entries are rewritten from ``build.json``, orphans and stale uploads removed.
A log that is missing or differs from its metadata cannot be repaired from the bucket.

Memory grows with the number of builds (every key of the cluster is held once, about
200 bytes each); reading a log for ``check_content`` is streamed.
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
from osiris.core.keys import LOG_OBJECT, BuildRef, KeyLayout
from osiris.errors import InvalidKeyError, InvalidNameError, NotFoundError
from osiris.maintenance.content import digest_log
from osiris.maintenance.documents import DocumentError, StoredBuild, parse_document
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
    builds: int = 0
    index_entries: int = 0
    uploads: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        """True when nothing is left to fix (every finding was repaired)."""
        return all(finding.repaired for finding in self.findings)


@dataclass
class _Build:
    log: ObjectInfo | None = None
    metadata: ObjectInfo | None = None


@dataclass(frozen=True)
class _Read:
    ref: BuildRef
    stored: StoredBuild | None
    problem: str | None


def verify(
    store: MaintainedStore,
    layout: KeyLayout,
    options: VerifyOptions,
    now: datetime,
    progress: Callable[[str], None] = lambda _message: None,
) -> Report:
    report = Report()
    settled = now - options.grace

    def old(moment: datetime) -> bool:
        return moment <= settled

    progress("listing builds")
    builds = _list_builds(store, layout, report)
    progress("listing index entries")
    index = _list_index(store, layout, report)
    report.builds = len(builds)
    report.index_entries = len(index)

    expected: set[str] = set()
    unreadable: set[BuildRef] = set()
    with_metadata = [ref for ref, build in builds.items() if build.metadata is not None]
    progress(f"reading {len(with_metadata)} build.json documents")
    for read in _read_documents(store, layout, with_metadata, options.workers):
        build = builds[read.ref]
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
                report.findings.append(_repair_missing_entry(store, key, stored, options.repair))
        report.findings.extend(_check_log(store, layout, stored, build.log, options))

    for build in builds.values():
        if build.metadata is None and build.log is not None and old(build.log.last_modified):
            report.findings.append(
                Finding(Kind.LOG_WITHOUT_METADATA, build.log.key, "no build.json beside it")
            )

    for key, (ref, info) in index.items():
        if key in expected or ref in unreadable or not old(info.last_modified):
            continue
        if ref in builds and builds[ref].metadata is not None:
            report.findings.append(
                Finding(Kind.STALE_INDEX_ENTRY, key, "differs from what build.json says")
            )
        else:
            report.findings.append(Finding(Kind.ORPHAN_INDEX_ENTRY, key, "no build.json"))

    progress("listing multipart uploads")
    for upload in store.list_uploads(layout.root):
        report.uploads += 1
        if old(upload.initiated):
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


def _list_builds(
    store: MaintainedStore, layout: KeyLayout, report: Report
) -> dict[BuildRef, _Build]:
    builds: dict[BuildRef, _Build] = {}
    for info in all_objects(store, layout.root + "builds/"):
        try:
            ref, name = layout.parse_object_key(info.key)
        except (InvalidKeyError, InvalidNameError):
            report.findings.append(Finding(Kind.STRAY_OBJECT, info.key, "not a build object key"))
            continue
        build = builds.setdefault(ref, _Build())
        if name == LOG_OBJECT:
            build.log = info
        else:
            build.metadata = info
    return builds


def _list_index(
    store: MaintainedStore, layout: KeyLayout, report: Report
) -> dict[str, tuple[BuildRef, ObjectInfo]]:
    index: dict[str, tuple[BuildRef, ObjectInfo]] = {}
    for info in all_objects(store, layout.root + "index/"):
        try:
            namespace, entry = layout.parse_index_key(info.key)
            ref = BuildRef(namespace, entry.name, entry.uid)
        except (InvalidKeyError, InvalidNameError):
            report.findings.append(Finding(Kind.STRAY_OBJECT, info.key, "not an index key"))
            continue
        index[info.key] = (ref, info)
    return index


def _read_documents(
    store: MaintainedStore, layout: KeyLayout, refs: list[BuildRef], workers: int
) -> Iterator[_Read]:
    def read(ref: BuildRef) -> _Read:
        try:
            body = store.get(layout.metadata_key(ref))
        except NotFoundError:
            return _Read(ref, None, "build.json disappeared while verifying")
        try:
            return _Read(ref, parse_document(layout, ref, body), None)
        except DocumentError as exc:
            return _Read(ref, None, str(exc))

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="verify") as pool:
        yield from pool.map(read, refs)


def _repair_missing_entry(
    store: MaintainedStore, key: str, stored: StoredBuild, repair: bool
) -> Finding:
    if repair:
        # Tagged like the archive function's own entries, so lifecycle rules see them.
        store.put(key, b"", content_type=INDEX_CONTENT_TYPE, tags=phase_tags(stored.phase))
    return Finding(
        Kind.MISSING_INDEX_ENTRY, key, f"build.json of {stored.ref.name} lists it", repair
    )


def _check_log(
    store: MaintainedStore,
    layout: KeyLayout,
    stored: StoredBuild,
    log: ObjectInfo | None,
    options: VerifyOptions,
) -> list[Finding]:
    key = layout.log_key(stored.ref)
    if not stored.log_archived:
        if log is not None:
            return [Finding(Kind.UNREFERENCED_LOG, key, "build.json says the log is unavailable")]
        return []
    if log is None:
        return [Finding(Kind.MISSING_LOG, key, "build.json says the log is archived")]
    if stored.compressed_bytes is not None and log.size != stored.compressed_bytes:
        return [
            Finding(
                Kind.SIZE_MISMATCH,
                key,
                f"{log.size} bytes stored, build.json says {stored.compressed_bytes}",
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
                f"{digest.raw_bytes} bytes uncompressed, build.json says {stored.raw_bytes}",
            )
        ]
    if stored.sha256 is not None and digest.sha256 != stored.sha256:
        return [Finding(Kind.CONTENT_MISMATCH, key, "sha256 differs from build.json")]
    return []


def _delete_orphans(store: MaintainedStore, findings: list[Finding]) -> list[Finding]:
    deletable = {Kind.LOG_WITHOUT_METADATA, Kind.ORPHAN_INDEX_ENTRY, Kind.STALE_INDEX_ENTRY}
    doomed = [finding for finding in findings if finding.kind in deletable]
    # Index entries first: a listing must never show a build whose objects are gone.
    entries = [f.key for f in doomed if f.kind is not Kind.LOG_WITHOUT_METADATA]
    logs = [f.key for f in doomed if f.kind is Kind.LOG_WITHOUT_METADATA]
    if entries:
        store.delete(entries)
    if logs:
        store.delete(logs)
    return [Finding(f.kind, f.key, f.detail, True) if f.kind in deletable else f for f in findings]
