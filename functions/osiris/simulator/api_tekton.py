"""The simulated API server's Tekton and pod-log routes (a mixin of its request handler).

* ``GET /apis/tekton.dev/v1/[namespaces/<ns>/]{taskruns,pipelineruns}[/<name>]``: lists
  (selectors, ``limit``/``continue``, like every list) and objects of
  :class:`~osiris.simulator.tekton.TektonRuns`; discovery lists both resources.
* ``GET /api/v1/namespaces/<ns>/pods/<pod>/log?container=<c>``: a step's log,
  ``text/plain``, chunked, with ``limitBytes`` and ``tailLines``; 404 ``pods "<pod>" not
  found`` once the pod is gone, 400 ``container <c> is not valid for pod <pod>``; the
  queued :class:`~osiris.simulator.faults.LogFault` of that container applies.
  Authorised as ``get pods/log`` in the core group.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from osiris.simulator.discovery import READ_WRITE, resource
from osiris.simulator.faults import LogRequestFault
from osiris.simulator.tekton import GROUP
from osiris.simulator.tektonshapes import API_VERSION

JSON = dict[str, Any]
_RUN_KINDS = (("pipelineruns", "PipelineRun", "pr"), ("taskruns", "TaskRun", "tr"))
RESOURCES: list[JSON] = [
    resource(plural, kind, READ_WRITE, short=[short], categories=["tekton", "tekton-pipelines"])
    for plural, kind, short in _RUN_KINDS
] + [
    resource(f"{plural}/status", kind, ["get", "patch", "update"]) for plural, kind, _ in _RUN_KINDS
]
CORE_RESOURCES: list[JSON] = [
    resource("pods", "Pod", READ_WRITE, short=["po"], categories=["all"]),
    resource("pods/log", "Pod", ["get"]),
]
_RUNS = "taskruns|pipelineruns"
ROUTES = [
    (rf"/apis/tekton.dev/v1/(?P<resource>{_RUNS})", "list_all_tekton"),
    (rf"/apis/tekton.dev/v1/namespaces/(?P<ns>{{name}})/(?P<resource>{_RUNS})", "list_tekton"),
    (
        rf"/apis/tekton.dev/v1/namespaces/(?P<ns>{{name}})/(?P<resource>{_RUNS})/(?P<name>{{name}})",
        "get_tekton",
    ),
    (r"/api/v1/namespaces/(?P<ns>{name})/pods/(?P<pod>{name})/log", "pod_log"),
]
_LIST_KINDS = {"taskruns": "TaskRunList", "pipelineruns": "PipelineRunList"}


class TektonHandlers:
    """Handlers for :data:`ROUTES`; the request handler provides the plumbing below."""

    if TYPE_CHECKING:
        sim: Any
        _query: dict[str, str]

        def _authorize(self, verb: str, resource: str, namespace: str, name: str = "") -> None: ...
        def _send_list(
            self, resource: str, api_version: str, kind: str, items: list[JSON]
        ) -> None: ...
        def _send_object(self, resource: str, obj: JSON) -> None: ...
        def _send_status(self, body: JSON) -> None: ...
        def _int_param(self, name: str) -> int | None: ...
        def _stream(self, chunks: Iterator[bytes], fault: LogRequestFault) -> None: ...
        def _log_chunks(
            self, chunks: Iterator[bytes], tail: int | None, limit: int | None
        ) -> Iterator[bytes]: ...
        def _fault_answer(self, fault: LogRequestFault) -> bool: ...

    def _tekton_items(self, resource: str, namespace: str | None) -> list[JSON]:
        runs = self.sim.cluster.tekton
        if resource == "taskruns":
            return list(runs.list_taskruns(namespace))
        return list(runs.list_pipelineruns(namespace))

    def _h_list_all_tekton(self, body: bytes, resource: str) -> None:
        self._authorize("list", resource, "")
        items = self._tekton_items(resource, None)
        self._send_list(resource, API_VERSION, _LIST_KINDS[resource], items)

    def _h_list_tekton(self, body: bytes, ns: str, resource: str) -> None:
        self._authorize("list", resource, ns)
        items = self._tekton_items(resource, ns)
        self._send_list(resource, API_VERSION, _LIST_KINDS[resource], items)

    def _h_get_tekton(self, body: bytes, ns: str, resource: str, name: str) -> None:
        self._authorize("get", resource, ns, name)
        runs = self.sim.cluster.tekton
        obj = (
            runs.get_taskrun(ns, name) if resource == "taskruns" else runs.get_pipelinerun(ns, name)
        )
        self._send_object(resource, obj)

    def _h_pod_log(self, body: bytes, ns: str, pod: str) -> None:
        self._authorize("get", "pods/log", ns, pod)
        source = self.sim.cluster.tekton.open_pod_log(ns, pod, self._query.get("container"))
        if self._fault_answer(source.fault):
            return
        chunks = self._log_chunks(
            source.chunks(), self._int_param("tailLines"), self._int_param("limitBytes")
        )
        self._stream(chunks, source.fault)


__all__ = ["CORE_RESOURCES", "GROUP", "RESOURCES", "ROUTES", "TektonHandlers"]
