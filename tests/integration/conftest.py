"""Integration fixtures: the simulated API server and functions served over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from osiris.dev.processes import FunctionProcess
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.cluster import SimulatedCluster
from tests.support.s3 import S3Bucket

PREFIX = "archive-it"
CLUSTER = "ci"


@pytest.fixture
def cluster() -> SimulatedCluster:
    cluster = SimulatedCluster()
    cluster.create_namespace("shop")
    cluster.create_buildconfig("shop", "api", strategy="Docker")
    cluster.create_buildconfig("shop", "web", strategy="Source")
    return cluster


@pytest.fixture
def apiserver(cluster: SimulatedCluster) -> Iterator[SimulatedApiServer]:
    # TLS, so the function has to honour the CA in the kubeconfig as it would in a cluster.
    with SimulatedApiServer(cluster, tls=True) as server:
        yield server


@pytest.fixture
def archive_function(
    tmp_path: Path, apiserver: SimulatedApiServer, s3_bucket: S3Bucket
) -> Iterator[Callable[..., FunctionProcess]]:
    """Start the archive function against real S3 and the simulated cluster."""
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig")
    started: list[FunctionProcess] = []

    def start(**overrides: str) -> FunctionProcess:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "KUBECONFIG": str(kubeconfig),
            "OSIRIS_PREFIX": PREFIX,
            "OSIRIS_CLUSTER": CLUSTER,
            "OSIRIS_PART_SIZE_MB": "5",
            "OSIRIS_LOG_READ_TIMEOUT": "3",
            **s3_bucket.environ(),
            **overrides,
        }
        process = FunctionProcess("archive", env, tmp_path / f"archive-{len(started)}.log")
        started.append(process.start())
        return process

    yield start
    for process in started:
        process.stop()
