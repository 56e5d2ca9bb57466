"""The archive function's input fuzzed over real HTTP: functions-framework's production
server on ``functions/main.py``, real S3 (the suite's Ceph RGW), the simulated API server
over TLS. Fewer examples than the in-process fuzzing in ``test_archive_events.py`` (each
is a real request and, when accepted, a real upload); the same invariants: only 200, 400
or 503, and a rejected request leaves the bucket as it was."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from osiris.dev.processes import FunctionProcess
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.cluster import SimulatedCluster
from tests.fuzz.strategies import JSON, Delivery, deliveries
from tests.support.s3 import S3Bucket

pytestmark = [pytest.mark.s3, pytest.mark.one_s3_target, pytest.mark.slow]

PREFIX, CLUSTER = "fuzz-http", "fuzz"
OUR_KEYS = f"{PREFIX}/v1/{CLUSTER}/"
http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=120))


def _cluster() -> tuple[SimulatedCluster, list[JSON]]:
    cluster = SimulatedCluster()
    cluster.create_namespace("shop")
    cluster.create_buildconfig("shop", "api", strategy="Docker")
    builds = [
        cluster.start_build("shop", "api", outcome="Complete", log_size=3000, seed=1),
        cluster.start_build("shop", "api", outcome="Failed", log_size=3000, seed=2),
        cluster.start_build("shop", "api", outcome="Error"),
    ]
    return cluster, builds


CLUSTER_SIM, BUILDS = _cluster()


@pytest.fixture
def archive_url(tmp_path: Path, s3_bucket: S3Bucket) -> Iterator[str]:
    with SimulatedApiServer(CLUSTER_SIM, tls=True) as apiserver:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "KUBECONFIG": str(apiserver.write_kubeconfig(tmp_path / "kubeconfig")),
            "OSIRIS_PREFIX": PREFIX,
            "OSIRIS_CLUSTER": CLUSTER,
            "OSIRIS_LOG_READ_TIMEOUT": "10",
            **s3_bucket.environ(),
        }
        with FunctionProcess("archive", env, tmp_path / "archive.log") as function:
            yield function.url


@settings(
    max_examples=60,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(delivery=st.sampled_from(BUILDS).flatmap(deliveries))
def test_over_http_any_request_gets_a_documented_status_and_a_rejection_writes_nothing(
    archive_url: str, s3_bucket: S3Bucket, delivery: Delivery
) -> None:
    before = set(s3_bucket.object_keys())
    response = http.request("POST", archive_url, body=delivery.body, headers=delivery.headers)
    event(f"{delivery.label.split('/')[0]} → {response.status}")
    assert response.status in (200, 400, 503), (response.status, response.data[:500])
    after = set(s3_bucket.object_keys())
    if response.status != 200:
        assert after == before, sorted(after - before)
    assert all(key.startswith(OUR_KEYS) for key in after), sorted(after)
