"""Knative Serving ``Service`` objects for the simulated API server.

Only what clients look up: ``GET /apis/serving.knative.dev/v1/namespaces/<ns>/services``
and ``.../services/<name>`` (the plugin finds the lookup function by its ``status.url``).
Objects follow the serving CRD (tests validate them against it). Usage::

    server.knative.create_service("osiris", "osiris-lookup", url="http://127.0.0.1:8080")
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]
GROUP = "serving.knative.dev"
RESOURCES: list[JSON] = [
    {
        "name": "services",
        "singularName": "service",
        "namespaced": True,
        "kind": "Service",
        "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
        "shortNames": ["kservice", "ksvc"],
        "categories": ["all", "knative", "serving"],
    },
    {
        "name": "services/status",
        "singularName": "",
        "namespaced": True,
        "kind": "Service",
        "verbs": ["get", "patch", "update"],
    },
]
ROUTES = [
    (r"/apis/serving.knative.dev/v1/namespaces/(?P<ns>{name})/services", "list_knative_services"),
    (
        r"/apis/serving.knative.dev/v1/namespaces/(?P<ns>{name})/services/(?P<name>{name})",
        "get_knative_service",
    ),
]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class KnativeServices:
    """The Knative Services of the simulated cluster, by namespace and name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._services: dict[tuple[str, str], JSON] = {}

    def create_service(
        self,
        namespace: str,
        name: str,
        *,
        url: str | None,
        image: str = "quay.io/osiris/lookup:latest",
    ) -> JSON:
        """A Service; ``url`` None: not ready yet (no ``status.url``)."""
        when = _now()
        ready = url is not None
        status: JSON = {
            "observedGeneration": 1,
            "conditions": [
                {
                    "type": kind,
                    "status": "True" if ready else "Unknown",
                    "lastTransitionTime": when,
                    **({} if ready else {"reason": "RevisionMissing"}),
                }
                for kind in ("ConfigurationsReady", "Ready", "RoutesReady")
            ],
        }
        if ready:
            revision = f"{name}-00001"
            status.update(
                url=url,
                address={"url": f"http://{name}.{namespace}.svc.cluster.local"},
                latestCreatedRevisionName=revision,
                latestReadyRevisionName=revision,
                traffic=[{"revisionName": revision, "latestRevision": True, "percent": 100}],
            )
        service: JSON = {
            "apiVersion": f"{GROUP}/v1",
            "kind": "Service",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "uid": str(uuid.uuid4()),
                "resourceVersion": "1",
                "generation": 1,
                "creationTimestamp": when,
            },
            "spec": {
                "template": {"spec": {"containers": [{"image": image}]}},
                "traffic": [{"latestRevision": True, "percent": 100}],
            },
            "status": status,
        }
        with self._lock:
            self._services[(namespace, name)] = service
        return service

    def delete_service(self, namespace: str, name: str) -> None:
        with self._lock:
            self._services.pop((namespace, name), None)

    def get(self, namespace: str, name: str) -> JSON | None:
        with self._lock:
            return self._services.get((namespace, name))

    def list(self, namespace: str) -> list[JSON]:
        with self._lock:
            return [obj for (ns, _), obj in sorted(self._services.items()) if ns == namespace]
