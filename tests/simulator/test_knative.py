"""The simulated API server's Knative Services: valid against the serving CRD, served with
the AccessPolicy, in discovery."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.auth import AccessPolicy, User
from osiris.simulator.cluster import SimulatedCluster
from tests.deploy.schemas import validate

BASE = "/apis/serving.knative.dev/v1/namespaces"


@pytest.fixture
def server() -> Any:
    policy = AccessPolicy().allow("alice", namespaces=["osiris"], resources=["services"])
    tokens = {"alice": User("alice"), "bob": User("bob")}
    with SimulatedApiServer(SimulatedCluster(), tokens=tokens, policy=policy) as api:
        yield api


def get(server: SimulatedApiServer, path: str, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        server.url + path, headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("url", ["https://osiris-lookup-osiris.apps.example.com", None])
def test_services_are_valid_against_the_serving_crd(
    server: SimulatedApiServer, url: str | None
) -> None:
    created = server.knative.create_service("osiris", "osiris-lookup", url=url)
    assert "knative-serving/service.yaml" in validate(created)
    status, served = get(server, f"{BASE}/osiris/services/osiris-lookup", "alice")
    assert status == 200 and served == created
    assert served["status"].get("url") == url
    status, listed = get(server, f"{BASE}/osiris/services", "alice")
    assert status == 200 and listed["kind"] == "ServiceList" and listed["items"] == [created]


def test_rbac_and_not_found(server: SimulatedApiServer) -> None:
    server.knative.create_service("osiris", "osiris-lookup", url="http://x")
    status, body = get(server, f"{BASE}/osiris/services/osiris-lookup", "bob")
    assert status == 403 and body["reason"] == "Forbidden"
    assert 'services.serving.knative.dev "osiris-lookup" is forbidden' in body["message"]
    status, body = get(server, f"{BASE}/osiris/services/other", "alice")
    assert status == 404
    assert body["message"] == 'services.serving.knative.dev "other" not found'


def test_discovery_lists_the_serving_group(server: SimulatedApiServer) -> None:
    status, groups = get(server, "/apis", "alice")
    assert "serving.knative.dev" in [group["name"] for group in groups["groups"]]
    status, resources = get(server, "/apis/serving.knative.dev/v1", "alice")
    assert status == 200
    assert resources["resources"][0]["name"] == "services"
    assert resources["resources"][0]["shortNames"] == ["kservice", "ksvc"]
