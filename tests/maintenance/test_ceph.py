"""Verify, repair, retention and lifecycle rules against real Ceph RGW (HTTP and HTTPS)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from osiris.adapters.s3 import S3Store
from osiris.archive.service import PHASE_TAG
from osiris.cli import main
from osiris.core.metadata import LOG_CONTENT_ENCODING, LOG_CONTENT_TYPE
from osiris.lookup.params import RunFilter
from osiris.lookup.reader import ArchiveReader
from osiris.maintenance import lease
from osiris.maintenance.verify import Kind
from tests.maintenance import scenarios
from tests.maintenance.archived import BuildFactory, days_ago, keys_of, stored_log
from tests.support.events import build_event
from tests.support.s3 import (
    S3Bucket,
    S3Target,
    create_bucket,
    empty_and_delete_bucket,
    unique_bucket_name,
)

LAYOUT = scenarios.LAYOUT


def s3_store(bucket: S3Bucket) -> S3Store:
    return S3Store(bucket.target.client(), bucket.name)


def environ(bucket: S3Bucket, cluster: str = "ci") -> dict[str, str]:
    return {**bucket.environ(), "OSIRIS_PREFIX": LAYOUT.prefix, "OSIRIS_CLUSTER": cluster}


def run_cli(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], *argv: str) -> int:
    with monkeypatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        return main(list(argv))


def test_every_object_is_tagged_with_its_phase(s3_bucket: S3Bucket) -> None:
    # Ceph drops the tags given to CreateMultipartUpload: the log must still carry one.
    scenarios.every_object_is_tagged_with_its_phase(s3_store(s3_bucket))


def test_verify_finds_and_repairs(s3_bucket: S3Bucket) -> None:
    scenarios.verify_finds_and_repairs(s3_store(s3_bucket))


def test_retention_run_deletes_exactly_the_expired(s3_bucket: S3Bucket) -> None:
    scenarios.retention_run_deletes_exactly_the_expired(s3_store(s3_bucket))


def test_one_repairing_or_deleting_run_at_a_time(s3_bucket: S3Bucket) -> None:
    scenarios.one_repairing_or_deleting_run_at_a_time(s3_store(s3_bucket))


def test_repair_and_retention_commands_wait_their_turn(
    s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = s3_store(s3_bucket)
    built = BuildFactory(store, LAYOUT, days_ago(datetime.now(UTC), 40)).build("api", "Complete")
    stored = keys_of(store, LAYOUT, built.ref.uid)
    env = environ(s3_bucket)
    held = lease.acquire(
        store, LAYOUT, holder="ops-1 pid 7", purpose="osiris retention run", now=datetime.now(UTC)
    )
    capsys.readouterr()

    assert run_cli(monkeypatch, env, "retention", "run", "--days", "30") == 4
    assert (
        "osiris retention run (ops-1 pid 7) holds the maintenance lease" in capsys.readouterr().err
    )
    assert run_cli(monkeypatch, env, "verify", "--repair") == 4
    # Reading is never refused: a report, a dry run.
    assert run_cli(monkeypatch, env, "verify") == 0
    assert run_cli(monkeypatch, env, "retention", "run", "--days", "30", "--dry-run") == 0
    assert f"would delete {built.ref.namespace}/{built.ref.name}" in capsys.readouterr().out
    assert keys_of(store, LAYOUT, built.ref.uid) == stored  # nothing was deleted

    lease.release(store, held)
    assert run_cli(monkeypatch, env, "retention", "run", "--days", "30") == 0
    assert "deleted 1 builds" in capsys.readouterr().out
    assert keys_of(store, LAYOUT, built.ref.uid) == []
    assert store.head(LAYOUT.status_key(lease.LEASE_COMPONENT)) is None  # given back


def test_verify_command_reports_and_repairs_an_incomplete_upload(
    s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = s3_store(s3_bucket)
    BuildFactory(store, LAYOUT, days_ago(datetime.now(UTC), 1)).build("api", "Complete")
    key = LAYOUT.root + "builds/shop/api-9/6a3f0c1e-7a52-4c1c-9d3e-8f0b1a2c3d4e/log.gz"
    upload = store.start_upload(
        key, content_type=LOG_CONTENT_TYPE, content_encoding=LOG_CONTENT_ENCODING
    )
    upload.upload_part(1, b"x" * 1024)
    env = environ(s3_bucket)
    capsys.readouterr()

    assert run_cli(monkeypatch, env, "verify", "--json") == 0  # too young to judge
    assert json.loads(capsys.readouterr().out)["findings"] == []

    assert run_cli(monkeypatch, env, "verify", "--json", "--grace-minutes", "0") == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["kind"], f["key"], f["repaired"]) for f in report["findings"]] == [
        (Kind.INCOMPLETE_UPLOAD.value, key, False)
    ]
    assert report["runs"] == 1 and report["uploads"] == 1

    assert run_cli(monkeypatch, env, "verify", "--repair", "--grace-minutes", "0") == 0
    assert "(repaired)" in capsys.readouterr().out
    assert list(store.list_uploads(LAYOUT.root)) == []
    assert run_cli(monkeypatch, env, "verify", "--grace-minutes", "0", "--check-content") == 0


def test_retention_apply_keeps_the_rules_of_others(
    s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client = s3_bucket.target.client()
    foreign = {
        "ID": "admin: expire tmp",
        "Status": "Enabled",
        "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "kind", "Value": "scratch"}]}},
        "Expiration": {"Days": 3},
    }
    client.put_bucket_lifecycle_configuration(
        Bucket=s3_bucket.name,
        LifecycleConfiguration={"Rules": [foreign]},  # type: ignore[list-item]
    )
    ci, other = environ(s3_bucket, "ci"), environ(s3_bucket, "other")
    assert run_cli(monkeypatch, ci, "retention", "apply", "--days", "30") == 0
    assert (
        run_cli(monkeypatch, ci, "retention", "apply", "--days", "14", "--failed-days", "60") == 0
    )
    assert run_cli(monkeypatch, other, "retention", "apply", "--days", "7") == 0
    capsys.readouterr()
    assert run_cli(monkeypatch, ci, "retention", "show") == 0
    rules = {rule["ID"]: rule for rule in json.loads(capsys.readouterr().out)}
    ci_root, other_root = "maint/v1/ci/", "maint/v1/other/"
    assert set(rules) == {
        "admin: expire tmp",
        f"osiris {ci_root} expire",
        f"osiris {ci_root} expire Complete",
        f"osiris {ci_root} expire Cancelled",
        f"osiris {ci_root} expire Succeeded",  # a Tekton run's success
        f"osiris {ci_root} abort incomplete uploads",
        f"osiris {other_root} expire",
        f"osiris {other_root} abort incomplete uploads",
    }
    # Failed, Error and TimedOut runs fall to the prefix rule with the longest retention.
    assert rules[f"osiris {ci_root} expire"]["Expiration"] == {"Days": 60}
    assert rules[f"osiris {ci_root} expire Complete"]["Expiration"] == {"Days": 14}
    assert rules[f"osiris {ci_root} expire Succeeded"]["Expiration"] == {"Days": 14}
    assert rules[f"osiris {other_root} expire"]["Expiration"] == {"Days": 7}
    assert rules[f"osiris {ci_root} abort incomplete uploads"][
        "AbortIncompleteMultipartUpload"
    ] == {"DaysAfterInitiation": 1}
    assert rules["admin: expire tmp"]["Expiration"] == {"Days": 3}

    assert run_cli(monkeypatch, ci, "retention", "remove") == 0
    capsys.readouterr()
    assert run_cli(monkeypatch, ci, "retention", "show") == 0
    left = {rule["ID"] for rule in json.loads(capsys.readouterr().out)}
    assert left == {
        "admin: expire tmp",
        f"osiris {other_root} expire",
        f"osiris {other_root} abort incomplete uploads",
    }


# --------------------------------------------------------------------------- lifecycle


def _wait_for(condition: Callable[[], bool], deadline_seconds: float, what: str) -> float:
    """Poll until ``condition`` holds; the seconds it took. Fails at the deadline."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > deadline_seconds:
            pytest.fail(f"{what} did not happen within {deadline_seconds} s")
        time.sleep(1)
    return time.monotonic() - started


