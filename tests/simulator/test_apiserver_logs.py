"""The simulated API server's build logs: chunked streaming, options, 400s, waiting, faults."""

from __future__ import annotations

import hashlib
import http.client
import threading

import pytest
import urllib3

from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.buildlogs import read_all, sha256
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.faults import LogFault

from .apiclient import LOG, get, status_of
from .conftest import ARCHIVER_TOKEN


def test_the_log_streams_chunked_without_content_length(
    server: SimulatedApiServer, cluster: SimulatedCluster
) -> None:
    cluster.start_build("shop", "api", log_size=3_000_000, seed=8)
    connection = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
    connection.request(
        "GET",
        LOG.format(ns="shop", name="api-1"),
        headers={"Authorization": f"Bearer {ARCHIVER_TOKEN}"},
    )
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/plain"
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("Content-Length") is None
    digest = hashlib.sha256()
    while chunk := response.read(1 << 16):
        digest.update(chunk)
    connection.close()
    assert digest.hexdigest() == sha256(cluster.log_spec("shop", "api-1"))


def test_log_options_limit_bytes_tail_lines_and_previous(
    server: SimulatedApiServer, cluster: SimulatedCluster
) -> None:
    cluster.start_build("shop", "api", log_size=500_000, seed=1)
    cluster.start_build("shop", "api", log_size=400_000, seed=2, outcome="Failed")
    first, second = (
        read_all(cluster.log_spec("shop", "api-1")),
        read_all(cluster.log_spec("shop", "api-2")),
    )
    path = LOG.format(ns="shop", name="api-2")
    assert get(server, path + "?limitBytes=1000").data == second[:1000]
    assert get(server, path + "?tailLines=3").data == b"\n".join(second.split(b"\n")[-4:])
    assert (
        get(server, path + "?tailLines=3&limitBytes=10").data
        == b"\n".join(second.split(b"\n")[-4:])[:10]
    )
    assert get(server, path + "?previous=true").data == first
    assert get(server, path + "?follow=true").data == second
    invalid = get(server, path + "?limitBytes=0")
    assert invalid.status == 422 and status_of(invalid)["reason"] == "Invalid"


def test_logs_of_builds_that_never_ran_or_lost_their_pod_are_400(
    server: SimulatedApiServer, cluster: SimulatedCluster
) -> None:
    cluster.start_build("shop", "api", outcome="Error")
    cluster.start_build("shop", "api", outcome="Cancelled")
    cluster.start_build("shop", "api")
    cluster.delete_build_pod("shop", "api-3")
    expected = {
        "api-1": "build api-1 is in an error state. No logs are available.",
        "api-2": "build api-2 was cancelled. No logs are available.",
        "api-3": 'pod "api-3-build" not found',
    }
    for name, message in expected.items():
        response = get(server, LOG.format(ns="shop", name=name))
        assert response.status == 400
        assert status_of(response) == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": "BadRequest",
            "code": 400,
        }


def test_logs_of_builds_not_started_yet(
    server: SimulatedApiServer, cluster: SimulatedCluster
) -> None:
    cluster.start_build("shop", "api", run=False)
    path = LOG.format(ns="shop", name="api-1")
    nowait = get(server, path + "?nowait=true")
    assert (nowait.status, nowait.data) == (204, b"")
    waited = get(server, path)  # this server waits 0.2 s instead of openshift's 30 s
    assert waited.status == 504
    assert status_of(waited)["message"] == "timed out waiting for build api-1 to start after 0.2s"


def test_a_log_request_waits_for_the_build_to_start(cluster: SimulatedCluster) -> None:
    cluster.start_build("shop", "api", run=False, log_size=100_000)
    with SimulatedApiServer(cluster, log_wait_timeout=60) as server:
        result: dict[str, urllib3.BaseHTTPResponse] = {}
        reader = threading.Thread(
            target=lambda: result.update(r=get(server, LOG.format(ns="shop", name="api-1")))
        )
        reader.start()
        # The reader is either already waiting or not yet arrived; both must end with the log.
        cluster.advance_build("shop", "api-1")
        cluster.advance_build("shop", "api-1")
        reader.join()
    assert result["r"].status == 200
    assert result["r"].data == read_all(cluster.log_spec("shop", "api-1"))


def test_injected_statuses_come_before_the_log(
    server: SimulatedApiServer, cluster: SimulatedCluster
) -> None:
    cluster.start_build("shop", "api")
    cluster.add_log_fault("shop", "api-1", LogFault(status=503, times=2))
    cluster.add_log_fault("shop", "api-1", LogFault(status=429, times=1))
    responses = [get(server, LOG.format(ns="shop", name="api-1")) for _ in range(4)]
    assert [r.status for r in responses] == [503, 503, 429, 200]
    assert status_of(responses[0])["reason"] == "ServiceUnavailable"
    assert status_of(responses[2])["details"] == {"retryAfterSeconds": 1}
    assert responses[2].headers["Retry-After"] == "1"
    assert responses[3].data == read_all(cluster.log_spec("shop", "api-1"))


def test_a_cut_stream_makes_urllib3_raise(
    server: SimulatedApiServer, cluster: SimulatedCluster
) -> None:
    cluster.start_build("shop", "api", log_size=2_000_000)
    cluster.add_log_fault("shop", "api-1", LogFault(cut_after=300_000, times=1))
    response = get(server, LOG.format(ns="shop", name="api-1"), preload_content=False)
    received = bytearray()
    with pytest.raises(urllib3.exceptions.ProtocolError):
        for chunk in response.stream(1 << 16):
            received += chunk
    assert bytes(received) == read_all(cluster.log_spec("shop", "api-1"))[: len(received)]
    assert len(received) <= 300_000
    # The next request is not faulted.
    assert get(server, LOG.format(ns="shop", name="api-1")).data == read_all(
        cluster.log_spec("shop", "api-1")
    )


def test_a_stalled_stream_trips_the_read_timeout(
    server: SimulatedApiServer, cluster: SimulatedCluster
) -> None:
    cluster.start_build("shop", "api", log_size=1_000_000)
    cluster.add_log_fault("shop", "api-1", LogFault(stall_after=100_000, stall_seconds=5, times=1))
    response = get(
        server,
        LOG.format(ns="shop", name="api-1"),
        preload_content=False,
        timeout=urllib3.Timeout(connect=2, read=0.3),
    )
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        for _ in response.stream(1 << 16):
            pass
