"""Checks that run the same against the local directory store and real Ceph."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from osiris.adapters.store import MaintainedStore
from osiris.archive.service import PHASE_TAG
from osiris.core.keys import KeyLayout
from osiris.core.metadata import LOG_CONTENT_ENCODING, LOG_CONTENT_TYPE, METADATA_CONTENT_TYPE
from osiris.lookup.params import RunFilter
from osiris.lookup.reader import ArchiveReader
from osiris.maintenance import lease
from osiris.maintenance.policy import RetentionPolicy
from osiris.maintenance.retention import run_retention
from osiris.maintenance.verify import Kind, VerifyOptions, verify
from tests.maintenance.archived import Archived, BuildFactory, days_ago, keys_of, stored_log

LAYOUT = KeyLayout("maint", "ci")
EVERYTHING_SETTLED = VerifyOptions(grace=timedelta(0))


def later() -> datetime:
    return datetime.now(UTC) + timedelta(minutes=1)


def findings(report_findings: list) -> set[tuple[Kind, str]]:  # type: ignore[type-arg]
    return {(f.kind, f.key) for f in report_findings}


def every_object_is_tagged_with_its_phase(store: MaintainedStore) -> None:
    factory = BuildFactory(store, LAYOUT, days_ago(datetime.now(UTC), 1))
    builds = [
        factory.build("api", "Complete"),
        factory.build("web", "Failed"),
        factory.build("api", "Error"),
    ]
    assert builds[2].log is None  # Error before a pod ran: metadata without a log
    for build in builds:
        keys = keys_of(store, LAYOUT, build.ref.uid)
        # log (if any), build.json, namespace + BuildConfig (+ commit) entries
        assert len(keys) >= (4 if build.log is not None else 3), keys
        for key in keys:
            assert store.get_tags(key) == {PHASE_TAG: build.phase}, key


def verify_finds_and_repairs(store: MaintainedStore) -> None:
    factory = BuildFactory(store, LAYOUT, days_ago(datetime.now(UTC), 2))
    intact = factory.build("api", "Complete")
    uncommitted = factory.build("web", "Failed")
    unlisted = factory.build("api", "Complete")
    resized = factory.build("web", "Complete")
    altered = factory.build("api", "Failed")
    factory.build("api", "Error")

    clean = verify(store, LAYOUT, VerifyOptions(grace=timedelta(0), check_content=True), later())
    assert clean.findings == [] and clean.consistent
    assert clean.runs == 6

    # 1. a crash before the commit marker: log and entries, no build.json
    uncommitted_entries = [k for k in keys_of(store, LAYOUT, uncommitted.ref.uid) if "/index/" in k]
    store.delete([LAYOUT.metadata_key(uncommitted.ref)])
    # 2. an index entry lost
    namespace_entry = next(k for k in keys_of(store, LAYOUT, unlisted.ref.uid) if "/index/ns/" in k)
    store.delete([namespace_entry])
    # 3. a log whose size differs from build.json
    store.put(
        LAYOUT.log_key(resized.ref),
        gzip.compress(b"something else entirely\n"),
        content_type=LOG_CONTENT_TYPE,
    )
    # 4. a log whose content differs (same size, other sha256 in build.json)
    document = json.loads(store.get(LAYOUT.metadata_key(altered.ref)))
    document["log"]["sha256"] = "0" * 64
    store.put(
        LAYOUT.metadata_key(altered.ref),
        json.dumps(document).encode(),
        content_type=METADATA_CONTENT_TYPE,
    )
    # 5. an entry for a build that was never archived
    ghost = LAYOUT.namespace_index_prefix("shop") + (
        "8236225599_ghost-1_Complete_1_ghost_1763774405_1763774460_10_"
        "0b6f3c1e-7a52-4c1c-9d3e-8f0b1a2c3d4e"
    )
    store.put(ghost, b"", content_type="application/x-osiris-index")
    # 6. an upload nobody finished
    upload = store.start_upload(
        LAYOUT.root + "builds/shop/lost-1/1d5bb1fc-1111-4c1c-9d3e-8f0b1a2c3d4e/log.gz",
        content_type=LOG_CONTENT_TYPE,
        content_encoding=LOG_CONTENT_ENCODING,
    )
    upload.upload_part(1, b"partial")

    # Within the grace period nothing that may still be in flight is reported.
    fresh = verify(store, LAYOUT, VerifyOptions(), datetime.now(UTC))
    assert findings(fresh.findings) == {
        (Kind.MISSING_INDEX_ENTRY, namespace_entry),
        (Kind.SIZE_MISMATCH, LAYOUT.log_key(resized.ref)),
    }

    report = verify(store, LAYOUT, VerifyOptions(grace=timedelta(0), check_content=True), later())
    expected = {
        (Kind.LOG_WITHOUT_METADATA, LAYOUT.log_key(uncommitted.ref)),
        *((Kind.ORPHAN_INDEX_ENTRY, key) for key in uncommitted_entries),
        (Kind.ORPHAN_INDEX_ENTRY, ghost),
        (Kind.MISSING_INDEX_ENTRY, namespace_entry),
        (Kind.SIZE_MISMATCH, LAYOUT.log_key(resized.ref)),
        (Kind.CONTENT_MISMATCH, LAYOUT.log_key(altered.ref)),
        (
            Kind.INCOMPLETE_UPLOAD,
            LAYOUT.root + "builds/shop/lost-1/1d5bb1fc-1111-4c1c-9d3e-8f0b1a2c3d4e/log.gz",
        ),
    }
    assert findings(report.findings) == expected
    assert not report.consistent and not any(f.repaired for f in report.findings)
    assert report.uploads == 1

    repaired = verify(
        store, LAYOUT, VerifyOptions(grace=timedelta(0), check_content=True, repair=True), later()
    )
    assert findings(repaired.findings) == expected
    unrepaired = {(f.kind, f.key) for f in repaired.findings if not f.repaired}
    assert unrepaired == {
        (Kind.SIZE_MISMATCH, LAYOUT.log_key(resized.ref)),
        (Kind.CONTENT_MISMATCH, LAYOUT.log_key(altered.ref)),
    }

    # The repair did what it said: the entry is back (tagged), the orphans and the upload gone.
    assert store.head(namespace_entry) is not None
    assert store.get_tags(namespace_entry) == {PHASE_TAG: "Complete"}
    assert keys_of(store, LAYOUT, uncommitted.ref.uid) == []
    assert store.head(ghost) is None
    assert list(store.list_uploads(LAYOUT.root)) == []
    after = verify(store, LAYOUT, VerifyOptions(grace=timedelta(0), check_content=True), later())
    assert findings(after.findings) == unrepaired
    # What was intact is untouched.
    assert stored_log(store, LAYOUT, intact.ref) == intact.log


def retention_run_deletes_exactly_the_expired(store: MaintainedStore) -> None:
    now = datetime.now(UTC)
    factory = BuildFactory(store, LAYOUT, days_ago(now, 40))
    old = [
        factory.build("api", "Complete"),
        factory.build("web", "Failed"),
        factory.build("api", "Error"),
    ]
    factory.at(days_ago(now, 32))
    middle_expired = [factory.build("api", "Complete"), factory.build("web", "Cancelled")]
    middle_kept = [factory.build("web", "Failed")]
    factory.at(days_ago(now, 1))
    recent = [factory.build("api", "Complete"), factory.build("web", "Failed")]
    expired = old + middle_expired
    kept = middle_kept + recent
    policy = RetentionPolicy.of(30, failed_days=35)

    before = sorted(info.key for info in _everything(store))
    dry = run_retention(store, LAYOUT, policy, now, dry_run=True, batch_size=2)
    assert dry.expired == len(expired)
    assert sorted(info.key for info in _everything(store)) == before

    batches: list[list[str]] = []
    result = run_retention(
        store,
        LAYOUT,
        policy,
        now,
        batch_size=2,
        progress=lambda _r, batch: batches.append([ref.uid for ref in batch]),
    )
    assert result.expired == len(expired) and result.batches == 3
    assert sorted(uid for batch in batches for uid in batch) == sorted(b.ref.uid for b in expired)
    for build in expired:
        assert keys_of(store, LAYOUT, build.ref.uid) == [], build
    _assert_readable(store, kept)
    # Nothing dangling is left behind: the bucket is consistent.
    assert verify(store, LAYOUT, EVERYTHING_SETTLED, later()).findings == []
    # A second run finds nothing more to do.
    assert run_retention(store, LAYOUT, policy, now).expired == 0


def _assert_readable(store: MaintainedStore, kept: list[Archived]) -> None:
    reader = ArchiveReader(store, LAYOUT)
    page = reader.runs("shop", RunFilter(None, frozenset(), None, None), 100, None)
    assert sorted(item["uid"] for item in page.items) == sorted(b.ref.uid for b in kept)
    for build in kept:
        document = reader.read_document(build.ref)
        assert document["phase"] == build.phase
        if build.log is not None:
            assert stored_log(store, LAYOUT, build.ref) == build.log
        if build.commit:
            commit_entries = [
                info.key
                for info in _everything(store)
                if info.key.startswith(LAYOUT.commit_index_prefix(build.commit))
            ]
            assert any(build.ref.uid in key for key in commit_entries)


def _everything(store: MaintainedStore):  # type: ignore[no-untyped-def]
    from osiris.maintenance.scan import all_objects

    return list(all_objects(store, LAYOUT.root))


def one_repairing_or_deleting_run_at_a_time(store: MaintainedStore) -> None:
    start = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    key = LAYOUT.status_key(lease.LEASE_COMPONENT)
    first = lease.acquire(store, LAYOUT, holder="a pid 1", purpose="retention", now=start)
    assert json.loads(store.get(key)) == {
        "expires": "2026-11-22T06:10:00Z",
        "holder": "a pid 1",
        "purpose": "retention",
    }
    with pytest.raises(lease.MaintenanceBusyError) as busy:
        lease.acquire(store, LAYOUT, holder="b pid 2", purpose="repair", now=start)
    assert "retention (a pid 1) holds the maintenance lease until 2026-11-22T06:10:00Z" in str(
        busy.value
    )

    lease.release(store, first)
    second = lease.acquire(store, LAYOUT, holder="b pid 2", purpose="repair", now=start)

    # b crashed; once its lease expired, c takes over, and b's late release leaves c's alone.
    expired = start + lease.DEFAULT_TTL + timedelta(seconds=1)
    third = lease.acquire(store, LAYOUT, holder="c pid 3", purpose="retention", now=expired)
    lease.release(store, second)
    assert json.loads(store.get(key))["holder"] == "c pid 3"
    with pytest.raises(lease.MaintenanceBusyError):
        lease.acquire(store, LAYOUT, holder="d pid 4", purpose="repair", now=expired)
    lease.release(store, third)
    assert store.head(key) is None

    # A document nobody can read does not block maintenance for ever.
    store.put(key, b"not json", content_type="application/json")
    lease.acquire(store, LAYOUT, holder="e pid 5", purpose="repair", now=start)
    assert json.loads(store.get(key))["holder"] == "e pid 5"
