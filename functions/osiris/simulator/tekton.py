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

Objects are shaped as the Tekton controller writes them (tektoncd/pipeline
``pkg/apis/pipeline/v1`` ``taskrun_types.go``, ``pipelinerun_types.go``; validated against
the CRDs in ``tests/data/schemas/tekton``): the ``Succeeded`` condition with the
controller's reasons (``Succeeded``, ``Failed``, ``TaskRunCancelled``, ``TaskRunTimeout``;
``Cancelled``, ``PipelineRunTimeout`` for PipelineRuns), ``status.steps[]`` with their
``step-<name>`` containers and termination states, ``status.podName``, ``results``,
``childReferences`` and ``skippedTasks``, and the ``tekton.dev/*`` labels. Runs finish at
once (timestamps back-dated from the clock); each object gets an ``add`` event while
running and an ``update`` when it finished, like the watch of a real cluster.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from osiris.simulator.cluster import (
    ClusterError,
    LogFault,
    LogRequestFault,
    bad_request,
    rfc3339,
    take_fault,
)
from osiris.simulator.tektonlogs import StepLog, commit_of, digest_of, iter_step_log

if TYPE_CHECKING:
    from osiris.simulator.cluster import SimulatedCluster

JSON = dict[str, Any]
Outcome = Literal["Succeeded", "Failed", "Cancelled", "TimedOut"]
API_VERSION = "tekton.dev/v1"
GROUP = "tekton.dev"
STEPS = {"clone": ("clone",), "build": ("build", "push"), "test": ("test",), "push": ("push",)}
IMAGE = "registry.redhat.io/openshift-pipelines/pipelines-{step}-rhel9@sha256:" + "0" * 64
STEP_SECONDS = 20
_TASKRUN_REASON = {
    "Failed": "Failed",
    "Cancelled": "TaskRunCancelled",
    "TimedOut": "TaskRunTimeout",
}
_PIPELINERUN_REASON = {
    "Failed": "Failed",
    "Cancelled": "Cancelled",
    "TimedOut": "PipelineRunTimeout",
}


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


def _condition(outcome: Outcome, reason: str, message: str, when: datetime) -> JSON:
    return {
        "type": "Succeeded",
        "status": "True" if outcome == "Succeeded" else "False",
        "reason": reason,
        "message": message,
        "lastTransitionTime": rfc3339(when),
    }


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
                seconds=sum(STEP_SECONDS * len(STEPS.get(t, (t,))) + 5 for t in ran) + 5
            )
            uid = str(uuid.uuid4())
            pr_params = {
                "git-url": "https://github.com/example/shop.git",
                "git-revision": "main",
                **(params or {}),
            }
            pr: JSON = {
                "apiVersion": API_VERSION,
                "kind": "PipelineRun",
                "metadata": {
                    "name": run_name,
                    "namespace": namespace,
                    "uid": uid,
                    "resourceVersion": cluster._next_version(),
                    "generation": 1,
                    "creationTimestamp": rfc3339(start),
                    "labels": {"tekton.dev/pipeline": pipeline, **(labels or {})},
                },
                "spec": {
                    "pipelineRef": {"name": pipeline},
                    "params": [{"name": k, "value": v} for k, v in pr_params.items()],
                    "taskRunTemplate": {"serviceAccountName": "pipeline"},
                    "timeouts": {"pipeline": "1h0m0s"},
                    **({"status": "Cancelled"} if outcome == "Cancelled" else {}),
                },
                "status": {
                    "conditions": [
                        {
                            "type": "Succeeded",
                            "status": "Unknown",
                            "reason": "Running",
                            "message": f"Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: {len(tasks)}, Skipped: 0",
                            "lastTransitionTime": rfc3339(start),
                        }
                    ],
                    "startTime": rfc3339(start),
                },
            }
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
                    list(STEPS.get(task, (task,))),
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
                    pipeline=(pipeline, run_name, uid),
                )
                if task in pod_gone:
                    self._taskruns[(namespace, child["metadata"]["name"])].pod_exists = False
                children.append(
                    {
                        "apiVersion": API_VERSION,
                        "kind": "TaskRun",
                        "name": child["metadata"]["name"],
                        "pipelineTaskName": task,
                    }
                )
                results += [
                    r
                    for r in child["status"].get("results", [])
                    if r["name"] in ("commit", "IMAGE_DIGEST")
                ]
                at = datetime.fromisoformat(
                    child["status"]["completionTime"].replace("Z", "+00:00")
                )
            skipped = [t for t in tasks if t not in ran]
            done = len(ran) - (0 if outcome == "Succeeded" else 1)
            reason = "Succeeded" if outcome == "Succeeded" else _PIPELINERUN_REASON[outcome]
            message = {
                "Succeeded": f"Tasks Completed: {len(ran)} (Failed: 0, Cancelled 0), Skipped: 0",
                "Failed": f"Tasks Completed: {done + 1} (Failed: 1, Cancelled 0), Skipped: {len(skipped)}",
                "Cancelled": f'PipelineRun "{run_name}" was cancelled',
                "TimedOut": f'PipelineRun "{run_name}" failed to finish within "1h0m0s"',
            }[outcome]
            status = pr["status"]
            status.update(
                conditions=[_condition(outcome, reason, message, at + timedelta(seconds=1))],
                completionTime=rfc3339(at + timedelta(seconds=1)),
                childReferences=children,
                results=[{"name": r["name"], "value": r["value"]} for r in results],
            )
            if skipped and outcome == "Failed":
                status["skippedTasks"] = [
                    {"name": t, "reason": "PipelineRun was stopping"} for t in skipped
                ]
            pr["metadata"]["resourceVersion"] = cluster._next_version()
            cluster._notify("update", pr)
            return copy.deepcopy(pr)

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
        pod = f"{name}-pod"
        meta_labels = {
            "app.kubernetes.io/managed-by": "tekton-pipelines",
            "tekton.dev/task": task,
            "tekton.dev/taskRun": name,
            **labels,
        }
        metadata: JSON = {
            "name": name,
            "namespace": namespace,
            "uid": str(uuid.uuid4()),
            "resourceVersion": cluster._next_version(),
            "generation": 1,
            "creationTimestamp": rfc3339(start),
            "labels": meta_labels,
        }
        if pipeline is not None:
            pipeline_name, run_name, run_uid = pipeline
            meta_labels["tekton.dev/pipeline"] = pipeline_name
            metadata["ownerReferences"] = [
                {
                    "apiVersion": API_VERSION,
                    "kind": "PipelineRun",
                    "name": run_name,
                    "uid": run_uid,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ]
        obj: JSON = {
            "apiVersion": API_VERSION,
            "kind": "TaskRun",
            "metadata": metadata,
            "spec": {
                "taskRef": {"kind": "Task", "name": task},
                "serviceAccountName": "pipeline",
                "timeout": "1h0m0s",
                **({"status": "TaskRunCancelled"} if outcome == "Cancelled" else {}),
            },
            "status": {
                "conditions": [
                    {
                        "type": "Succeeded",
                        "status": "Unknown",
                        "reason": "Running",
                        "message": "Not all Steps in the Task have finished executing",
                        "lastTransitionTime": rfc3339(start),
                    }
                ],
                "startTime": rfc3339(start),
                # PodName has no omitempty: a TaskRun that never got a pod says "".
                "podName": "" if no_pod else pod,
            },
        }
        logs: dict[str, StepLog] = {}
        record = _TaskRun(obj, logs, pod_exists=not no_pod)
        self._taskruns[(namespace, name)] = record
        cluster._notify("add", obj)
        at = start + timedelta(seconds=3)
        step_states: list[JSON] = []
        for index, step in enumerate([] if no_pod else steps):
            last = index == len(steps) - 1
            failed = outcome != "Succeeded" and last
            size = sizes.get(step, 20_000) if isinstance(sizes, dict) else sizes
            logs[f"step-{step}"] = StepLog(seed * 10 + index, namespace, task, step, size, failed)
            finished = at + timedelta(seconds=STEP_SECONDS)
            reason = (
                {
                    "Succeeded": "Completed",
                    "Failed": "Error",
                    "Cancelled": "TaskRunCancelled",
                    "TimedOut": "TaskRunTimeout",
                }[outcome]
                if failed
                else "Completed"
            )
            step_states.append(
                {
                    "name": step,
                    "container": f"step-{step}",
                    "imageID": IMAGE.format(step=step),
                    "terminated": {
                        "exitCode": 1 if failed else 0,
                        "reason": reason,
                        "startedAt": rfc3339(at),
                        "finishedAt": rfc3339(finished),
                        "containerID": f"cri-o://{uuid.uuid5(uuid.NAMESPACE_URL, name + step).hex}",
                    },
                }
            )
            at = finished
        status = obj["status"]
        if step_states:
            status["steps"] = step_states
        if outcome == "Succeeded":
            results = {
                "clone": [
                    ("commit", commit_of(seed)),
                    ("url", "https://github.com/example/shop.git"),
                ],
                "build": [
                    ("IMAGE_DIGEST", digest_of(seed)),
                    (
                        "IMAGE_URL",
                        f"image-registry.openshift-image-registry.svc:5000/{namespace}/{task}:latest",
                    ),
                ],
            }
            if task in results:
                status["results"] = [
                    {"name": k, "type": "string", "value": v} for k, v in results[task]
                ]
        reason = "Succeeded" if outcome == "Succeeded" else _TASKRUN_REASON[outcome]
        message = {
            "Succeeded": "All Steps have completed executing",
            "Failed": f'"step-{steps[-1]}" exited with code 1',
            "Cancelled": f'TaskRun "{name}" was cancelled. ',
            "TimedOut": f'TaskRun "{name}" failed to finish within "1h0m0s"',
        }[outcome]
        status["conditions"] = [_condition(outcome, reason, message, at + timedelta(seconds=1))]
        status["completionTime"] = rfc3339(at + timedelta(seconds=1))
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
