"""The shapes of Tekton objects as the controller writes them (pure: no state, no I/O).

From tektoncd/pipeline ``pkg/apis/pipeline/v1`` (``taskrun_types.go``,
``pipelinerun_types.go``), validated against the CRDs in ``tests/data/schemas/tekton``:
the ``Succeeded`` condition with the controller's reasons, ``status.steps[]`` with their
``step-<name>`` containers and termination states, results, ``childReferences`` and
``skippedTasks``, and the ``tekton.dev/*`` labels. :mod:`osiris.simulator.tekton` keeps
the runs, their pods and logs, and calls these to build and finish each object.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from osiris.simulator.clock import rfc3339
from osiris.simulator.tektonlogs import commit_of, digest_of

JSON = dict[str, Any]
Outcome = Literal["Succeeded", "Failed", "Cancelled", "TimedOut"]
API_VERSION = "tekton.dev/v1"
STEPS = {"clone": ("clone",), "build": ("build", "push"), "test": ("test",), "push": ("push",)}
IMAGE = "registry.redhat.io/openshift-pipelines/pipelines-{step}-rhel9@sha256:" + "0" * 64
TIMEOUT = "1h0m0s"
_TASKRUN_REASON = {
    "Succeeded": "Succeeded",
    "Failed": "Failed",
    "Cancelled": "TaskRunCancelled",
    "TimedOut": "TaskRunTimeout",
}
_PIPELINERUN_REASON = {
    "Succeeded": "Succeeded",
    "Failed": "Failed",
    "Cancelled": "Cancelled",
    "TimedOut": "PipelineRunTimeout",
}
_FAILED_STEP_REASON = {
    "Succeeded": "Completed",
    "Failed": "Error",
    "Cancelled": "TaskRunCancelled",
    "TimedOut": "TaskRunTimeout",
}


def steps_of(task: str) -> tuple[str, ...]:
    """The steps of one of the simulated catalogue's Tasks (a Task of its own: one step)."""
    return STEPS.get(task, (task,))


def condition(outcome: Outcome, reason: str, message: str, when: datetime) -> JSON:
    return {
        "type": "Succeeded",
        "status": "True" if outcome == "Succeeded" else "False",
        "reason": reason,
        "message": message,
        "lastTransitionTime": rfc3339(when),
    }


def _running(message: str, start: datetime) -> JSON:
    return {
        "type": "Succeeded",
        "status": "Unknown",
        "reason": "Running",
        "message": message,
        "lastTransitionTime": rfc3339(start),
    }


def running_pipelinerun(
    metadata: JSON, pipeline: str, params: dict[str, str], outcome: Outcome, tasks: int
) -> JSON:
    start = metadata["creationTimestamp"]
    return {
        "apiVersion": API_VERSION,
        "kind": "PipelineRun",
        "metadata": metadata,
        "spec": {
            "pipelineRef": {"name": pipeline},
            "params": [{"name": k, "value": v} for k, v in params.items()],
            "taskRunTemplate": {"serviceAccountName": "pipeline"},
            "timeouts": {"pipeline": TIMEOUT},
            **({"status": "Cancelled"} if outcome == "Cancelled" else {}),
        },
        "status": {
            "conditions": [
                _running(
                    f"Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: {tasks}, Skipped: 0",
                    datetime.fromisoformat(start.replace("Z", "+00:00")),
                )
            ],
            "startTime": start,
        },
    }


def finish_pipelinerun(
    pr: JSON,
    outcome: Outcome,
    ran: list[str],
    skipped: list[str],
    children: list[JSON],
    results: list[JSON],
    end: datetime,
) -> None:
    name = pr["metadata"]["name"]
    done = len(ran) - (0 if outcome == "Succeeded" else 1)
    message = {
        "Succeeded": f"Tasks Completed: {len(ran)} (Failed: 0, Cancelled 0), Skipped: 0",
        "Failed": f"Tasks Completed: {done + 1} (Failed: 1, Cancelled 0), Skipped: {len(skipped)}",
        "Cancelled": f'PipelineRun "{name}" was cancelled',
        "TimedOut": f'PipelineRun "{name}" failed to finish within "{TIMEOUT}"',
    }[outcome]
    status = pr["status"]
    status.update(
        conditions=[condition(outcome, _PIPELINERUN_REASON[outcome], message, end)],
        completionTime=rfc3339(end),
        childReferences=children,
        results=[{"name": r["name"], "value": r["value"]} for r in results],
    )
    if skipped and outcome == "Failed":
        status["skippedTasks"] = [
            {"name": t, "reason": "PipelineRun was stopping"} for t in skipped
        ]


