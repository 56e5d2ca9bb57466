"""The simulated API server's request handler: routing, authentication, responses.

Every request is matched against the routes of each API (the handlers are the mixins
``api_discovery``, ``api_objects``, ``api_logs``, ``api_reviews`` and ``api_tekton``),
authenticated by bearer token (all but /version and health), authorised by the server's
:class:`~osiris.simulator.auth.AccessPolicy` with the API server's Forbidden messages, and
recorded. A :class:`~osiris.simulator.errors.ClusterError` becomes a ``Status``; known
paths with an unsupported method get 405, unknown paths 404.
"""

from __future__ import annotations

import json
import re
import ssl
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from osiris.simulator import api_tekton, knative
from osiris.simulator.api_discovery import DiscoveryHandlers
from osiris.simulator.api_logs import LogHandlers
from osiris.simulator.api_objects import ObjectHandlers
from osiris.simulator.api_reviews import ReviewHandlers
from osiris.simulator.errors import ClusterError, bad_request
from osiris.simulator.status import BUILD_GROUP, fault_status, status_body

if TYPE_CHECKING:
    from osiris.simulator.apiserver import SimulatedApiServer

JSON = dict[str, Any]
_NAME = r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?"


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server answered it (``user`` is ``-`` when unauthenticated)."""

    method: str
    path: str
    status: int
    user: str


class ApiHTTPServer(ThreadingHTTPServer):
    """The listening socket of one :class:`~osiris.simulator.apiserver.SimulatedApiServer`."""

    daemon_threads = True
    block_on_close = False
    sim: SimulatedApiServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that vanish or fail the TLS handshake are part of the tests, not bugs.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class RequestHandler(
    api_tekton.TektonHandlers,
    ReviewHandlers,
    ObjectHandlers,
    DiscoveryHandlers,
    LogHandlers,
    BaseHTTPRequestHandler,
):
    """One connection's requests: routed to the ``_h_<route>`` handler of a mixin."""

    protocol_version = "HTTP/1.1"
    server: ApiHTTPServer
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
