"""The simulated API server's namespaces, builds and buildconfigs (a mixin of its handler).

``GET /api/v1/namespaces[/<ns>]``, ``GET /apis/build.openshift.io/v1/[namespaces/<ns>/]``
``builds`` and ``buildconfigs`` and single objects; the Knative Services of
:class:`~osiris.simulator.knative.KnativeServices`. Every list (the Tekton ones too) goes
through :meth:`ObjectHandlers._send_list`: ``labelSelector``, ``fieldSelector``,
``limit``/``continue``, and a ``Table`` when the client asks for ``as=Table`` (kubectl does).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from osiris.simulator import knative
from osiris.simulator.errors import bad_request, not_found
from osiris.simulator.selectors import (
    decode_continue,
    encode_continue,
    matches,
    parse_field_selector,
    parse_label_selector,
)
from osiris.simulator.status import BUILD_GROUP
from osiris.simulator.tables import age, build_row, column

JSON = dict[str, Any]


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


class ObjectHandlers(BaseHTTPRequestHandler):
    """Handlers of namespaces, builds, buildconfigs and Knative Services, and list plumbing."""

    if TYPE_CHECKING:
        sim: Any
        _query: dict[str, str]

        def _authorize(self, verb: str, resource: str, namespace: str, name: str = "") -> None: ...
        def _send_json(self, code: int, body: JSON, headers: Any = None) -> None: ...
        def _int_param(self, name: str) -> int | None: ...
        def _bool_param(self, name: str) -> bool: ...

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
