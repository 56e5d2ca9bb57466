"""Requests to the simulated API server over real HTTP, as the tests of it make them."""

from __future__ import annotations

import json
from typing import Any

import urllib3

from osiris.simulator.apiserver import SimulatedApiServer

from .conftest import ARCHIVER_TOKEN

BUILDS = "/apis/build.openshift.io/v1/namespaces/{ns}/builds"
LOG = "/apis/build.openshift.io/v1/namespaces/{ns}/builds/{name}/log"


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
