"""Ceph failing under the functions: radosgw killed (SIGKILL, as a crash or an OOM kill)
and restarted, with the archive and lookup functions served over HTTP.

These tests kill the radosgw of the suite's own Ceph and start it again before they end;
they need that Ceph (an external S3 endpoint cannot be killed from here).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import urllib3

from osiris.dev.processes import FunctionProcess
from osiris.simulator.buildlogs import sha256
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.faults import LogFault
from osiris.simulator.source import encode, make_event
from tests.integration.conftest import CLUSTER, PREFIX
from tests.integration.stored import stored_log
from tests.support.ceph import CephCluster
from tests.support.s3 import CEPH_TARGETS, S3Bucket

http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=120))
pytestmark = pytest.mark.one_s3_target


@pytest.fixture
def rgw(ceph_cluster: CephCluster, s3_bucket: S3Bucket) -> CephCluster:
    if s3_bucket.target.name not in CEPH_TARGETS:
        pytest.fail("these tests kill the suite's own radosgw: unset the external S3 endpoint")
    return ceph_cluster


@contextmanager
def radosgw_down(rgw: CephCluster) -> Iterator[None]:
    rgw.kill_radosgw()
    try:
        yield
    finally:
        rgw.restart_radosgw()


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_radosgw_killed_in_the_middle_of_a_multipart_upload(
    cluster: SimulatedCluster,
    archive_function: Callable[..., FunctionProcess],
    s3_bucket: S3Bucket,
    rgw: CephCluster,
) -> None:
    function = archive_function()
    build = cluster.start_build("shop", "api", log_size=150_000_000, seed=8)
    name = build["metadata"]["name"]
    # A pause in the log stream (shorter than the read timeout) once its gzip has filled
    # the first 5 MiB parts (the text compresses ~9x): radosgw dies while the upload is open.
    cluster.add_log_fault("shop", name, LogFault(stall_after=100_000_000, stall_seconds=2.5))
    headers, body = encode(make_event(build, "update"))
    client = s3_bucket.target.client()
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(http.request, "POST", function.url, body=body, headers=headers)
        wait_for(
            lambda: bool(client.list_multipart_uploads(Bucket=s3_bucket.name).get("Uploads")),
            timeout=60,
        )
        assert not answer.done()
        with radosgw_down(rgw):
            status = answer.result(timeout=120).status
    assert status == 503  # retryable: Knative redelivers
    # Nothing partial visible: no log object, no document, no index entry to nothing.
    assert s3_bucket.object_keys() == []
    redelivered = http.request("POST", function.url, body=body, headers=headers)
    assert redelivered.status == 200
    expected = sha256(cluster.log_spec("shop", name))
    assert hashlib.sha256(stored_log(s3_bucket, build)).hexdigest() == expected
    keys = s3_bucket.object_keys()
    assert len([key for key in keys if "/index/ns/" in key]) == 1
    assert len([key for key in keys if key.endswith("build.json")]) == 1


def test_the_lookup_answers_503_while_ceph_is_down_and_recovers_without_a_restart(
    cluster: SimulatedCluster,
    archive_function: Callable[..., FunctionProcess],
    s3_bucket: S3Bucket,
    rgw: CephCluster,
    tmp_path: Path,
) -> None:
    archive = archive_function()
    build = cluster.start_build("shop", "api", log_size=5_000, seed=3)
    headers, body = encode(make_event(build, "update"))
    assert http.request("POST", archive.url, body=body, headers=headers).status == 200
    environ = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "OSIRIS_PREFIX": PREFIX,
        "OSIRIS_CLUSTER": CLUSTER,
        "OSIRIS_AUTH": "none",
        **s3_bucket.environ(),
    }
    with FunctionProcess("lookup", environ, tmp_path / "lookup.log") as lookup:
        builds = f"{lookup.url}/api/v1/namespaces/shop/builds"
        assert http.request("GET", f"{lookup.url}/readyz").status == 200
        with radosgw_down(rgw):
            for url in (builds, f"{lookup.url}/readyz", f"{lookup.url}/api/v1/namespaces"):
                down = http.request("GET", url)
                assert down.status == 503, url
                assert down.headers["Content-Type"] == "application/problem+json"
                assert b"storage" in down.data.lower(), down.data
        # The same process, the same connections pool: it serves again once Ceph does.
        wait_for(lambda: http.request("GET", f"{lookup.url}/readyz").status == 200)
        again = http.request("GET", builds)
        assert again.status == 200
        items = json.loads(again.data)["items"]
        assert [item["name"] for item in items] == [build["metadata"]["name"]]
