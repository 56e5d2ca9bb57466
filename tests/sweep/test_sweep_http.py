"""The sweep function over HTTP: real Ceph, the simulated API server, PingSource events."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Callable

import pytest

from osiris.adapters.s3 import S3Store
from osiris.core.keys import BuildRef, KeyLayout
from osiris.dev.processes import FunctionProcess
from osiris.lookup.app import create_app
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.buildlogs import sha256
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.source import encode, make_event
from tests.support.s3 import S3Bucket
from tests.sweep.conftest import CLUSTER, PREFIX, http, ping
from tests.sweep.uploads import open_uploads

LAYOUT = KeyLayout(PREFIX, CLUSTER)


def ref_of(build: dict) -> BuildRef:
    meta = build["metadata"]
    return BuildRef(meta["namespace"], meta["name"], meta["uid"])


def stored_log(bucket: S3Bucket, build: dict) -> bytes:
    body = bucket.target.client().get_object(Bucket=bucket.name, Key=LAYOUT.log_key(ref_of(build)))
    return gzip.decompress(body["Body"].read())


def test_builds_never_announced_are_archived_by_the_sweep(
    cluster: SimulatedCluster,
    start_function: Callable[..., FunctionProcess],
    s3_bucket: S3Bucket,
) -> None:
    # No ApiServerSource: these builds never produce an event.
    finished = [
        cluster.start_build("shop", "api", log_size=6_000_000, seed=1),
        cluster.start_build("shop", "web", outcome="Failed", log_size=40_000, seed=2),
        cluster.start_build("lab", "api", log_size=10_000, seed=3),
    ]
    never_ran = cluster.start_build("lab", "web", outcome="Error")
    cluster.start_build("shop", "api", run=False)  # still New: not the sweep's business
    cluster.start_build("private", "api", log_size=1_000)  # namespace not opted in
    sweep = start_function("sweep")

    status, summary = ping(sweep)
    assert status == 200
    assert {k: summary[k] for k in ("namespaces", "found", "archived", "unavailable")} == {
        "namespaces": 2,
        "found": 4,
        "archived": 3,
        "unavailable": 1,
    }
    assert summary["failed"] == summary["already_present"] == summary["deferred"] == 0
    for build in finished:
        spec = cluster.log_spec(build["metadata"]["namespace"], build["metadata"]["name"])
        assert hashlib.sha256(stored_log(s3_bucket, build)).hexdigest() == sha256(spec)
    keys = s3_bucket.object_keys()
    markers = sorted(k for k in keys if k.endswith("/build.json"))
    assert markers == sorted(LAYOUT.metadata_key(ref_of(b)) for b in [*finished, never_ran])
    assert not any("/private/" in key for key in keys)

    # The next tick finds everything archived: listings only, no new object.
    status, again = ping(sweep)
    assert status == 200
    assert (again["found"], again["already_present"], again["archived"]) == (4, 4, 0)
    assert s3_bucket.object_keys() == keys


@pytest.mark.one_s3_target
def test_the_sweep_pages_through_builds_and_honours_the_work_bound(
    cluster: SimulatedCluster,
    apiserver: SimulatedApiServer,
    start_function: Callable[..., FunctionProcess],
    s3_bucket: S3Bucket,
) -> None:
    total = 320  # more than one list page (250)
    for number in range(total):
        cluster.start_build("shop", "api" if number % 2 else "web", log_size=300 + number)
    sweep = start_function("sweep", OSIRIS_SWEEP_MAX_BUILDS="200", OSIRIS_SWEEP_CONCURRENCY="4")

    status, first = ping(sweep)
    assert status == 200
    assert (first["found"], first["archived"], first["deferred"]) == (total, 200, total - 200)
    build_lists = [
        r.path
        for r in apiserver.requests
        if r.path.startswith("/apis/build.openshift.io/v1/namespaces/shop/builds?")
    ]
    assert len(build_lists) == 2 and "continue=" in build_lists[1]
    assert all("limit=250" in path for path in build_lists)

    status, second = ping(sweep)
    assert status == 200
    assert (second["archived"], second["already_present"], second["deferred"]) == (
        total - 200,
        200,
        0,
    )
    markers = [k for k in s3_bucket.object_keys() if k.endswith("/build.json")]
    assert len(markers) == len(set(markers)) == total


@pytest.mark.one_s3_target
def test_each_run_resumes_after_the_namespace_the_last_one_stopped_at(
    cluster: SimulatedCluster,
    start_function: Callable[..., FunctionProcess],
    s3_bucket: S3Bucket,
) -> None:
    for namespace in ("lab", "shop"):
        for _ in range(3):
            cluster.start_build(namespace, "api", log_size=400)
    sweep = start_function("sweep", OSIRIS_SWEEP_MAX_BUILDS="2")

    runs = [ping(sweep) for _ in range(3)]
    assert [status for status, _ in runs] == [200, 200, 200]
    assert [
        (s["namespaces"], s["namespaces_pending"], s["resume_after"], s["archived"])
        for _, s in runs
    ] == [
        (1, 1, "lab", 2),  # lab alone is enough work
        (1, 1, "shop", 2),  # the cursor came back from the bucket: shop's turn
        (2, 0, "", 2),  # one left in each; every namespace examined, no cursor
    ]
    markers = [k for k in s3_bucket.object_keys() if k.endswith("/build.json")]
    assert len(markers) == len(set(markers)) == 6


def test_the_sweep_answers_503_when_the_cluster_cannot_be_listed(
    apiserver: SimulatedApiServer,
    start_function: Callable[..., FunctionProcess],
    s3_bucket: S3Bucket,
) -> None:
    sweep = start_function("sweep")
    apiserver.set_down("unavailable")
    status, summary = ping(sweep)
    assert status == 503 and summary["decision"] == "retry"
    apiserver.set_down(None)
    assert ping(sweep)[0] == 200
    # Nothing to archive: the only object is the record of the run.
    assert s3_bucket.object_keys() == [LAYOUT.status_key("sweep")]


def test_a_sweep_racing_archive_events_leaves_exactly_one_complete_copy(
    cluster: SimulatedCluster,
    start_function: Callable[..., FunctionProcess],
    s3_bucket: S3Bucket,
) -> None:
    builds = [
        cluster.start_build(namespace, "api", log_size=size, seed=size)
        for namespace in ("shop", "lab")
        for size in (5_500_000, 700_000, 30_000, 2_000)
    ]
    archive = start_function("archive")
    sweep = start_function("sweep", OSIRIS_SWEEP_CONCURRENCY="4")
    statuses: list[int] = []
    barrier = threading.Barrier(len(builds) + 1)

    def deliver(build: dict) -> None:
        headers, body = encode(make_event(build, "update"))
        barrier.wait()
        statuses.append(http.request("POST", archive.url, body=body, headers=headers).status)

    threads = [threading.Thread(target=deliver, args=(b,)) for b in builds]
    for thread in threads:
        thread.start()
    barrier.wait()
    status, summary = ping(sweep)
    for thread in threads:
        thread.join()

    assert status == 200 and statuses == [200] * len(builds)
    assert summary["found"] == len(builds) and summary["failed"] == 0
    # Whoever came first, each build was archived once and the other side saw it or lost
    # the conditional commit.
    assert summary["archived"] + summary["already_present"] == len(builds)
    keys = s3_bucket.object_keys()
    per_build = Counter(key.rsplit("/", 1)[0] for key in keys if "/builds/" in key)
    assert set(per_build.values()) == {2}  # log.gz and build.json, nothing else
    assert len([k for k in keys if "/index/ns/" in k]) == len(builds)
    assert open_uploads(s3_bucket) == []
    for build in builds:
        spec = cluster.log_spec(build["metadata"]["namespace"], build["metadata"]["name"])
        assert hashlib.sha256(stored_log(s3_bucket, build)).hexdigest() == sha256(spec)


def test_the_last_run_is_reported_by_the_lookup_metrics(
    cluster: SimulatedCluster,
    start_function: Callable[..., FunctionProcess],
    s3_bucket: S3Bucket,
) -> None:
    cluster.start_build("shop", "api", log_size=5_000, seed=5)
    cluster.start_build("lab", "web", outcome="Error")
    status, summary = ping(start_function("sweep"))
    assert status == 200

    document = json.loads(
        s3_bucket.target.client()
        .get_object(Bucket=s3_bucket.name, Key=LAYOUT.status_key("sweep"))["Body"]
        .read()
    )
    assert {k: document[k] for k in ("found", "archived", "unavailable")} == {
        "found": summary["found"],
        "archived": 1,
        "unavailable": 1,
    }
    store = S3Store(s3_bucket.target.client(), s3_bucket.name)
    app = create_app(lambda: store, LAYOUT, None)
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'osiris_sweep_builds{result="archived"} 1' in text
    assert 'osiris_sweep_builds{result="unavailable"} 1' in text
    assert "osiris_sweep_namespace_failures 0" in text
    assert "osiris_sweep_namespaces_pending 0" in text
    assert "osiris_sweep_last_run_timestamp_seconds " in text
