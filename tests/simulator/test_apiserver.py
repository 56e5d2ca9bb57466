"""The simulated API server over real HTTP: discovery, lists, logs, errors, auth, faults, clients."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
import urllib3

from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.buildlogs import read_all, sha256
from osiris.simulator.cluster import LogFault, SimulatedCluster

from .conftest import (
    ALICE_SCOPED_TOKEN,
    ALICE_TOKEN,
    ARCHIVER_TOKEN,
    REVIEWER_TOKEN,
    TOKENS,
    make_policy,
)

BUILDS = "/apis/build.openshift.io/v1/namespaces/{ns}/builds"
LOG = "/apis/build.openshift.io/v1/namespaces/{ns}/builds/{name}/log"
KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"


def get(
    server: SimulatedApiServer,
    path: str,
    token: str | None = ARCHIVER_TOKEN,
    *,
    method: str = "GET",
    body: Any = None,
    **kwargs: Any,
) -> urllib3.BaseHTTPResponse:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    pool = urllib3.PoolManager(
        retries=False, ca_certs=str(server.ca_file) if server.ca_file else None
    )
    return pool.request(method, server.url + path, headers=headers, body=payload, **kwargs)


def status_of(response: urllib3.BaseHTTPResponse) -> dict[str, Any]:
    assert response.headers["Content-Type"] == "application/json"
    body: dict[str, Any] = json.loads(response.data)
    assert (body["kind"], body["apiVersion"], body["status"], body["metadata"]) == (
        "Status",
        "v1",
        "Failure",
        {},
    )
    assert body["code"] == response.status
    return body


# --------------------------------------------------------------------------- discovery and lists


def test_discovery_lists_builds_their_log_and_buildconfigs(server: SimulatedApiServer) -> None:
    groups = json.loads(get(server, "/apis").data)
    assert groups["kind"] == "APIGroupList"
    assert {group["name"] for group in groups["groups"]} >= {
        "build.openshift.io",
        "authentication.k8s.io",
        "authorization.k8s.io",
    }
    resources = json.loads(get(server, "/apis/build.openshift.io/v1").data)
    assert resources["groupVersion"] == "build.openshift.io/v1"
    by_name = {resource["name"]: resource for resource in resources["resources"]}
    assert by_name["builds"]["kind"] == "Build" and by_name["builds"]["namespaced"] is True
    assert by_name["builds/log"]["verbs"] == ["get"]
    assert by_name["buildconfigs"]["shortNames"] == ["bc"]
    assert json.loads(get(server, "/version", token=None).data)["major"] == "1"


def test_lists_paginate_with_continue_tokens(
    server: SimulatedApiServer, cluster: SimulatedCluster
) -> None:
    for _ in range(4):
        cluster.start_build("shop", "api")
    for _ in range(2):
        cluster.start_build("shop", "web")
    cluster.start_build("ops", "tools")
    names: list[str] = []
    path = "/apis/build.openshift.io/v1/builds?limit=3"
    first = json.loads(get(server, path).data)
    assert first["kind"] == "BuildList" and first["apiVersion"] == "build.openshift.io/v1"
    assert first["metadata"]["remainingItemCount"] == 4
    assert first["metadata"]["resourceVersion"] == cluster.resource_version
    page = first
    while True:
        assert len(page["items"]) <= 3
        assert all("kind" not in item and "apiVersion" not in item for item in page["items"])
        names += [f"{i['metadata']['namespace']}/{i['metadata']['name']}" for i in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
        page = json.loads(get(server, f"{path}&continue={token}").data)
    assert names == [
        "ops/tools-1",
        "shop/api-1",
        "shop/api-2",
        "shop/api-3",
        "shop/api-4",
        "shop/web-1",
        "shop/web-2",
    ]


def test_label_and_field_selectors_filter_lists(
    server: SimulatedApiServer, cluster: SimulatedCluster
) -> None:
    cluster.start_build("shop", "api")
    cluster.start_build("shop", "web")
    cluster.start_build("shop", "web")

    def names(query: str) -> list[str]:
        response = get(server, BUILDS.format(ns="shop") + query)
        return [item["metadata"]["name"] for item in json.loads(response.data)["items"]]

    assert names("?labelSelector=buildconfig%3Dweb") == ["web-1", "web-2"]
    assert names("?labelSelector=openshift.io/build-config.name!%3Dweb") == ["api-1"]
    assert names("?labelSelector=app,buildconfig%3D%3Dapi") == ["api-1"]
    assert names("?fieldSelector=metadata.name%3Dweb-2") == ["web-2"]
    bad = get(server, BUILDS.format(ns="shop") + "?labelSelector=%3D%3D%3D")
    assert bad.status == 400 and status_of(bad)["reason"] == "BadRequest"


def test_get_returns_the_cluster_object(
    server: SimulatedApiServer, cluster: SimulatedCluster
) -> None:
    cluster.start_build("shop", "api")
    response = get(server, BUILDS.format(ns="shop") + "/api-1")
    assert response.status == 200
    assert json.loads(response.data) == cluster.get_build("shop", "api-1")
    bc = json.loads(
        get(server, "/apis/build.openshift.io/v1/namespaces/shop/buildconfigs/api").data
    )
    assert bc["kind"] == "BuildConfig" and bc["status"]["lastVersion"] == 1
    namespaces = json.loads(get(server, "/api/v1/namespaces").data)
    assert [ns["metadata"]["name"] for ns in namespaces["items"]] == ["ops", "shop"]


def test_errors_are_kubernetes_status_objects(server: SimulatedApiServer) -> None:
    missing = get(server, BUILDS.format(ns="shop") + "/api-9")
    assert missing.status == 404
    assert status_of(missing) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'builds.build.openshift.io "api-9" not found',
        "reason": "NotFound",
        "details": {"name": "api-9", "group": "build.openshift.io", "kind": "builds"},
        "code": 404,
    }
    wrong_method = get(server, BUILDS.format(ns="shop") + "/api-9", method="DELETE")
    assert wrong_method.status == 405 and status_of(wrong_method)["reason"] == "MethodNotAllowed"
    unknown = get(server, "/apis/image.openshift.io/v1/namespaces/shop/imagestreams")
    assert unknown.status == 404 and status_of(unknown)["reason"] == "NotFound"


# --------------------------------------------------------------------------- logs


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


# --------------------------------------------------------------------------- auth


def test_callers_need_a_known_token_and_permission(
    server: SimulatedApiServer, cluster: SimulatedCluster
) -> None:
    cluster.start_build("ops", "tools")
    cluster.start_build("shop", "api")
    for token in (None, "sha256~unknown"):
        response = get(server, BUILDS.format(ns="shop"), token=token)
        assert response.status == 401
        assert status_of(response)["message"] == "Unauthorized"
    forbidden = get(server, LOG.format(ns="ops", name="tools-1"), token=ALICE_TOKEN)
    assert forbidden.status == 403
    assert status_of(forbidden) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'builds.build.openshift.io "tools-1" is forbidden: User "alice" cannot get resource '
        '"builds/log" in API group "build.openshift.io" in the namespace "ops"',
        "reason": "Forbidden",
        "details": {"name": "tools-1", "group": "build.openshift.io", "kind": "builds"},
        "code": 403,
    }
    cluster_wide = get(server, "/apis/build.openshift.io/v1/builds", token=ALICE_TOKEN)
    assert cluster_wide.status == 403 and status_of(cluster_wide)["message"].endswith(
        "at the cluster scope"
    )
    assert get(server, LOG.format(ns="shop", name="api-1"), token=ALICE_TOKEN).status == 200


def test_token_reviews(server: SimulatedApiServer) -> None:
    path = "/apis/authentication.k8s.io/v1/tokenreviews"
    review = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenReview",
        "spec": {"token": ALICE_TOKEN},
    }
    good = get(server, path, token=REVIEWER_TOKEN, method="POST", body=review)
    assert good.status == 201
    assert json.loads(good.data)["status"] == {
        "authenticated": True,
        "user": {
            "username": "alice",
            "uid": TOKENS[ALICE_TOKEN].uid,
            "groups": ["devs", "system:authenticated"],
        },
    }
    review = {**review, "spec": {"token": "sha256~forged"}}
    bad = json.loads(get(server, path, token=REVIEWER_TOKEN, method="POST", body=review).data)
    assert "authenticated" not in bad["status"] and bad["status"]["user"] == {}
    assert get(server, path, token=ALICE_TOKEN, method="POST", body=review).status == 403


def test_subject_access_reviews(server: SimulatedApiServer) -> None:
    path = "/apis/authorization.k8s.io/v1/subjectaccessreviews"

    def review(namespace: str) -> dict[str, Any]:
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": {
                "user": "alice",
                "groups": ["devs"],
                "resourceAttributes": {
                    "namespace": namespace,
                    "verb": "get",
                    "group": "build.openshift.io",
                    "resource": "builds",
                    "subresource": "log",
                },
            },
        }
        response = get(server, path, token=REVIEWER_TOKEN, method="POST", body=body)
        assert response.status == 201
        answer: dict[str, Any] = json.loads(response.data)
        assert answer["spec"] == body["spec"] and answer["kind"] == "SubjectAccessReview"
        status: dict[str, Any] = answer["status"]
        return status

    assert review("shop")["allowed"] is True
    assert review("ops") == {"allowed": False}
    invalid = get(server, path, token=REVIEWER_TOKEN, method="POST", body={"spec": {}})
    assert invalid.status == 422 and status_of(invalid)["reason"] == "Invalid"


def test_scoped_tokens_report_their_scopes_and_reviews_honour_them(
    server: SimulatedApiServer,
) -> None:
    token_path = "/apis/authentication.k8s.io/v1/tokenreviews"
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview"}
    answer = get(
        server,
        token_path,
        token=REVIEWER_TOKEN,
        method="POST",
        body={**review, "spec": {"token": ALICE_SCOPED_TOKEN}},
    )
    user = json.loads(answer.data)["status"]["user"]
    assert user["extra"] == {
        "scopes.authorization.openshift.io": ["user:info", "user:check-access"]
    }
    unscoped = get(
        server,
        token_path,
        token=REVIEWER_TOKEN,
        method="POST",
        body={**review, "spec": {"token": ALICE_TOKEN}},
    )
    assert "extra" not in json.loads(unscoped.data)["status"]["user"]

    def allowed(extra: dict[str, list[str]] | None) -> bool:
        spec: dict[str, Any] = {
            "user": "alice",
            "resourceAttributes": {
                "namespace": "shop",
                "verb": "get",
                "group": "build.openshift.io",
                "resource": "builds",
                "subresource": "log",
            },
        }
        if extra is not None:
            spec["extra"] = extra
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": spec,
        }
        response = get(
            server,
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            token=REVIEWER_TOKEN,
            method="POST",
            body=body,
        )
        result: bool = json.loads(response.data)["status"]["allowed"]
        return result

    scopes = "scopes.authorization.openshift.io"
    assert allowed(None) is True
    assert allowed({scopes: ["user:info", "user:check-access"]}) is False
    assert allowed({scopes: ["user:full"]}) is True
    assert allowed({scopes: ["role:view:shop"]}) is False  # role scopes: not modelled, refused


def test_the_server_can_go_down_and_come_back(server: SimulatedApiServer) -> None:
    url = server.url
    server.set_down("unavailable")
    unavailable = get(server, BUILDS.format(ns="shop"))
    assert unavailable.status == 503 and status_of(unavailable)["reason"] == "ServiceUnavailable"
    server.set_down("refuse")
    with pytest.raises(urllib3.exceptions.NewConnectionError):
        get(server, BUILDS.format(ns="shop"))
    server.set_down(None)
    assert server.url == url
    assert get(server, BUILDS.format(ns="shop")).status == 200


# --------------------------------------------------------------------------- TLS and real clients


@pytest.fixture
def tls_server(cluster: SimulatedCluster) -> Any:
    cluster.start_build("shop", "api", log_size=1_500_000, seed=77)
    with SimulatedApiServer(cluster, tokens=TOKENS, policy=make_policy(), tls=True) as server:
        yield server


def test_tls_clients_must_trust_the_servers_ca(tls_server: SimulatedApiServer) -> None:
    assert tls_server.url.startswith("https://127.0.0.1:")
    assert get(tls_server, BUILDS.format(ns="shop"), token=ALICE_TOKEN).status == 200
    with pytest.raises(urllib3.exceptions.SSLError):
        urllib3.PoolManager(retries=False).request("GET", tls_server.url + "/version")


def test_the_kubernetes_client_reads_a_build_and_its_log(
    tls_server: SimulatedApiServer, cluster: SimulatedCluster, tmp_path: Path
) -> None:
    from kubernetes import client, config

    kubeconfig = tls_server.write_kubeconfig(
        tmp_path / "kubeconfig", token=ALICE_TOKEN, namespace="shop"
    )
    configuration = client.Configuration()
    config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=str(kubeconfig), client_configuration=configuration
    )
    with client.ApiClient(configuration) as api:
        # kubernetes >= 29 (new generator): param_serialize + call_api; the response streams.
        request = api.param_serialize(
            "GET",
            "/apis/build.openshift.io/v1/namespaces/{namespace}/builds/{name}",
            path_params={"namespace": "shop", "name": "api-1"},
            auth_settings=["BearerToken"],
        )
        build = json.loads(api.call_api(*request).read())
        assert build == cluster.get_build("shop", "api-1")
        request = api.param_serialize(
            "GET",
            "/apis/build.openshift.io/v1/namespaces/{namespace}/builds/{name}/log",
            path_params={"namespace": "shop", "name": "api-1"},
            auth_settings=["BearerToken"],
        )
        response = api.call_api(*request)
        assert response.status == 200
        digest = hashlib.sha256()
        for chunk in response.response.stream(1 << 16):
            digest.update(chunk)
    assert digest.hexdigest() == sha256(cluster.log_spec("shop", "api-1"))


def kubectl(
    server: SimulatedApiServer, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[bytes]:
    if not Path(KUBECTL).exists():
        pytest.skip(f"kubectl is not installed at {KUBECTL}")
    kubeconfig = server.write_kubeconfig(
        tmp_path / "kubeconfig", token=ALICE_TOKEN, namespace="shop"
    )
    return subprocess.run(
        [KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(tmp_path / "cache"), *args],
        capture_output=True,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )


def test_kubectl_gets_builds_and_the_raw_log(
    tls_server: SimulatedApiServer, cluster: SimulatedCluster, tmp_path: Path
) -> None:
    table = kubectl(tls_server, tmp_path, "get", "builds", "-n", "shop")
    assert table.returncode == 0, table.stderr.decode()
    header, row = table.stdout.decode().splitlines()
    assert header.split() == ["NAME", "TYPE", "FROM", "STATUS", "STARTED", "DURATION"]
    assert row.split()[:4] == [
        "api-1",
        "Docker",
        f"Git@{cluster.log_spec('shop', 'api-1').commit[:7]}",
        "Complete",
    ]

    as_json = kubectl(tls_server, tmp_path, "get", "builds", "-n", "shop", "-o", "json")
    assert as_json.returncode == 0, as_json.stderr.decode()
    assert (
        json.loads(as_json.stdout)["items"][0]["metadata"]["uid"]
        == cluster.get_build("shop", "api-1")["metadata"]["uid"]
    )

    raw = kubectl(tls_server, tmp_path, "get", "--raw", LOG.format(ns="shop", name="api-1"))
    assert raw.returncode == 0, raw.stderr.decode()
    assert hashlib.sha256(raw.stdout).hexdigest() == sha256(cluster.log_spec("shop", "api-1"))

    denied = kubectl(tls_server, tmp_path, "get", "builds", "-n", "ops")
    assert denied.returncode != 0 and b"forbidden" in denied.stderr


def test_the_kubeconfig_embeds_the_ca_and_token(
    tls_server: SimulatedApiServer, tmp_path: Path
) -> None:
    written = json.loads(tls_server.write_kubeconfig(tmp_path / "kc", token="abc").read_text())
    cluster_entry = written["clusters"][0]["cluster"]
    assert cluster_entry["server"] == tls_server.url
    assert tls_server.ca_file is not None
    assert (
        base64.b64decode(cluster_entry["certificate-authority-data"])
        == tls_server.ca_file.read_bytes()
    )
    assert written["users"][0]["user"] == {"token": "abc"}
