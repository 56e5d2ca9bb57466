"""A real HTTP server speaking the OpenShift/Kubernetes REST API of a SimulatedCluster.

Usage::

    from osiris.simulator.apiserver import SimulatedApiServer
    from osiris.simulator.auth import AccessPolicy, User

    with SimulatedApiServer(cluster, tokens={"t0k3n": User("alice")},
                            policy=AccessPolicy().allow("alice", namespaces=["shop"]),
                            tls=True) as server:
        server.url                                  # "https://127.0.0.1:<port>"
        server.write_kubeconfig(tmp / "kubeconfig", token="t0k3n", namespace="shop")
        # kubernetes.config.load_kube_config(str(tmp / "kubeconfig")) and
        # kubectl --kubeconfig tmp/kubeconfig get builds  now talk to it.
        server.set_down("refuse")                   # connections refused; "unavailable": 503
        server.set_down(None)                       # back up, same port
        server.requests                             # [RequestRecord(method, path, status, user)]

    # The kubernetes client (>= 29, new generator) reads a log as a stream like this:
    #   api = kubernetes.client.ApiClient(configuration)
    #   request = api.param_serialize("GET", ".../namespaces/{namespace}/builds/{name}/log",
    #                                 path_params={...}, auth_settings=["BearerToken"])
    #   response = api.call_api(*request)          # preload_content=False is built in
    #   for chunk in response.response.stream(65536): ...

Served (all JSON errors are ``Status`` objects: kind Status, apiVersion v1, status
Failure, message, reason, details, code):

* discovery: ``/version``, ``/api``, ``/api/v1``, ``/apis``, ``/apis/<group>[/v1]`` for
  build.openshift.io (builds, builds/log, buildconfigs), authentication.k8s.io and
  authorization.k8s.io; health: ``/healthz``, ``/readyz``, ``/livez``.
* ``GET /api/v1/namespaces[/<ns>]``; ``GET /apis/build.openshift.io/v1/[namespaces/<ns>/]builds``
  and ``buildconfigs`` lists with ``limit``/``continue``, ``labelSelector`` (=, ==, !=, exists,
  !exists) and ``fieldSelector`` (metadata.name, metadata.namespace); a ``Table`` when the
  client asks for ``as=Table`` (kubectl does); single objects.
* ``GET .../builds/<name>/log``: ``text/plain``, chunked, no Content-Length, honouring
  ``limitBytes``, ``tailLines``, ``nowait`` (204 for New/Pending), ``follow``, ``previous``;
  400 for Error/Cancelled builds and for builds whose pod is gone, with openshift-apiserver's
  messages; the build's queued :class:`~osiris.simulator.cluster.LogFault` applies.
* ``GET /apis/serving.knative.dev/v1/namespaces/<ns>/services[/<name>]``: the Knative
  Services of :class:`~osiris.simulator.knative.KnativeServices` (``server.knative``).
* ``POST /apis/authentication.k8s.io/v1/tokenreviews`` and
  ``POST /apis/authorization.k8s.io/v1/subjectaccessreviews`` answered from ``tokens``/``policy``.

With ``tokens`` set every request except /version and health needs a known bearer token
(401 otherwise; this cluster has anonymous auth disabled) and the policy must allow it
(403 otherwise). Without ``tokens`` nobody is asked. Known paths with an unsupported
method get 405, unknown paths 404. ``watch`` is not supported (400).
"""

from __future__ import annotations

import base64
import json
import re
import ssl
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, urlsplit

from osiris.simulator import api_tekton, discovery, knative
from osiris.simulator.api_logs import LogHandlers
from osiris.simulator.api_reviews import ReviewHandlers
from osiris.simulator.auth import AccessPolicy, User
from osiris.simulator.cluster import (
    ClusterError,
    SimulatedCluster,
    bad_request,
    not_found,
)
from osiris.simulator.selectors import (
    decode_continue,
    encode_continue,
    matches,
    parse_field_selector,
    parse_label_selector,
)
from osiris.simulator.status import BUILD_GROUP, fault_status, status_body
from osiris.simulator.tables import age, build_row, column
from osiris.simulator.tls import self_signed_certificate

