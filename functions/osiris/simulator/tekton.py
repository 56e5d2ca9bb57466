"""Tekton (``tekton.dev/v1``) TaskRuns and PipelineRuns in the simulated cluster.

Usage::

    cluster = SimulatedCluster()
    cluster.create_namespace("shop")
    run = cluster.tekton.run_pipeline("shop", "shop-ci", outcome="Failed", failing_task="test")
    run["status"]["childReferences"]          # clone, build, test (push was skipped)
    cluster.tekton.step_log("shop", "shop-ci-1-test", "test")   # the bytes the pod serves
    cluster.tekton.run_task("shop", "buildah", labels={"build.shipwright.io/name": "api"})
    cluster.tekton.delete_pod("shop", "shop-ci-1-build")          # the step logs are gone (404)
    cluster.tekton.add_log_fault("shop", "shop-ci-1-build-pod", "step-build", LogFault(status=503))

Objects are shaped as the Tekton controller writes them (:mod:`osiris.simulator.tektonshapes`,
from tektoncd/pipeline's v1 types, validated against its CRDs). Runs finish at
once (timestamps back-dated from the clock); each object gets an ``add`` event while
running and an ``update`` when it finished, like the watch of a real cluster.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from osiris.simulator.clock import rfc3339
from osiris.simulator.errors import ClusterError, bad_request
from osiris.simulator.faults import LogFault, LogRequestFault, take_fault
from osiris.simulator.tektonlogs import StepLog, iter_step_log
from osiris.simulator.tektonshapes import (
    JSON,
    Outcome,
    child_reference,
    finish_pipelinerun,
    finish_taskrun,
    running_pipelinerun,
    running_taskrun,
    step_state,
    steps_of,
)

if TYPE_CHECKING:
    from osiris.simulator.cluster import SimulatedCluster

GROUP = "tekton.dev"
STEP_SECONDS = 20


@dataclass
class _TaskRun:
    obj: JSON
    logs: dict[str, StepLog]  # by container
    pod_exists: bool = True
    content: dict[str, Callable[[], Iterable[bytes]]] = field(default_factory=dict)
    faults: dict[str, list[LogFault]] = field(default_factory=dict)
    log_requests: int = 0


@dataclass(frozen=True)
class PodLog:
    """What the API server needs to answer one pod log request."""

    chunks: Callable[[], Iterator[bytes]]
    fault: LogRequestFault


def _not_found(resource: str, name: str, group: str = GROUP) -> ClusterError:
    qualified = f"{resource}.{group}" if group else resource
    return ClusterError(
        404,
        "NotFound",
        f'{qualified} "{name}" not found',
        {"name": name, "kind": resource, **({"group": group} if group else {})},
    )


class TektonRuns:
    """The TaskRuns and PipelineRuns of one :class:`SimulatedCluster` (its lock, clock
    and subscribers)."""

    def __init__(self, cluster: SimulatedCluster) -> None:
        self._cluster = cluster
        self._taskruns: dict[tuple[str, str], _TaskRun] = {}
        self._pipelineruns: dict[tuple[str, str], JSON] = {}
        self._counter = 0

    # ------------------------------------------------------------------ runs

    def run_task(
        self,
        namespace: str,
        task: str,
        *,
        steps: Sequence[str] = ("prepare", "build"),
        outcome: Outcome = "Succeeded",
        step_log_size: int | dict[str, int] = 20_000,
        seed: int = 0,
        labels: dict[str, str] | None = None,
        no_pod: bool = False,
        name: str | None = None,
    ) -> JSON:
        """A standalone TaskRun of ``task`` (a Task by taskRef), finished at once."""
        with self._cluster._lock:
            self._cluster._require_namespace(namespace)
            self._counter += 1
            run_name = name or f"{task}-run-{self._counter}"
            end = self._cluster.clock.now()
            start = end - timedelta(seconds=STEP_SECONDS * len(steps) + 5)
            obj = self._taskrun(
                namespace,
                run_name,
                task,
                list(steps),
                outcome,
                start,
                sizes=step_log_size,
                seed=seed,
                labels=dict(labels or {}),
                no_pod=no_pod,
                pipeline=None,
            )
            return copy.deepcopy(obj)

    def run_pipeline(
        self,
        namespace: str,
        pipeline: str,
        *,
        outcome: Outcome = "Succeeded",
        tasks: Sequence[str] = ("clone", "build", "test", "push"),
        failing_task: str | None = None,
        params: dict[str, str] | None = None,
        step_log_size: int | dict[str, int] = 20_000,
        seed: int = 0,
        labels: dict[str, str] | None = None,
        pod_gone: Sequence[str] = (),
    ) -> JSON:
        """A PipelineRun whose tasks run in order; the first ``failing_task`` (default: the
        second to last) fails, is cancelled or times out unless ``outcome`` is Succeeded,
        and the tasks after it never run. ``pod_gone``: tasks whose pod is deleted."""
        cluster = self._cluster
        with cluster._lock:
            cluster._require_namespace(namespace)
            self._counter += 1
            run_name = f"{pipeline}-{self._counter}"
            stop = failing_task or tasks[max(0, len(tasks) - 2)]
            ran = list(tasks) if outcome == "Succeeded" else list(tasks[: tasks.index(stop) + 1])
            end = cluster.clock.now()
            start = end - timedelta(
                seconds=sum(STEP_SECONDS * len(steps_of(t)) + 5 for t in ran) + 5
            )
            pr_params = {
                "git-url": "https://github.com/example/shop.git",
                "git-revision": "main",
                **(params or {}),
            }
            metadata = self._metadata(
                namespace, run_name, start, {"tekton.dev/pipeline": pipeline, **(labels or {})}
            )
            pr = running_pipelinerun(metadata, pipeline, pr_params, outcome, len(tasks))
            self._pipelineruns[(namespace, run_name)] = pr
            cluster._notify("add", pr)
            children: list[JSON] = []
            at = start + timedelta(seconds=2)
            results: list[JSON] = []
            for task in ran:
                task_outcome: Outcome = (
                    "Succeeded" if task != stop or outcome == "Succeeded" else outcome
                )
                child = self._taskrun(
                    namespace,
                    f"{run_name}-{task}",
                    task,
                    list(steps_of(task)),
                    task_outcome,
                    at,
                    sizes=step_log_size,
                    seed=seed * 100 + len(children),
                    labels={
                        "tekton.dev/pipelineRun": run_name,
                        "tekton.dev/pipelineTask": task,
                        **(labels or {}),
                    },
                    no_pod=False,
                    pipeline=(pipeline, run_name, metadata["uid"]),
                )
                if task in pod_gone:
                    self._taskruns[(namespace, child["metadata"]["name"])].pod_exists = False
                children.append(child_reference(child, task))
                results += [
                    r
                    for r in child["status"].get("results", [])
                    if r["name"] in ("commit", "IMAGE_DIGEST")
                ]
                at = datetime.fromisoformat(
                    child["status"]["completionTime"].replace("Z", "+00:00")
                )
            skipped = [t for t in tasks if t not in ran]
            finish_pipelinerun(
                pr, outcome, ran, skipped, children, results, at + timedelta(seconds=1)
            )
            pr["metadata"]["resourceVersion"] = cluster._next_version()
            cluster._notify("update", pr)
            return copy.deepcopy(pr)

    def _metadata(
        self, namespace: str, name: str, created: datetime, labels: dict[str, str]
    ) -> JSON:
        return {
            "name": name,
            "namespace": namespace,
            "uid": str(uuid.uuid4()),
            "resourceVersion": self._cluster._next_version(),
            "generation": 1,
            "creationTimestamp": rfc3339(created),
            "labels": labels,
        }

    def _taskrun(
        self,
        namespace: str,
        name: str,
        task: str,
        steps: list[str],
        outcome: Outcome,
        start: datetime,
        *,
        sizes: int | dict[str, int],
        seed: int,
        labels: dict[str, str],
        no_pod: bool,
        pipeline: tuple[str, str, str] | None,
    ) -> JSON:
        cluster = self._cluster
        metadata = self._metadata(namespace, name, start, labels)
        obj = running_taskrun(metadata, task, outcome, "" if no_pod else f"{name}-pod", pipeline)
        logs: dict[str, StepLog] = {}
        record = _TaskRun(obj, logs, pod_exists=not no_pod)
        self._taskruns[(namespace, name)] = record
        cluster._notify("add", obj)
        at = start + timedelta(seconds=3)
        states: list[JSON] = []
        for index, step in enumerate([] if no_pod else steps):
            failed = outcome != "Succeeded" and index == len(steps) - 1
            size = sizes.get(step, 20_000) if isinstance(sizes, dict) else sizes
            logs[f"step-{step}"] = StepLog(seed * 10 + index, namespace, task, step, size, failed)
            finished = at + timedelta(seconds=STEP_SECONDS)
            states.append(step_state(name, step, outcome, failed, at, finished))
            at = finished
        finish_taskrun(obj, outcome, steps, states, seed, at + timedelta(seconds=1))
        metadata["resourceVersion"] = cluster._next_version()
        cluster._notify("update", obj)
        return obj

    # ------------------------------------------------------------------ reads

    def get_taskrun(self, namespace: str, name: str) -> JSON:
        with self._cluster._lock:
            return copy.deepcopy(self._record(namespace, name).obj)

    def list_taskruns(self, namespace: str | None = None) -> list[JSON]:
        with self._cluster._lock:
            return [
                copy.deepcopy(r.obj)
                for (ns, _), r in sorted(self._taskruns.items())
                if namespace is None or ns == namespace
            ]

    def get_pipelinerun(self, namespace: str, name: str) -> JSON:
        with self._cluster._lock:
            obj = self._pipelineruns.get((namespace, name))
            if obj is None:
                raise _not_found("pipelineruns", name)
            return copy.deepcopy(obj)

    def list_pipelineruns(self, namespace: str | None = None) -> list[JSON]:
        with self._cluster._lock:
            return [
                copy.deepcopy(o)
                for (ns, _), o in sorted(self._pipelineruns.items())
                if namespace is None or ns == namespace
            ]

    def step_log(self, namespace: str, taskrun: str, step: str) -> bytes:
        """The exact bytes the pod log endpoint serves for one step."""
        with self._cluster._lock:
            record = self._record(namespace, taskrun)
            content = record.content.get(f"step-{step}")
            spec = record.logs[f"step-{step}"]
        return b"".join(content() if content else iter_step_log(spec))

    def _record(self, namespace: str, name: str) -> _TaskRun:
        record = self._taskruns.get((namespace, name))
        if record is None:
            raise _not_found("taskruns", name)
        return record

    def _by_pod(self, namespace: str, pod: str) -> _TaskRun:
        for (ns, _), record in self._taskruns.items():
            if ns == namespace and record.obj["status"].get("podName") == pod and record.pod_exists:
                return record
        raise _not_found("pods", pod, "")

    def open_pod_log(self, namespace: str, pod: str, container: str | None) -> PodLog:
        """A pod log as the core API serves it: 404 for a pod that is gone, 400 for a
        container the pod does not have (or none named, when it has several)."""
        with self._cluster._lock:
            record = self._by_pod(namespace, pod)
            containers = list(record.logs)
            if container is None:
                if len(containers) != 1:
                    raise bad_request(
                        f"a container name must be specified for pod {pod}, choose one of: "
                        f"[{' '.join(containers)}]"
                    )
                container = containers[0]
            if container not in record.logs:
                raise bad_request(f"container {container} is not valid for pod {pod}")
            record.log_requests += 1
            fault = take_fault(record.faults.setdefault(container, []))
            content = record.content.get(container)
            spec = record.logs[container]
        return PodLog(lambda: iter(content()) if content else iter_step_log(spec), fault)

    # ------------------------------------------------------------------ changes

    def replace_step_log(
        self, namespace: str, taskrun: str, step: str, content: Callable[[], Iterable[bytes]]
    ) -> None:
        """Serve ``content()`` as the step's log instead of the generated one (any bytes)."""
        with self._cluster._lock:
            record = self._record(namespace, taskrun)
            if f"step-{step}" not in record.logs:
                raise KeyError(step)
            record.content[f"step-{step}"] = content

    def add_log_fault(self, namespace: str, pod: str, container: str, fault: LogFault) -> None:
        with self._cluster._lock:
            self._by_pod(namespace, pod).faults.setdefault(container, []).append(copy.copy(fault))

    def delete_pod(self, namespace: str, taskrun: str) -> None:
        """The TaskRun's pod is gone (pruned); the TaskRun stays, its logs do not."""
        with self._cluster._lock:
            self._record(namespace, taskrun).pod_exists = False

    def delete_taskrun(self, namespace: str, name: str) -> JSON:
        with self._cluster._lock:
            record = self._taskruns.pop((namespace, name), None)
            if record is None:
                raise _not_found("taskruns", name)
            self._cluster._resource_version += 1
            self._cluster._notify("delete", record.obj)
            return copy.deepcopy(record.obj)

    def delete_pipelinerun(self, namespace: str, name: str) -> JSON:
        """Delete a PipelineRun; its TaskRuns (owned by it) and their pods go with it."""
        with self._cluster._lock:
            obj = self._pipelineruns.pop((namespace, name), None)
            if obj is None:
                raise _not_found("pipelineruns", name)
            for child in obj["status"].get("childReferences", []):
                if (namespace, child["name"]) in self._taskruns:
                    self.delete_taskrun(namespace, child["name"])
            self._cluster._resource_version += 1
            self._cluster._notify("delete", obj)
            return copy.deepcopy(obj)
