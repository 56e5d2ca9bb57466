"""The simulated API server over real HTTP: discovery, lists, errors, availability, TLS, clients."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import urllib3

from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.buildlogs import sha256
from osiris.simulator.cluster import SimulatedCluster

from .apiclient import BUILDS, LOG, get, status_of
from .conftest import ALICE_TOKEN, TOKENS, make_policy

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"


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


# --------------------------------------------------------------------------- availability


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