JSON = dict[str, Any]
DownMode = Literal["refuse", "unavailable"]

CHUNK_SIZE = 64 * 1024
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
_NAME = r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?"


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    status: int
    user: str


# --------------------------------------------------------------------------- discovery


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


# --------------------------------------------------------------------------- selectors


# --------------------------------------------------------------------------- tables


_TABLES: dict[str, tuple[list[JSON], Callable[[JSON, datetime], list[Any]]]] = {
    "builds": (
        [
            column("Name", "Name must be unique within a namespace.", "name"),
            column("Type", "Describes a particular way of performing a build."),
            column("From", "Describes the source of a build."),
            column("Status", "The status of the build."),
            column("Started", "Describes when the build started."),
            column("Duration", "How long the build took to complete."),
        ],
        build_row,
    ),
    "buildconfigs": (
        [
            column("Name", "Name must be unique within a namespace.", "name"),
            column("Type", "Describes a particular way of performing a build."),
            column("From", "Describes the source of a build."),
            column("Latest", "The latest version of the build config."),
        ],
        lambda obj, now: [
            obj["metadata"]["name"],
            obj["spec"]["strategy"]["type"],
            obj["spec"]["source"]["type"],
            obj["status"].get("lastVersion", 0),
        ],
    ),
    "namespaces": (
        [
            column("Name", "Name must be unique within a namespace.", "name"),
            column("Status", "The status of the namespace"),
            column(
                "Age",
                "CreationTimestamp is a timestamp representing the server time when this object was created.",
            ),
        ],
        lambda obj, now: [
            obj["metadata"]["name"],
            obj["status"]["phase"],
            age(obj["metadata"].get("creationTimestamp"), now),
        ],
    ),
}


# --------------------------------------------------------------------------- TLS


