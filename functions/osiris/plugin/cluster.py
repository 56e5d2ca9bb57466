"""The user's cluster, reached with their kubeconfig as kubectl would.

The kubernetes client's loader reads the kubeconfig (token, client certificates, exec and
auth-provider plugins); requests then go through :class:`osiris.adapters.kube.KubeApi`,
which translates urllib3 errors. The same bearer token is what the lookup function gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from osiris.adapters.kube import BodyStream, KubeApi
from osiris.errors import AuthenticationError, ConfigError, NotFoundError
from osiris.plugin.errors import LookupNotDiscoveredError

BUILDS = "/apis/build.openshift.io/v1"
KNATIVE_SERVICES = "/apis/serving.knative.dev/v1/namespaces/{namespace}/services/{name}"
LOOKUP_SERVICE = "osiris-lookup"


@dataclass(frozen=True)
class KubeOptions:
    kubeconfig: str | None
    context: str | None
    certificate_authority: str | None
    insecure_skip_tls_verify: bool


class _UserApi:
    """KubeApi whose 401 says what the user can do about it."""

    def __init__(self, api: KubeApi) -> None:
        self._api = api
        self.server = api.server

    def authorization(self) -> str | None:
        return self._api.authorization()

    def get_json(self, path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
        with _login_hint(self.server):
            return self._api.get_json(path, query)

    def open_stream(self, path: str, query: dict[str, str] | None = None) -> BodyStream:
        with _login_hint(self.server):
            return self._api.open_stream(path, query)


@contextmanager
def _login_hint(server: str) -> Iterator[None]:
    try:
        yield
    except AuthenticationError:
        raise AuthenticationError(
            f"the cluster {server} refused the token: log in again (oc login) or check "
            "the kubeconfig's user"
        ) from None


class Cluster:
    """Runs (Builds, TaskRuns, PipelineRuns), their logs and the lookup's Knative Service
    of one cluster."""

    def __init__(self, api: KubeApi, namespace: str) -> None:
        self.api = _UserApi(api)
        self.namespace = namespace  # the kubeconfig context's namespace

    @classmethod
    def connect(cls, options: KubeOptions) -> Cluster:
        from kubernetes import config as kube_config
        from kubernetes.client import Configuration

        configuration = Configuration()
        try:
            kube_config.load_kube_config(
                config_file=options.kubeconfig,
                context=options.context,
                client_configuration=configuration,
            )  # type: ignore[no-untyped-call]
            contexts, active = kube_config.list_kube_config_contexts(  # type: ignore[no-untyped-call]
                config_file=options.kubeconfig
            )
        except (kube_config.ConfigException, OSError) as exc:
            raise ConfigError(f"cannot use the kubeconfig: {exc}") from None
        chosen = next((c for c in contexts if c["name"] == options.context), active)
        namespace = (chosen or {}).get("context", {}).get("namespace") or "default"
        if options.certificate_authority:
            configuration.ssl_ca_cert = options.certificate_authority
        if options.insecure_skip_tls_verify:
            configuration.verify_ssl = False
        return cls(KubeApi(configuration, read_timeout=60.0, caller_credentials=True), namespace)

    def authorization(self) -> str | None:
        return self.api.authorization()

    def objects(self, api: str, resource: str, namespace: str | None) -> list[dict[str, Any]]:
        """Every object of ``resource`` (under ``api``, "/apis/build.openshift.io/v1") in
        ``namespace``, or in every namespace with None; page by page."""
        path = (
            f"{api}/{resource}" if namespace is None else f"{api}/namespaces/{namespace}/{resource}"
        )
        items: list[dict[str, Any]] = []
        query: dict[str, str] = {"limit": "500"}
        while True:
            page = self.api.get_json(path, query)
            items.extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return items
            query = {"limit": "500", "continue": token}

    def object(self, api: str, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        """One object, None when the cluster does not have it."""
        try:
            return self.api.get_json(f"{api}/namespaces/{namespace}/{resource}/{name}")
        except NotFoundError:
            return None

    def buildconfigs(self, namespace: str | None) -> list[dict[str, Any]]:
        return self.objects(BUILDS, "buildconfigs", namespace)

    def build(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self.object(BUILDS, "builds", namespace, name)

    def log(self, namespace: str, name: str, tail: int | None) -> Iterator[bytes]:
        """A build's log (``oc logs build/NAME``)."""
        return self._stream(f"{BUILDS}/namespaces/{namespace}/builds/{name}/log", {}, tail)

    def pod_log(
        self, namespace: str, pod: str, container: str, tail: int | None
    ) -> Iterator[bytes]:
        """One container's log of a pod (a TaskRun's step: ``step-<name>``)."""
        path = f"/api/v1/namespaces/{namespace}/pods/{pod}/log"
        return self._stream(path, {"container": container}, tail)

    def _stream(self, path: str, query: dict[str, str], tail: int | None) -> Iterator[bytes]:
        if tail is not None:
            query = {**query, "tailLines": str(tail)}
        stream = self.api.open_stream(path, query)
        try:
            yield from stream
        finally:
            stream.close()

    def discover_lookup(self, namespace: str) -> str:
        """The ``status.url`` of the Knative Service ``osiris-lookup`` in ``namespace``."""
        path = KNATIVE_SERVICES.format(namespace=namespace, name=LOOKUP_SERVICE)
        try:
            service = self.api.get_json(path)
        except NotFoundError:
            raise LookupNotDiscoveredError(
                f"no Knative Service {LOOKUP_SERVICE} in namespace {namespace} of "
                f"{self.api.server}: pass --server URL, set OSIRIS_LOOKUP_URL, or "
                "--lookup-namespace where osiris is installed"
            ) from None
        url = (service.get("status") or {}).get("url")
        if not isinstance(url, str) or not url:
            raise LookupNotDiscoveredError(
                f"the Knative Service {LOOKUP_SERVICE} in namespace {namespace} has no "
                "status.url yet (not ready?): pass --server URL or set OSIRIS_LOOKUP_URL"
            )
        return url
