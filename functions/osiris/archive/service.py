"""Archive one run of any kind: decide, stream its logs, write the index, commit.

The order of writes is what makes the archive safe without a database:

1. the logs (a Build's one, a TaskRun's one per step, one after the other), each as a
   multipart upload that is visible only once complete (aborted on failure);
2. the index entries (cheap empty objects; rewriting them is harmless);
3. the metadata document (``build.json``, ``taskrun.json``, ...) last, with
   ``If-None-Match: *``: the commit marker.

A redelivered event finds the document with one HEAD and stops. A crash before step 3
leaves no marker, so the next delivery redoes the work and rewrites identical bytes
(the gzip encoding is deterministic). A finished run never changes, so the first
complete document is final: an older or concurrent event cannot overwrite it — with
one exception, a document with fewer logs archived is replaced by one with more.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from osiris.adapters.runs import RunSource
from osiris.adapters.store import ObjectStore
from osiris.archive.gzipstream import StreamDigest, gzip_stream
from osiris.archive.multipart import upload_stream
from osiris.buffers import BlockPool
from osiris.compression import BLOCK_SIZE, DEFAULT, Deflate
from osiris.core.events import RunEvent
from osiris.core.findings import FindingScanner
from osiris.core.keys import KeyLayout
from osiris.core.metadata import (
    LOG_CONTENT_ENCODING,
    LOG_CONTENT_TYPE,
    METADATA_CONTENT_TYPE,
    ArchivedLog,
    UnavailableLog,
    encode,
    index_finding,
)
from osiris.core.restarts import RESTART_INTERVAL, RestartRecorder
from osiris.core.rules import RuleSet
from osiris.errors import LogUnavailableError, NotFoundError, PreconditionFailedError
from osiris.kinds.base import Archiving, Kind, LogPart, LogResult, RunFacts

INDEX_CONTENT_TYPE = "application/x-osiris-index"
# Every object of a build carries its phase, so lifecycle rules can keep failed
# builds longer than successful ones (see docs/retention.md).
PHASE_TAG = "osiris-phase"


def phase_tags(phase: str) -> dict[str, str]:
    return {PHASE_TAG: phase}


class Decision(enum.Enum):
    IGNORED = "ignored"
    ARCHIVED = "archived"
    ALREADY_ARCHIVED = "already archived"
    LOG_UNAVAILABLE = "log unavailable"


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    reason: str = ""
    bytes_in: int = 0
    bytes_out: int = 0


@dataclass(frozen=True)
class StreamSettings:
    part_size: int
    gzip_level: int = 1
    compress_workers: int = 2
    upload_concurrency: int = 2
    deflate: Deflate = DEFAULT
    restart_interval: int = RESTART_INTERVAL  # raw bytes between a log's restart points


class Archiver:
    def __init__(
        self,
        store: ObjectStore,
        runs: RunSource,
        layout: KeyLayout,
        settings: StreamSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rules: RuleSet | None = None,
    ) -> None:
        """``rules`` None: no findings (the entry points pass the configured rules).

        ``layout`` names the prefix and cluster; each kind's keys come from it.
        """
        self._store = store
        self._rules = rules or RuleSet(())
        self._runs = runs
        self._layout = layout
        self._settings = settings
        self._clock = clock
        self._index_writers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="index")

    def handle(self, event: RunEvent) -> Outcome:
        kind = event.kind
        obj = event.obj
        if obj is None:  # Reference mode: the event only names the run
            try:
                obj = self._runs.get_object(kind.object_path(event.namespace, event.name))
            except NotFoundError:
                return Outcome(Decision.IGNORED, f"the {kind.kind} is gone from the cluster")
        facts = kind.parse(obj)
        if not facts.finished:
            return Outcome(Decision.IGNORED, f"phase {facts.phase} is not final")
        layout = self._layout.for_kind(kind.keys)
        if self._store.head(layout.metadata_key(facts.ref)) is not None:
            return Outcome(Decision.ALREADY_ARCHIVED)
        return self._archive(kind, facts, event.id, event.type)

    def _archive(self, kind: Kind, facts: RunFacts, event_id: str, event_type: str) -> Outcome:
        layout = self._layout.for_kind(kind.keys)
        logs = {part.step: self._archive_log(layout, facts, part) for part in facts.log_parts()}
        index_keys = self._write_index(layout, facts, logs)
        archiving = Archiving(layout.cluster, self._clock(), event_id, event_type)
        document = kind.document(facts, logs, archiving)
        decision = self._commit(layout, kind, facts, document, index_keys)
        archived = [log for log in logs.values() if isinstance(log, ArchivedLog)]
        missing = [log.reason for log in logs.values() if isinstance(log, UnavailableLog)]
        if missing and not archived:
            if decision is Decision.ARCHIVED:
                decision = Decision.LOG_UNAVAILABLE
            return Outcome(decision, "; ".join(dict.fromkeys(missing)))
        return Outcome(
            decision,
            "; ".join(dict.fromkeys(missing)),
            sum(log.raw_bytes for log in archived),
            sum(log.compressed_bytes for log in archived),
        )

    def _archive_log(self, layout: KeyLayout, facts: RunFacts, part: LogPart) -> LogResult:
        # The reader's blocks come back once compressed and digested: no fresh pages. At
        # most 2 * workers blocks wait for deflate and as many for the digest (gzip_stream).
        buffers = BlockPool(BLOCK_SIZE, keep=4 * self._settings.compress_workers + 2)
        try:
            stream = self._runs.open_log(part, buffers)
        except LogUnavailableError as exc:
            return UnavailableLog(exc.reason or exc.message)
        key = layout.log_key(facts.ref, part.step)
        digest = StreamDigest()
        restarts = RestartRecorder(self._settings.restart_interval)
        scanner = FindingScanner(self._rules)
        tags = phase_tags(facts.phase)
        try:
            compressed = upload_stream(
                gzip_stream(
                    stream,
                    digest,
                    level=self._settings.gzip_level,
                    workers=self._settings.compress_workers,
                    deflate=self._settings.deflate,
                    restarts=restarts,
                    taps=[scanner.feed] if self._rules else [],
                    recycle=buffers.give,
                ),
                put_whole=lambda data: self._store.put(
                    key,
                    data,
                    content_type=LOG_CONTENT_TYPE,
                    content_encoding=LOG_CONTENT_ENCODING,
                    tags=tags,
                ),
                start_multipart=lambda: self._store.start_upload(
                    key,
                    content_type=LOG_CONTENT_TYPE,
                    content_encoding=LOG_CONTENT_ENCODING,
                    tags=tags,
                ),
                part_size=self._settings.part_size,
                concurrency=self._settings.upload_concurrency,
            )
        finally:
            stream.close()
        return ArchivedLog(
            key,
            digest.raw_bytes,
            compressed,
            digest.line_count,
            digest.sha256,
            tuple(scanner.finish()),
            restarts.points,
        )

    def _write_index(
        self, layout: KeyLayout, facts: RunFacts, logs: dict[str | None, LogResult]
    ) -> list[str]:
        keys = _index_keys(layout, facts, *_entry_log_fields(logs))
        tags = phase_tags(facts.phase)

        def put(key: str) -> None:
            self._store.put(key, b"", content_type=INDEX_CONTENT_TYPE, tags=tags)

        # Independent small writes: in parallel, so their round trips do not add up.
        list(self._index_writers.map(put, keys))
        return keys

    def _commit(
        self,
        layout: KeyLayout,
        kind: Kind,
        facts: RunFacts,
        document: dict[str, object],
        index_keys: list[str],
    ) -> Decision:
        key = layout.metadata_key(facts.ref)
        body = encode(document)
        tags = phase_tags(facts.phase)
        try:
            self._store.put(
                key, body, content_type=METADATA_CONTENT_TYPE, if_none_match=True, tags=tags
            )
            return Decision.ARCHIVED
        except PreconditionFailedError:
            pass
        # A concurrent delivery of the same run committed first.
        winner = json.loads(self._store.get(key))
        if archived_logs(kind, document) > archived_logs(kind, winner):
            self._store.put(key, body, content_type=METADATA_CONTENT_TYPE, tags=tags)
            self._drop_index(layout, kind, facts, winner, keep=index_keys)
            return Decision.ARCHIVED
        self._drop_index(
            layout, kind, facts, document, keep=self._index_keys_of(layout, kind, facts, winner)
        )
        return Decision.ALREADY_ARCHIVED

    def _index_keys_of(
        self, layout: KeyLayout, kind: Kind, facts: RunFacts, document: dict[str, object]
    ) -> list[str]:
        sizes = [
            section.get("rawBytes")
            for _, section in kind.log_sections(dict(document))
            if isinstance(section, dict) and section.get("state") == "archived"
        ]
        raw = sum(size for size in sizes if isinstance(size, int)) if sizes else None
        return _index_keys(layout, facts, raw, index_finding(dict(document)))

    def _drop_index(
        self,
        layout: KeyLayout,
        kind: Kind,
        facts: RunFacts,
        loser: dict[str, object],
        keep: list[str],
    ) -> None:
        stale = [key for key in self._index_keys_of(layout, kind, facts, loser) if key not in keep]
        if stale:
            self._store.delete(stale)


def archived_logs(kind: Kind, document: dict[str, object]) -> int:
    """How many of a document's logs are archived: the better of two documents has more."""
    return sum(
        1
        for _, section in kind.log_sections(dict(document))
        if isinstance(section, dict) and section.get("state") == "archived"
    )


def _entry_log_fields(logs: dict[str | None, LogResult]) -> tuple[int | None, str | None]:
    """The index entry's log size (of the archived logs; None if none is) and finding."""
    archived = [log for log in logs.values() if isinstance(log, ArchivedLog)]
    if not archived:
        return None, None
    findings = sorted(
        (finding.rank, order, finding.rule)
        for order, log in enumerate(archived)
        for finding in log.findings[:1]
    )
    return sum(log.raw_bytes for log in archived), findings[0][2] if findings else None


def _index_keys(
    layout: KeyLayout, facts: RunFacts, log_bytes: int | None, finding: str | None
) -> list[str]:
    entry = facts.index_entry(log_bytes, finding)
    return layout.index_keys(facts.ref.namespace, entry, facts.commit, facts.git_ref)
