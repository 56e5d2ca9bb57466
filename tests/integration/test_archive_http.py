"""The archive function over HTTP: real Ceph, the simulated cluster, real CloudEvents."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import urllib3

from osiris.core.keys import BuildRef
from osiris.dev.processes import FunctionProcess
from osiris.simulator.buildlogs import iter_log, sha256
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.faults import LogFault
from osiris.simulator.source import EventSender, encode, make_event
from tests.integration.conftest import CLUSTER
from tests.integration.stored import LAYOUT, stored_log
from tests.support.s3 import S3Bucket

http = urllib3.PoolManager(retries=False)


def metadata(bucket: S3Bucket, build: dict) -> dict:
    meta = build["metadata"]
    ref = BuildRef(meta["namespace"], meta["name"], meta["uid"])
    return json.loads(
        bucket.target.client()
        .get_object(Bucket=bucket.name, Key=LAYOUT.metadata_key(ref))["Body"]
        .read()
    )


@pytest.mark.parametrize(
    ("mode", "encoding"), [("Resource", "binary"), ("Reference", "structured")]
)
def test_builds_are_archived_as_they_finish(
    cluster: SimulatedCluster,
    archive_function: Callable[..., FunctionProcess],
    s3_bucket: S3Bucket,
    mode: str,
    encoding: str,
) -> None:
    function = archive_function(OSIRIS_LOG_LEVEL="DEBUG")  # ignored events log at DEBUG only
    with EventSender(cluster, function.url, mode=mode, encoding=encoding) as sender:  # type: ignore[arg-type]
        done = cluster.start_build("shop", "api", outcome="Complete", log_size=6_000_000, seed=1)
        failed = cluster.start_build("shop", "web", outcome="Failed", log_size=300_000, seed=2)
        never_ran = cluster.start_build("shop", "api", outcome="Error")
        assert sender.wait_idle(timeout=120)
    assert all(d.status == 200 for d in sender.deliveries), sender.deliveries

    for build in (done, failed):
        spec = cluster.log_spec("shop", build["metadata"]["name"])
        log = stored_log(s3_bucket, build)
        assert hashlib.sha256(log).hexdigest() == sha256(spec)
        document = metadata(s3_bucket, build)
        assert document["log"]["sha256"] == sha256(spec) and document["log"]["rawBytes"] == len(log)
        assert document["phase"] == build["status"]["phase"]
        assert document["cluster"] == CLUSTER
    assert metadata(s3_bucket, never_ran)["log"]["state"] == "unavailable"

    index = [
        k for k in s3_bucket.object_keys() if k.startswith(LAYOUT.namespace_index_prefix("shop"))
    ]
    phases = [LAYOUT.parse_index_key(k)[1].phase for k in index]
    assert phases == ["Error", "Failed", "Complete"] or sorted(phases) == [
        "Complete",
        "Error",
        "Failed",
    ]
    decisions = [
        json.loads(line)["decision"]
        for line in function.output().splitlines()
        if line.startswith("{") and '"event handled"' in line
    ]
    assert decisions.count("archived") == 2 and decisions.count("log unavailable") == 1
    # Resource mode sees the New/Pending/Running updates and ignores them without any
    # call; Reference mode fetches the build, which by then has finished.
    assert ("ignored" in decisions) == (mode == "Resource")


def test_a_cut_log_stream_is_retried_and_never_published_short(
    cluster: SimulatedCluster, archive_function: Callable[..., FunctionProcess], s3_bucket: S3Bucket
) -> None:
    function = archive_function()
    build = cluster.start_build("shop", "api", outcome="Complete", log_size=12_000_000, seed=7)
    name = build["metadata"]["name"]
    cluster.add_log_fault("shop", name, LogFault(cut_after=7_000_000))
    headers, body = encode(make_event(build, "update"))
    first = http.request("POST", function.url, body=body, headers=headers)
    assert first.status == 503
    assert s3_bucket.object_keys() == []
    assert (
        s3_bucket.target.client().list_multipart_uploads(Bucket=s3_bucket.name).get("Uploads", [])
        == []
    )
    second = http.request("POST", function.url, body=body, headers=headers)
    assert second.status == 200
    assert stored_log(s3_bucket, build) == b"".join(iter_log(cluster.log_spec("shop", name)))


def test_a_stalled_log_stream_is_a_retryable_failure(
    cluster: SimulatedCluster, archive_function: Callable[..., FunctionProcess], s3_bucket: S3Bucket
) -> None:
    function = archive_function()
    build = cluster.start_build("shop", "api", log_size=2_000_000)
    cluster.add_log_fault(
        "shop", build["metadata"]["name"], LogFault(stall_after=500_000, stall_seconds=8)
    )
    headers, body = encode(make_event(build, "update"))
    assert http.request("POST", function.url, body=body, headers=headers).status == 503
    assert s3_bucket.object_keys() == []


@pytest.mark.parametrize("status", [500, 503, 429])
def test_cluster_api_failures_answer_503(
    cluster: SimulatedCluster,
    archive_function: Callable[..., FunctionProcess],
    s3_bucket: S3Bucket,
    status: int,
) -> None:
    function = archive_function()
    build = cluster.start_build("shop", "api", log_size=1000)
    cluster.add_log_fault("shop", build["metadata"]["name"], LogFault(status=status))
    headers, body = encode(make_event(build, "update"))
    assert http.request("POST", function.url, body=body, headers=headers).status == 503
    assert http.request("POST", function.url, body=body, headers=headers).status == 200


def test_malformed_events_get_400_and_touch_nothing(
    cluster: SimulatedCluster, archive_function: Callable[..., FunctionProcess], s3_bucket: S3Bucket
) -> None:
    function = archive_function()
    build = cluster.start_build("shop", "api", log_size=1000)
    headers, _ = encode(make_event(build, "update"))
    bad_name = dict(build, metadata={**build["metadata"], "name": "../../etc"})
    _, bad_body = encode(make_event(bad_name, "update"))
    for body in (b"[1, 2]", bad_body):
        response = http.request("POST", function.url, body=body, headers=headers)
        assert response.status == 400
        assert b"../../etc" not in response.data
    no_id = {k: v for k, v in headers.items() if k.lower() != "ce-id"}
    assert http.request("POST", function.url, body=b"{}", headers=no_id).status == 400
    assert s3_bucket.object_keys() == []


def test_concurrent_deliveries_archive_once(
    cluster: SimulatedCluster, archive_function: Callable[..., FunctionProcess], s3_bucket: S3Bucket
) -> None:
    function = archive_function()
    build = cluster.start_build("shop", "api", log_size=8_000_000, seed=4)
    headers, body = encode(make_event(build, "update"))
    statuses: list[int] = []
    barrier = threading.Barrier(5)

    def deliver() -> None:
        barrier.wait()
        statuses.append(http.request("POST", function.url, body=body, headers=headers).status)

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 5
    assert hashlib.sha256(stored_log(s3_bucket, build)).hexdigest() == sha256(
        cluster.log_spec("shop", "api-1")
    )
    keys = s3_bucket.object_keys()
    assert len([k for k in keys if "/index/ns/" in k]) == 1
    assert len([k for k in keys if k.endswith("build.json")]) == 1
    assert (
        s3_bucket.target.client().list_multipart_uploads(Bucket=s3_bucket.name).get("Uploads", [])
        == []
    )


def test_a_storm_of_fifty_deliveries_leaves_one_log_and_one_document(
    cluster: SimulatedCluster, archive_function: Callable[..., FunctionProcess], s3_bucket: S3Bucket
) -> None:
    """50 concurrent deliveries of one finished build, mixed with older ``update`` events
    (the build still running, an older resourceVersion) and its ``delete``."""
    function = archive_function()
    build = cluster.start_build("shop", "api", log_size=6_000_000, seed=11)
    running = json.loads(json.dumps(build))
    running["status"]["phase"] = "Running"
    running["status"].pop("completionTimestamp", None)
    running["metadata"]["resourceVersion"] = str(int(build["metadata"]["resourceVersion"]) - 1)
    deliveries = (
        [encode(make_event(build, "update"))] * 40
        + [encode(make_event(running, "update"))] * 8
        + [encode(make_event(build, "delete"))] * 2
    )
    barrier = threading.Barrier(10)

    def deliver(delivery: tuple[dict[str, str], bytes]) -> int:
        headers, body = delivery
        barrier.wait()  # ten at a time hit the function together
        return http.request("POST", function.url, body=body, headers=headers).status

    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(deliver, deliveries))
    assert statuses == [200] * 50
    assert hashlib.sha256(stored_log(s3_bucket, build)).hexdigest() == sha256(
        cluster.log_spec("shop", build["metadata"]["name"])
    )
    keys = s3_bucket.object_keys()
    assert len([k for k in keys if k.endswith("/log.gz")]) == 1
    assert len([k for k in keys if k.endswith("build.json")]) == 1
    entries = [k for k in keys if "/index/" in k]
    assert len({k.rsplit("/", 1)[1] for k in entries}) == 1  # one entry, in every index
    uploads = s3_bucket.target.client().list_multipart_uploads(Bucket=s3_bucket.name)
    assert uploads.get("Uploads", []) == []
