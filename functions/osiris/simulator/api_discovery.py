"""The simulated API server's discovery and health routes (a mixin of its request handler).

``/version``, ``/api``, ``/api/v1``, ``/apis`` and ``/apis/<group>[/v1]`` list the groups
and resources this server serves: build.openshift.io (builds, builds/log, buildconfigs),
authentication.k8s.io, authorization.k8s.io, Knative serving and Tekton, and the core
namespaces and pods. ``/healthz``, ``/readyz`` and ``/livez`` answer ``ok``.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from osiris.simulator import api_tekton, discovery, knative
from osiris.simulator.errors import ClusterError
from osiris.simulator.status import BUILD_GROUP

JSON = dict[str, Any]
KUBERNETES_VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.6+simulated",
    "gitCommit": "0" * 40,
    "gitTreeState": "clean",
    "buildDate": "2025-01-01T00:00:00Z",
    "goVersion": "go1.22.12",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_resource = discovery.resource
_RW = discovery.READ_WRITE
_GROUP_RESOURCES: dict[str, list[JSON]] = {
    BUILD_GROUP: [
        _resource("buildconfigs", "BuildConfig", _RW, short=["bc"], categories=["all"]),
        _resource("buildconfigs/instantiate", "BuildRequest", ["create"]),
        _resource("builds", "Build", _RW, categories=["all"]),
        _resource("builds/details", "Build", ["update"]),
        _resource("builds/log", "BuildLog", ["get"]),
    ],
    "authentication.k8s.io": [
        _resource("tokenreviews", "TokenReview", ["create"], namespaced=False)
    ],
    "authorization.k8s.io": [
        _resource("subjectaccessreviews", "SubjectAccessReview", ["create"], namespaced=False),
    ],
    knative.GROUP: knative.RESOURCES,
    api_tekton.GROUP: api_tekton.RESOURCES,
}
_CORE_RESOURCES = [
    _resource(
        "namespaces",
        "Namespace",
        ["create", "delete", "get", "list", "patch", "update", "watch"],
        namespaced=False,
        short=["ns"],
    ),
    *api_tekton.CORE_RESOURCES,
]


def _group(name: str) -> JSON:
    version = {"groupVersion": f"{name}/v1", "version": "v1"}
    return {"name": name, "versions": [version], "preferredVersion": version}


class DiscoveryHandlers(BaseHTTPRequestHandler):
    """Handlers of API discovery and health checks."""

    if TYPE_CHECKING:
        sim: Any
        _status: int

        def _send_json(self, code: int, body: JSON, headers: Any = None) -> None: ...

    def _h_health(self, body: bytes, **_: str) -> None:
        payload = b"ok"
        self._status = 200
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _h_version(self, body: bytes) -> None:
        self._send_json(200, KUBERNETES_VERSION)

    def _h_core_versions(self, body: bytes) -> None:
        address = f"{self.sim.url.split('://', 1)[1]}"
        self._send_json(
            200,
            {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": address}
                ],
            },
        )

    def _h_core_resources(self, body: bytes) -> None:
        self._send_json(
            200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": _CORE_RESOURCES}
        )

    def _h_groups(self, body: bytes) -> None:
        self._send_json(
            200,
            {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [_group(name) for name in _GROUP_RESOURCES],
            },
        )

    def _h_group(self, body: bytes, group: str) -> None:
        if group not in _GROUP_RESOURCES:
            raise ClusterError(
                404, "NotFound", "the server could not find the requested resource", {}
            )
        self._send_json(200, {"kind": "APIGroup", "apiVersion": "v1", **_group(group)})

    def _h_group_resources(self, body: bytes, group: str) -> None:
        if group not in _GROUP_RESOURCES:
            raise ClusterError(
                404, "NotFound", "the server could not find the requested resource", {}
            )
        self._send_json(
            200,
            {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": f"{group}/v1",
                "resources": _GROUP_RESOURCES[group],
            },
        )
