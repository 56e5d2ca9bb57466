"""Archive one build: decide, stream the log, write the index, commit the metadata.

The order of writes is what makes the archive safe without a database:

1. the log, as a multipart upload that is visible only once complete (aborted on failure);
2. the index entries (cheap empty objects; rewriting them is harmless);
3. ``build.json`` last, with ``If-None-Match: *``: the commit marker.

A redelivered event finds ``build.json`` with one HEAD and stops. A crash before step 3
leaves no marker, so the next delivery redoes the work and rewrites identical bytes
(the gzip encoding is deterministic). A finished build never changes, so the first
complete ``build.json`` is final: an older or concurrent event cannot overwrite it —
with one exception, a document that says the log was unavailable is replaced by one
that has the log.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from osiris.adapters.openshift import BuildSource
from osiris.adapters.store import ObjectStore
from osiris.archive.gzipstream import StreamDigest, gzip_stream
from osiris.archive.multipart import upload_stream
from osiris.compression import DEFAULT, Deflate
from osiris.core.builds import BuildFacts, parse_build
from osiris.core.events import BuildEvent
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
    log_state,
    metadata_document,
)
from osiris.core.rules import RuleSet
from osiris.errors import LogUnavailableError, NotFoundError, PreconditionFailedError

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


class Archiver:
    def __init__(
        self,
        store: ObjectStore,
        builds: BuildSource,
        layout: KeyLayout,
        settings: StreamSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rules: RuleSet | None = None,
    ) -> None:
        """``rules`` None: no findings (the entry points pass the configured rules)."""
        self._store = store
        self._rules = rules or RuleSet(())
        self._builds = builds
        self._layout = layout
        self._settings = settings
        self._clock = clock
        self._index_writers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="index")

    def handle(self, event: BuildEvent) -> Outcome:
        build = event.build
        if build is None:  # Reference mode: the event only names the build
            try:
                build = self._builds.get_build(event.namespace, event.name)
            except NotFoundError:
                return Outcome(Decision.IGNORED, "the build is gone from the cluster")
        facts = parse_build(build)
        if not facts.finished:
            return Outcome(Decision.IGNORED, f"phase {facts.phase} is not final")
        if self._store.head(self._layout.metadata_key(facts.ref)) is not None:
            return Outcome(Decision.ALREADY_ARCHIVED)
        return self.archive(facts, event.id, event.type)

    def archive(self, facts: BuildFacts, event_id: str, event_type: str) -> Outcome:
        log = self._archive_log(facts)
        index_keys = self._write_index(facts, log)
        document = metadata_document(
            facts,
            cluster=self._layout.cluster,
            log=log,
            archived_at=self._clock(),
            event_id=event_id,
            event_type=event_type,
        )
        decision = self._commit(facts, document, index_keys)
        if isinstance(log, UnavailableLog):
            if decision is Decision.ARCHIVED:
                decision = Decision.LOG_UNAVAILABLE
            return Outcome(decision, log.reason)
        return Outcome(decision, "", log.raw_bytes, log.compressed_bytes)

    def _archive_log(self, facts: BuildFacts) -> ArchivedLog | UnavailableLog:
        ref = facts.ref
        try:
            stream = self._builds.open_log(ref.namespace, ref.name)
        except LogUnavailableError as exc:
            return UnavailableLog(exc.reason or exc.message)
        key = self._layout.log_key(ref)
        digest = StreamDigest()
        scanner = FindingScanner(self._rules)
        tags = phase_tags(facts.phase)
        try:
            compressed = upload_stream(
                gzip_stream(
                    scanner.observe(stream),
                    digest,
                    level=self._settings.gzip_level,
                    workers=self._settings.compress_workers,
                    deflate=self._settings.deflate,
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
        )

    def _write_index(self, facts: BuildFacts, log: ArchivedLog | UnavailableLog) -> list[str]:
        if isinstance(log, ArchivedLog):
            entry = facts.index_entry(log.raw_bytes, log.finding)
        else:
            entry = facts.index_entry(None)
        keys = self._layout.index_keys(facts.ref.namespace, entry, facts.commit)
        tags = phase_tags(facts.phase)

        def put(key: str) -> None:
            self._store.put(key, b"", content_type=INDEX_CONTENT_TYPE, tags=tags)

        # Independent small writes: in parallel, so their round trips do not add up.
        list(self._index_writers.map(put, keys))
        return keys

    def _commit(
        self, facts: BuildFacts, document: dict[str, object], index_keys: list[str]
    ) -> Decision:
        key = self._layout.metadata_key(facts.ref)
        body = encode(document)
        try:
            self._store.put(
                key,
                body,
                content_type=METADATA_CONTENT_TYPE,
                if_none_match=True,
                tags=phase_tags(facts.phase),
            )
            return Decision.ARCHIVED
        except PreconditionFailedError:
            pass
        # A concurrent delivery of the same build committed first.
        winner = json.loads(self._store.get(key))
        ours_has_log = log_state(document) == "archived"
        if ours_has_log and log_state(winner) != "archived":
            self._store.put(
                key, body, content_type=METADATA_CONTENT_TYPE, tags=phase_tags(facts.phase)
            )
            self._drop_index(facts, winner, keep=index_keys)
            return Decision.ARCHIVED
        self._drop_index(facts, document, keep=self._index_keys_of(facts, winner))
        return Decision.ALREADY_ARCHIVED

    def _index_keys_of(self, facts: BuildFacts, document: dict[str, object]) -> list[str]:
        log = document.get("log")
        raw = log.get("rawBytes") if isinstance(log, dict) else None
        return self._layout.index_keys(
            facts.ref.namespace,
            facts.index_entry(raw if isinstance(raw, int) else None, index_finding(document)),
            facts.commit,
        )

    def _drop_index(self, facts: BuildFacts, loser: dict[str, object], keep: list[str]) -> None:
        stale = [key for key in self._index_keys_of(facts, loser) if key not in keep]
        if stale:
            self._store.delete(stale)