def child_reference(taskrun: JSON, task: str) -> JSON:
    return {
        "apiVersion": API_VERSION,
        "kind": "TaskRun",
        "name": taskrun["metadata"]["name"],
        "pipelineTaskName": task,
    }


def running_taskrun(
    metadata: JSON,
    task: str,
    outcome: Outcome,
    pod: str,
    pipeline: tuple[str, str, str] | None,
) -> JSON:
    """``pod`` "": the TaskRun never got one (PodName has no omitempty)."""
    labels = {
        "app.kubernetes.io/managed-by": "tekton-pipelines",
        "tekton.dev/task": task,
        "tekton.dev/taskRun": metadata["name"],
        **metadata["labels"],
    }
    metadata["labels"] = labels
    if pipeline is not None:
        pipeline_name, run_name, run_uid = pipeline
        labels["tekton.dev/pipeline"] = pipeline_name
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
    start = metadata["creationTimestamp"]
    return {
        "apiVersion": API_VERSION,
        "kind": "TaskRun",
        "metadata": metadata,
        "spec": {
            "taskRef": {"kind": "Task", "name": task},
            "serviceAccountName": "pipeline",
            "timeout": TIMEOUT,
            **({"status": "TaskRunCancelled"} if outcome == "Cancelled" else {}),
        },
        "status": {
            "conditions": [
                _running(
                    "Not all Steps in the Task have finished executing",
                    datetime.fromisoformat(start.replace("Z", "+00:00")),
                )
            ],
            "startTime": start,
            "podName": pod,
        },
    }


def step_state(
    taskrun: str, step: str, outcome: Outcome, failed: bool, start: datetime, end: datetime
) -> JSON:
    return {
        "name": step,
        "container": f"step-{step}",
        "imageID": IMAGE.format(step=step),
        "terminated": {
            "exitCode": 1 if failed else 0,
            "reason": _FAILED_STEP_REASON[outcome] if failed else "Completed",
            "startedAt": rfc3339(start),
            "finishedAt": rfc3339(end),
            "containerID": f"cri-o://{uuid.uuid5(uuid.NAMESPACE_URL, taskrun + step).hex}",
        },
    }


def finish_taskrun(
    obj: JSON, outcome: Outcome, steps: list[str], states: list[JSON], seed: int, end: datetime
) -> None:
    metadata, status = obj["metadata"], obj["status"]
    name, namespace, task = metadata["name"], metadata["namespace"], obj["spec"]["taskRef"]["name"]
    if states:
        status["steps"] = states
    if outcome == "Succeeded":
        results = _task_results(task, namespace, seed)
        if results:
            status["results"] = [{"name": k, "type": "string", "value": v} for k, v in results]
    message = {
        "Succeeded": "All Steps have completed executing",
        "Failed": f'"step-{steps[-1]}" exited with code 1',
        "Cancelled": f'TaskRun "{name}" was cancelled. ',
        "TimedOut": f'TaskRun "{name}" failed to finish within "{TIMEOUT}"',
    }[outcome]
    status["conditions"] = [condition(outcome, _TASKRUN_REASON[outcome], message, end)]
    status["completionTime"] = rfc3339(end)


def _task_results(task: str, namespace: str, seed: int) -> list[tuple[str, str]]:
    """What the catalogue's git-clone and buildah Tasks report."""
    if task == "clone":
        return [("commit", commit_of(seed)), ("url", "https://github.com/example/shop.git")]
    if task == "build":
        image = f"image-registry.openshift-image-registry.svc:5000/{namespace}/{task}:latest"
        return [("IMAGE_DIGEST", digest_of(seed)), ("IMAGE_URL", image)]
    return []
