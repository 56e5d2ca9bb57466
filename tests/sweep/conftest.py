"""Sweep fixtures: opted-in namespaces behind the simulated API server, functions over HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3

from osiris.contract import PING_EVENT_TYPE
from osiris.dev.processes import FunctionProcess
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.cluster import SimulatedCluster
from tests.support.s3 import S3Bucket

PREFIX = "sweep-it"
CLUSTER = "ci"
OPT_IN = {"osiris.io/archive": "enabled"}
http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=600))


@pytest.fixture
def cluster() -> SimulatedCluster:
    cluster = SimulatedCluster()
    cluster.create_namespace("shop", labels=OPT_IN)
    cluster.create_namespace("lab", labels=OPT_IN)
    cluster.create_namespace("private")  # not opted in: never swept
    for namespace in ("shop", "lab", "private"):
        cluster.create_buildconfig(namespace, "api", strategy="Docker")
        cluster.create_buildconfig(namespace, "web", strategy="Source")
    return cluster


@pytest.fixture
def apiserver(cluster: SimulatedCluster) -> Iterator[SimulatedApiServer]:
    with SimulatedApiServer(cluster, tls=True) as server:
        yield server


@pytest.fixture
def function_environ(
    tmp_path: Path, apiserver: SimulatedApiServer, s3_bucket: S3Bucket
) -> dict[str, str]:
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig")
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "KUBECONFIG": str(kubeconfig),
        "OSIRIS_PREFIX": PREFIX,
        "OSIRIS_CLUSTER": CLUSTER,
        "OSIRIS_PART_SIZE_MB": "5",
        "OSIRIS_LOG_READ_TIMEOUT": "10",
        **s3_bucket.environ(),
    }


@pytest.fixture
def start_function(
    tmp_path: Path, function_environ: dict[str, str]
) -> Iterator[Callable[..., FunctionProcess]]:
    started: list[FunctionProcess] = []

    def start(target: str, **overrides: str) -> FunctionProcess:
        process = FunctionProcess(
            target, {**function_environ, **overrides}, tmp_path / f"{target}-{len(started)}.log"
        )
        started.append(process.start())
        return process

    yield start
    for process in started:
        process.stop()


def ping(function: FunctionProcess) -> tuple[int, dict[str, Any]]:
    """Send one PingSource-shaped CloudEvent; the status and the run's summary log line."""
    event_id = str(uuid.uuid4())
    headers = {
        "ce-specversion": "1.0",
        "ce-type": PING_EVENT_TYPE,
        "ce-source": "/apis/v1/namespaces/osiris/pingsources/osiris-sweep",
        "ce-id": event_id,
        "content-type": "application/json",
    }
    response = http.request(
        "POST", function.url, body=b'{"reason": "periodic sweep"}', headers=headers
    )
    summaries = [
        json.loads(line)
        for line in function.output().splitlines()
        if line.startswith("{") and '"sweep finished"' in line
    ]
    (summary,) = [s for s in summaries if s["event_id"] == event_id]
    return response.status, summary
