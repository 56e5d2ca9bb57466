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
  messages; the build's queued :class:`~osiris.simulator.faults.LogFault` applies.
* ``GET /apis/serving.knative.dev/v1/namespaces/<ns>/services[/<name>]``: the Knative
  Services of :class:`~osiris.simulator.knative.KnativeServices` (``server.knative``).
* ``POST /apis/authentication.k8s.io/v1/tokenreviews`` and
  ``POST /apis/authorization.k8s.io/v1/subjectaccessreviews`` answered from ``tokens``/``policy``.

With ``tokens`` set every request except /version and health needs a known bearer token
(401 otherwise; this cluster has anonymous auth disabled) and the policy must allow it
(403 otherwise). Without ``tokens`` nobody is asked. Known paths with an unsupported
method get 405, unknown paths 404. ``watch`` is not supported (400). Requests are handled
by :class:`~osiris.simulator.api_handler.RequestHandler` and its ``api_*`` mixins.
"""

from __future__ import annotations

import base64
import json
import ssl
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from osiris.simulator import knative
from osiris.simulator.api_handler import ApiHTTPServer, RequestHandler, RequestRecord
from osiris.simulator.auth import AccessPolicy, User
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.tls import self_signed_certificate

JSON = dict[str, Any]
DownMode = Literal["refuse", "unavailable"]

CHUNK_SIZE = 64 * 1024


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
        self._httpd: ApiHTTPServer | None = None
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
        httpd = ApiHTTPServer((self._host, self._port), RequestHandler)
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