@pytest.mark.slow
def test_lifecycle_rules_expire_whole_builds_on_ceph(
    s3_targets: list[S3Target], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``rgw lc debug interval = 10`` a lifecycle "day" is 10 s (tests/support/ceph.py)."""
    target = s3_targets[0]
    if target.name == "external":
        pytest.fail("this test needs the suite's own Ceph (its short lifecycle day)")
    client = target.client()
    bucket = S3Bucket(target, unique_bucket_name("lifecycle"))
    create_bucket(client, bucket.name, target.region)
    try:
        store = s3_store(bucket)
        env = environ(bucket)
        # Rules first, so every object is younger than its rule: nothing expires early.
        assert (
            run_cli(monkeypatch, env, "retention", "apply", "--days", "1", "--failed-days", "6")
            == 0
        )
        factory = BuildFactory(store, LAYOUT, days_ago(datetime.now(UTC), 1))
        complete = [factory.build("api", "Complete"), factory.build("web", "Cancelled")]
        failed = [factory.build("web", "Failed"), factory.build("api", "Error")]
        # Another prefix of the same bucket is not osiris's: no rule may touch it.
        client.put_object(Bucket=bucket.name, Key="elsewhere/keep", Body=b"keep")
        upload = store.start_upload(
            LAYOUT.root + "builds/shop/lost-1/1d5bb1fc-1111-4c1c-9d3e-8f0b1a2c3d4e/log.gz",
            content_type=LOG_CONTENT_TYPE,
            content_encoding=LOG_CONTENT_ENCODING,
        )
        upload.upload_part(1, b"partial")
        for build in complete + failed:
            assert all(
                store.get_tags(key) == {PHASE_TAG: build.phase}
                for key in keys_of(store, LAYOUT, build.ref.uid)
            )

        def gone(builds: list) -> bool:  # type: ignore[type-arg]
            return all(keys_of(store, LAYOUT, b.ref.uid) == [] for b in builds)

        took = _wait_for(lambda: gone(complete), 120, "expiry of the 1-day builds")
        print(f"1-day builds expired after {took:.0f} s")
        # The failed builds are whole and readable through the lookup's reader.
        reader = ArchiveReader(store, LAYOUT)
        page = reader.runs("shop", RunFilter(None, frozenset(), None, None), 100, None)
        assert sorted(i["uid"] for i in page.items) == sorted(b.ref.uid for b in failed)
        assert stored_log(store, LAYOUT, failed[0].ref) == failed[0].log
        assert reader.read_document(failed[1].ref)["phase"] == "Error"
        _wait_for(
            lambda: list(store.list_uploads(LAYOUT.root)) == [], 60, "abort of the stale upload"
        )

        took = _wait_for(lambda: gone(failed), 180, "expiry of the 6-day builds")
        print(f"6-day builds expired after {took:.0f} s more")
        assert list(store.list_objects(LAYOUT.root).objects) == []
        assert client.get_object(Bucket=bucket.name, Key="elsewhere/keep")["Body"].read() == b"keep"
    finally:
        empty_and_delete_bucket(client, bucket.name)


def test_concurrent_deliveries_leave_every_object_tagged(s3_bucket: S3Bucket) -> None:
    """RGW answers 409 to tagging a key whose uploads are still completing: it is retried."""
    import threading

    store = s3_store(s3_bucket)
    factory = BuildFactory(store, LAYOUT, days_ago(datetime.now(UTC), 1))
    obj = factory.cluster.start_build("shop", "api", outcome="Failed", log_size=6_000_000, seed=7)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def deliver() -> None:
        barrier.wait()
        try:
            factory.archiver.handle(build_event(obj))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    keys = keys_of(store, LAYOUT, obj["metadata"]["uid"])
    assert any(key.endswith("/log.gz") for key in keys)
    for key in keys:
        assert store.get_tags(key) == {PHASE_TAG: "Failed"}, key