# --------------------------------------------------------------------------- server


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    sim: SimulatedApiServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that vanish or fail the TLS handshake are part of the tests, not bugs.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class SimulatedApiServer:
    """Serve ``cluster`` over HTTP(S) on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        cluster: SimulatedCluster,
        *,
        tokens: Mapping[str, User | str] | None = None,
        policy: AccessPolicy | None = None,
        tls: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        log_wait_timeout: float = 30.0,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self.cluster = cluster
        self.knative = knative.KnativeServices()
        self.tokens: dict[str, User] | None = (
            None
            if tokens is None
            else {
                token: user if isinstance(user, User) else User(user)
                for token, user in tokens.items()
            }
        )
        self.policy = policy or AccessPolicy.allow_all()
        self.log_wait_timeout = log_wait_timeout
        self.chunk_size = chunk_size
        self._host, self._port = host, port
        self._tls_dir: tempfile.TemporaryDirectory[str] | None = None
        self._context: ssl.SSLContext | None = None
        self.ca_file: Path | None = None
        if tls:
            self._tls_dir = tempfile.TemporaryDirectory(prefix="osiris-apiserver-")
            cert, key = self_signed_certificate(Path(self._tls_dir.name))
            self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._context.load_cert_chain(cert, key)
            self.ca_file = cert
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._down: DownMode | None = None
        self._requests: list[RequestRecord] = []

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        scheme = "https" if self._context else "http"
        return f"{scheme}://{self._host}:{self._port}"

    def start(self) -> SimulatedApiServer:
        httpd = _HTTPServer((self._host, self._port), _Handler)
        httpd.sim = self
        if self._context is not None:
            # The handshake then happens in the handler thread, not in the accept loop.
            httpd.socket = self._context.wrap_socket(
                httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self._port = httpd.server_address[1]
        self._stopping.clear()
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"apiserver-{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def _close(self) -> None:
        if self._httpd is not None:
            self._stopping.set()
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def stop(self) -> None:
        self._close()
        if self._tls_dir is not None:
            self._tls_dir.cleanup()
            self._tls_dir = None

    def __enter__(self) -> SimulatedApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_down(self, mode: DownMode | None) -> None:
        """``refuse``: stop listening (connection refused); ``unavailable``: answer 503; None: up."""
        with self._lock:
            previous, self._down = self._down, mode
        if mode == "refuse" and previous != "refuse":
            self._close()
        elif mode != "refuse" and previous == "refuse":
            self.start()  # same port: the server is "back" where clients expect it

    @property
    def down(self) -> DownMode | None:
        return self._down

    @property
    def stopping(self) -> threading.Event:
        return self._stopping

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    def record(self, entry: RequestRecord) -> None:
        with self._lock:
            self._requests.append(entry)

    # ------------------------------------------------------------------ kubeconfig

    def kubeconfig(self, token: str | None = None, namespace: str | None = None) -> JSON:
        cluster: JSON = {"server": self.url}
        if self.ca_file is not None:
            cluster["certificate-authority-data"] = base64.b64encode(
                self.ca_file.read_bytes()
            ).decode()
        context: JSON = {"cluster": "simulated", "user": "simulated-user"}
        if namespace:
            context["namespace"] = namespace
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "simulated", "cluster": cluster}],
            "users": [{"name": "simulated-user", "user": {"token": token} if token else {}}],
            "contexts": [{"name": "simulated", "context": context}],
            "current-context": "simulated",
            "preferences": {},
        }

    def write_kubeconfig(
        self, path: str | Path, token: str | None = None, namespace: str | None = None
    ) -> Path:
        """Write a kubeconfig (JSON, which is YAML) for kubectl and the kubernetes client."""
        target = Path(path)
        target.write_text(json.dumps(self.kubeconfig(token, namespace), indent=2) + "\n")
        target.chmod(0o600)
        return target

    # ------------------------------------------------------------------ auth

    def authenticate(self, header: str | None) -> User | None:
        if self.tokens is None:
            return User("system:anonymous", groups=("system:unauthenticated",))
        if not header or not header.startswith("Bearer "):
            return None
        return self.tokens.get(header[len("Bearer ") :].strip())


class _Handler(api_tekton.TektonHandlers, ReviewHandlers, LogHandlers, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    server_version = "simulated-openshift-apiserver"
    sys_version = ""

    _ROUTES: ClassVar[list[tuple[re.Pattern[str], str, str]]] = [
        (re.compile(pattern), method, handler)
        for pattern, method, handler in [
            (r"/(healthz|readyz|livez)", "GET", "health"),
            (r"/version", "GET", "version"),
            (r"/api", "GET", "core_versions"),
            (r"/api/v1", "GET", "core_resources"),
            (r"/apis", "GET", "groups"),
            (r"/apis/(?P<group>[a-z0-9.]+)", "GET", "group"),
            (r"/apis/(?P<group>[a-z0-9.]+)/v1", "GET", "group_resources"),
            (r"/api/v1/namespaces", "GET", "list_namespaces"),
            (rf"/api/v1/namespaces/(?P<ns>{_NAME})", "GET", "get_namespace"),
            (r"/apis/build.openshift.io/v1/(?P<resource>builds|buildconfigs)", "GET", "list_all"),
            (
                rf"/apis/build.openshift.io/v1/namespaces/(?P<ns>{_NAME})/(?P<resource>builds|buildconfigs)",
                "GET",
                "list_namespaced",
            ),
            (
                rf"/apis/build.openshift.io/v1/namespaces/(?P<ns>{_NAME})/(?P<resource>builds|buildconfigs)/(?P<name>{_NAME})",
                "GET",
                "get_object",
            ),
            (
                rf"/apis/build.openshift.io/v1/namespaces/(?P<ns>{_NAME})/builds/(?P<name>{_NAME})/log",
                "GET",
                "build_log",
            ),
            (r"/apis/authentication.k8s.io/v1/tokenreviews", "POST", "token_review"),
            (r"/apis/authorization.k8s.io/v1/subjectaccessreviews", "POST", "access_review"),
            *((route.format(name=_NAME), "GET", handler) for route, handler in knative.ROUTES),
            *((route.format(name=_NAME), "GET", handler) for route, handler in api_tekton.ROUTES),
        ]
    ]

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet; the request log is in ``SimulatedApiServer.requests``."""

    # ------------------------------------------------------------------ plumbing

    @property
    def sim(self) -> SimulatedApiServer:
        return self.server.sim

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        self._user = "-"
        self._status = 0
        try:
            self._route(method)
        except ClusterError as error:
            self._send_status(status_body(error.code, error.reason, error.message, error.details))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError):
            self.close_connection = True
        finally:
            self.sim.record(RequestRecord(method, self.path, self._status, self._user))

    def _route(self, method: str) -> None:
        body = self._read_body()
        if self.sim.down == "unavailable":
            self._send_status(fault_status(503))
            return
        parts = urlsplit(self.path)
        self._query = {
            key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()
        }
        path = parts.path.rstrip("/") or "/"
        known_path = False
        for pattern, route_method, handler in self._ROUTES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            known_path = True
            if route_method != method:
                continue
            if handler not in ("health", "version") and not self._authenticated():
                return
            getattr(self, f"_h_{handler}")(body=body, **match.groupdict())
            return
        if known_path:
            raise ClusterError(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
                {},
            )
        raise ClusterError(404, "NotFound", "the server could not find the requested resource", {})

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _authenticated(self) -> bool:
        user = self.sim.authenticate(self.headers.get("Authorization"))
        if user is None:
            self._send_status(status_body(401, "Unauthorized", "Unauthorized"))
            return False
        self._caller = user
        self._user = user.username
        return True

    def _authorize(self, verb: str, resource: str, namespace: str, name: str = "") -> None:
        if self.sim.tokens is None:
            return
        if self.sim.policy.allows(self._caller, verb, resource, namespace):
            return
        group = {
            "namespaces": "",
            "pods/log": "",
            "services": knative.GROUP,
            "taskruns": api_tekton.GROUP,
            "pipelineruns": api_tekton.GROUP,
        }.get(resource, BUILD_GROUP)
        plural = resource.split("/", maxsplit=1)[0]
        qualified = f"{plural}.{group}" if group else plural
        subject = f'{qualified} "{name}"' if name else qualified
        where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
        in_group = f'in API group "{group}"'
        details: JSON = {"kind": plural}
        if name:
            details = (
                {"name": name, "group": group, "kind": plural}
                if group
                else {"name": name, "kind": plural}
            )
        elif group:
            details = {"group": group, "kind": plural}
        raise ClusterError(
            403,
            "Forbidden",
            f'{subject} is forbidden: User "{self._caller.username}" cannot {verb} resource '
            f'"{resource}" {in_group} {where}',
            details,
        )

    def _send_json(self, code: int, body: JSON, headers: Mapping[str, str] | None = None) -> None:
        payload = json.dumps(body, separators=(",", ":")).encode()
        self._status = code
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, private")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _send_status(self, body: JSON) -> None:
        headers = {}
        retry = (body.get("details") or {}).get("retryAfterSeconds")
        if retry:
            headers["Retry-After"] = str(retry)
        self._send_json(body["code"], body, headers)

    def _bool_param(self, name: str) -> bool:
        raw = self._query.get(name, "false").lower()
        if raw in ("true", "1"):
            return True
        if raw in ("false", "0", ""):
            return False
        raise bad_request(f'strconv.ParseBool: parsing "{raw}": invalid syntax')

    def _int_param(self, name: str) -> int | None:
        raw = self._query.get(name)
        if raw is None or raw == "":
            return None
        try:
            return int(raw)
        except ValueError:
            raise bad_request(f'strconv.ParseInt: parsing "{raw}": invalid syntax') from None

    # ------------------------------------------------------------------ discovery

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

    # ------------------------------------------------------------------ objects

    def _h_list_namespaces(self, body: bytes) -> None:
        self._authorize("list", "namespaces", "")
        self._send_list("namespaces", "v1", "NamespaceList", self.sim.cluster.list_namespaces())

    def _h_get_namespace(self, body: bytes, ns: str) -> None:
        self._authorize("get", "namespaces", "", ns)
        self._send_object("namespaces", self.sim.cluster.get_namespace(ns))

    def _h_list_all(self, body: bytes, resource: str) -> None:
        self._authorize("list", resource, "")
        self._list_build_resource(resource, None)

    def _h_list_namespaced(self, body: bytes, ns: str, resource: str) -> None:
        self._authorize("list", resource, ns)
        self._list_build_resource(resource, ns)

    def _list_build_resource(self, resource: str, namespace: str | None) -> None:
        cluster = self.sim.cluster
        if resource == "builds":
            items = cluster.list_builds(namespace)
            kind = "BuildList"
        else:
            items = cluster.list_buildconfigs(namespace)
            kind = "BuildConfigList"
        self._send_list(resource, f"{BUILD_GROUP}/v1", kind, items)

    def _send_list(self, resource: str, api_version: str, kind: str, items: list[JSON]) -> None:
        if self._bool_param("watch"):
            raise bad_request("watch is not supported by the simulated API server")
        resource_version = self.sim.cluster.resource_version
        labels = parse_label_selector(self._query.get("labelSelector", ""))
        fields = parse_field_selector(self._query.get("fieldSelector", ""))
        selected = [obj for obj in items if matches(obj, labels, fields)]

        def key(obj: JSON) -> str:
            meta = obj["metadata"]
            return (
                f"{meta.get('namespace', '')}/{meta['name']}"
                if meta.get("namespace")
                else meta["name"]
            )

        token = self._query.get("continue")
        if token:
            start = decode_continue(token)
            selected = [obj for obj in selected if key(obj) > start]
        limit = self._int_param("limit")
        metadata: JSON = {"resourceVersion": resource_version}
        if limit is not None and limit > 0 and len(selected) > limit:
            remaining = len(selected) - limit
            selected = selected[:limit]
            metadata["continue"] = encode_continue(resource_version, key(selected[-1]))
            if "labelSelector" not in self._query and "fieldSelector" not in self._query:
                metadata["remainingItemCount"] = remaining
        if "as=Table" in self.headers.get("Accept", ""):
            self._send_table(resource, selected, metadata)
            return
        for obj in selected:  # a typed list's items carry no apiVersion/kind
            obj.pop("apiVersion", None)
            obj.pop("kind", None)
        self._send_json(
            200, {"kind": kind, "apiVersion": api_version, "metadata": metadata, "items": selected}
        )

    def _send_table(self, resource: str, items: list[JSON], metadata: JSON) -> None:
        columns, row = _TABLES[resource]
        now = self.sim.cluster.clock.now()
        include_object = self._query.get("includeObject", "Metadata")
        rows = []
        for obj in items:
            if include_object == "Object":
                embedded = obj
            else:
                embedded = {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj["metadata"],
                }
            rows.append({"cells": row(obj, now), "object": embedded})
        self._send_json(
            200,
            {
                "kind": "Table",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": metadata,
                "columnDefinitions": columns,
                "rows": rows,
            },
        )

    def _send_object(self, resource: str, obj: JSON) -> None:
        if "as=Table" in self.headers.get("Accept", ""):
            self._send_table(
                resource, [obj], {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
            )
            return
        self._send_json(200, obj)

    def _h_get_object(self, body: bytes, ns: str, resource: str, name: str) -> None:
        self._authorize("get", resource, ns, name)
        cluster = self.sim.cluster
        obj = (
            cluster.get_build(ns, name)
            if resource == "builds"
            else cluster.get_buildconfig(ns, name)
        )
        self._send_object(resource, obj)

    def _h_list_knative_services(self, body: bytes, ns: str) -> None:
        self._authorize("list", "services", ns)
        items = self.sim.knative.list(ns)
        self._send_json(
            200,
            {
                "kind": "ServiceList",
                "apiVersion": f"{knative.GROUP}/v1",
                "metadata": {"resourceVersion": self.sim.cluster.resource_version},
                "items": items,
            },
        )

    def _h_get_knative_service(self, body: bytes, ns: str, name: str) -> None:
        self._authorize("get", "services", ns, name)
        service = self.sim.knative.get(ns, name)
        if service is None:
            raise not_found("services", name, knative.GROUP)
        self._send_json(200, service)

    # ------------------------------------------------------------------ log

    # ------------------------------------------------------------------ reviews
