"""TaskRun and PipelineRun objects → facts, phases, log parts, documents (pure core).

The objects are shaped as the Tekton controller writes them (tektoncd/pipeline
``pkg/apis/pipeline/v1``: ``status.conditions`` of type ``Succeeded``, ``status.steps[]``,
``status.childReferences``); the simulated cluster's own objects are tested against the
CRDs in ``tests/simulator``.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from osiris.core.events import IgnoredEvent, RunEvent, parse_event
from osiris.core.findings import Finding
from osiris.core.keys import KeyLayout
from osiris.core.metadata import ArchivedLog, UnavailableLog
from osiris.errors import InvalidEventError
from osiris.kinds import ALL_PHASES, KINDS, by_resource, kind_of
from osiris.kinds.base import Archiving
from osiris.kinds.pipelinerun import PIPELINERUN, parse_pipelinerun
from osiris.kinds.taskrun import NO_POD, TASKRUN, parse_taskrun

SHA = "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39"
UID = "6b1f3c2e-9a4d-4e8f-b7c6-1d2e3f4a5b6c"
PR_UID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
ARCHIVING = Archiving("prod", datetime(2026, 12, 3, 10, 0, tzinfo=UTC), "ev-1", "t")


def taskrun(reason: str = "Succeeded", status: str = "True", **changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": {
            "name": "shop-ci-abc12-build",
            "namespace": "shop",
            "uid": UID,
            "resourceVersion": "4711",
            "creationTimestamp": "2026-12-03T09:00:00Z",
            "labels": {
                "tekton.dev/pipeline": "shop-ci",
                "tekton.dev/pipelineRun": "shop-ci-abc12",
                "tekton.dev/pipelineTask": "build",
                "tekton.dev/task": "buildah",
                "app.kubernetes.io/managed-by": "tekton-pipelines",
            },
        },
        "spec": {
            "taskRef": {"kind": "Task", "name": "buildah"},
            "params": [{"name": "IMAGE", "value": "quay.io/shop/api:latest"}],
            "serviceAccountName": "pipeline",
            "timeout": "1h0m0s",
        },
        "status": {
            "conditions": [
                {
                    "type": "Succeeded",
                    "status": status,
                    "reason": reason,
                    "message": "All Steps have completed executing",
                    "lastTransitionTime": "2026-12-03T09:03:00Z",
                }
            ],
            "podName": "shop-ci-abc12-build-pod",
            "startTime": "2026-12-03T09:00:02Z",
            "completionTime": "2026-12-03T09:03:00Z",
            "steps": [
                {
                    "name": "build",
                    "container": "step-build",
                    "imageID": "quay.io/buildah/stable@sha256:" + "a" * 64,
                    "terminated": {
                        "exitCode": 0,
                        "reason": "Completed",
                        "startedAt": "2026-12-03T09:00:05Z",
                        "finishedAt": "2026-12-03T09:02:30Z",
                        "containerID": "cri-o://1",
                    },
                },
                {
                    "name": "push",
                    "container": "step-push",
                    "imageID": "quay.io/buildah/stable@sha256:" + "a" * 64,
                    "terminated": {
                        "exitCode": 0,
                        "reason": "Completed",
                        "startedAt": "2026-12-03T09:02:30Z",
                        "finishedAt": "2026-12-03T09:03:00Z",
                        "containerID": "cri-o://2",
                    },
                },
            ],
            "results": [
                {"name": "IMAGE_DIGEST", "type": "string", "value": "sha256:" + "b" * 64},
                {"name": "commit", "type": "string", "value": SHA},
            ],
        },
    }
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = obj
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return obj


def pipelinerun(reason: str = "Succeeded", status: str = "True") -> dict[str, Any]:
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {
            "name": "shop-ci-abc12",
            "namespace": "shop",
            "uid": PR_UID,
            "resourceVersion": "4800",
            "creationTimestamp": "2026-12-03T08:59:58Z",
            "labels": {"tekton.dev/pipeline": "shop-ci"},
        },
        "spec": {
            "pipelineRef": {"name": "shop-ci"},
            "params": [
                {"name": "git-url", "value": "https://github.com/example/shop"},
                {"name": "git-revision", "value": "feature/cart"},
            ],
            "taskRunTemplate": {"serviceAccountName": "pipeline"},
        },
        "status": {
            "conditions": [{"type": "Succeeded", "status": status, "reason": reason}],
            "startTime": "2026-12-03T08:59:59Z",
            "completionTime": "2026-12-03T09:06:00Z",
            "childReferences": [
                {
                    "apiVersion": "tekton.dev/v1",
                    "kind": "TaskRun",
                    "name": "shop-ci-abc12-clone",
                    "pipelineTaskName": "clone",
                },
                {
                    "apiVersion": "tekton.dev/v1",
                    "kind": "TaskRun",
                    "name": "shop-ci-abc12-build",
                    "pipelineTaskName": "build",
                },
            ],
            "skippedTasks": [{"name": "deploy", "reason": "When Expressions evaluated to false"}],
            "results": [{"name": "commit", "value": SHA}],
        },
    }


@pytest.mark.parametrize(
    ("status", "reason", "phase"),
    [
        ("True", "Succeeded", "Succeeded"),
        ("True", "Completed", "Succeeded"),  # a PipelineRun with skipped tasks
        ("False", "Failed", "Failed"),
        ("False", "TaskRunImagePullFailed", "Failed"),
        ("False", "TaskRunCancelled", "Cancelled"),
        ("False", "Cancelled", "Cancelled"),
        ("False", "CancelledRunFinally", "Cancelled"),
        ("False", "StoppedRunFinally", "Cancelled"),
        ("False", "TaskRunTimeout", "TimedOut"),
        ("False", "PipelineRunTimeout", "TimedOut"),
        ("Unknown", "Running", "Running"),
        ("Unknown", "CancelledRunningFinally", "Running"),  # still running its finally tasks
    ],
)
def test_the_succeeded_condition_maps_to_a_phase(status: str, reason: str, phase: str) -> None:
    facts = parse_taskrun(taskrun(reason, status))
    assert facts.phase == phase
    assert facts.finished == (phase in TASKRUN.keys.phases)
    assert parse_pipelinerun(pipelinerun(reason, status)).phase == phase


def test_a_run_without_conditions_is_not_finished() -> None:
    obj = taskrun()
    del obj["status"]["conditions"]
    assert parse_taskrun(obj).finished is False


def test_taskrun_facts_steps_and_log_parts() -> None:
    facts = parse_taskrun(taskrun())
    assert (facts.task, facts.task_kind, facts.pipeline_run, facts.pipeline_task) == (
        "buildah",
        "Task",
        "shop-ci-abc12",
        "build",
    )
    assert facts.commit == SHA and facts.git_ref is None
    assert [(s.name, s.container, s.exit_code) for s in facts.steps] == [
        ("build", "step-build", 0),
        ("push", "step-push", 0),
    ]
    parts = facts.log_parts()
    assert [(p.step, p.path, p.query, p.unavailable) for p in parts] == [
        (
            "build",
            "/api/v1/namespaces/shop/pods/shop-ci-abc12-build-pod/log",
            (("container", "step-build"),),
            None,
        ),
        (
            "push",
            "/api/v1/namespaces/shop/pods/shop-ci-abc12-build-pod/log",
            (("container", "step-push"),),
            None,
        ),
    ]
    entry = facts.index_entry(1234, "test-failure")
    assert (entry.group, entry.phase, entry.number, entry.log_bytes) == (
        "buildah",
        "Succeeded",
        None,
        1234,
    )


def test_a_taskrun_that_never_got_a_pod_says_so_without_asking_the_cluster() -> None:
    obj = taskrun("TaskRunTimeout", "False")
    del obj["status"]["podName"]
    parts = parse_taskrun(obj).log_parts()
    assert parts and all(part.unavailable == NO_POD for part in parts)


def test_an_embedded_task_has_no_task_kind_and_groups_by_its_label() -> None:
    obj = taskrun()
    del obj["spec"]["taskRef"]
    obj["spec"]["taskSpec"] = {"steps": [{"name": "build", "image": "busybox"}]}
    facts = parse_taskrun(obj)
    assert facts.task == "buildah" and facts.task_kind is None  # tekton.dev/task label


def test_a_step_name_that_cannot_be_a_key_is_refused() -> None:
    obj = taskrun()
    obj["status"]["steps"][0]["name"] = "../../etc"
    with pytest.raises(InvalidEventError, match="step name"):
        parse_taskrun(obj)


def test_taskrun_document_records_every_step_and_merges_findings_by_severity() -> None:
    facts = parse_taskrun(
        taskrun(
            metadata__labels={
                "tekton.dev/task": "buildah",
                "build.shipwright.io/name": "api",
                "buildrun.shipwright.io/name": "api-run-7",
            }
        )
    )
    mild = Finding("test-failure", "error", "Tests failed", 3, "FAILED", rank=5)
    severe = Finding("oom-killed", "critical", "Out of memory", 9, "Killed", rank=1)
    logs = {
        "build": ArchivedLog("k/build", 100, 40, 3, "s1", (mild,)),
        "push": ArchivedLog("k/push", 10, 8, 1, "s2", (severe,)),
    }
    document = TASKRUN.document(facts, logs, ARCHIVING)
    assert document["kind"] == "TaskRun" and document["task"] == "buildah"
    assert document["shipwright"] == {"build": "api", "buildRun": "api-run-7"}
    assert [(s["name"], s["log"]["state"], s["log"]["rawBytes"]) for s in document["steps"]] == [
        ("build", "archived", 100),
        ("push", "archived", 10),
    ]
    assert [(f["step"], f["rule"]) for f in document["findings"]] == [
        ("push", "oom-killed"),
        ("build", "test-failure"),
    ]
    assert document["git"]["commit"] == SHA
    assert {"name": "IMAGE_DIGEST", "value": "sha256:" + "b" * 64} in document["results"]
    fields = TASKRUN.index_fields(document)
    assert (fields.group, fields.commit, fields.number) == ("buildah", SHA, None)
    assert [step for step, _ in TASKRUN.log_sections(document)] == ["build", "push"]


def test_an_unavailable_step_log_keeps_its_reason() -> None:
    facts = parse_taskrun(taskrun())
    logs = {"build": UnavailableLog("NotFound"), "push": UnavailableLog("NotFound")}
    steps = TASKRUN.document(facts, logs, ARCHIVING)["steps"]
    assert [s["log"]["state"] for s in steps] == ["unavailable", "unavailable"]
    assert steps[0]["log"]["reason"] == "NotFound"


def test_pipelinerun_document_names_its_taskruns_in_order() -> None:
    facts = parse_pipelinerun(pipelinerun())
    assert facts.log_parts() == ()
    assert facts.pipeline == "shop-ci" and facts.commit == SHA
    assert facts.git_ref == "feature/cart"  # the git-revision param: a branch, not a sha
    document = PIPELINERUN.document(facts, {}, ARCHIVING)
    assert [(t["name"], t["pipelineTask"]) for t in document["taskRuns"]] == [
        ("shop-ci-abc12-clone", "clone"),
        ("shop-ci-abc12-build", "build"),
    ]
    assert document["skippedTasks"] == [
        {"name": "deploy", "reason": "When Expressions evaluated to false"}
    ]
    assert document["git"] == {
        "url": "https://github.com/example/shop",
        "revision": "feature/cart",
        "commit": SHA,
        "ref": "feature/cart",
    }
    assert PIPELINERUN.children(document) == [
        ("taskruns", "shop-ci-abc12-clone"),
        ("taskruns", "shop-ci-abc12-build"),
    ]
    fields = PIPELINERUN.index_fields(document)
    assert (fields.group, fields.commit, fields.git_ref) == ("shop-ci", SHA, "feature/cart")


def test_pipelines_as_code_labels_give_commit_and_branch() -> None:
    obj = pipelinerun()
    obj["status"]["results"] = []
    obj["spec"]["params"] = []
    obj["metadata"]["labels"]["pipelinesascode.tekton.dev/sha"] = SHA.upper()
    obj["metadata"]["annotations"] = {"pipelinesascode.tekton.dev/source-branch": "refs/heads/main"}
    facts = parse_pipelinerun(obj)
    assert (facts.commit, facts.git_ref) == (SHA, "main")


def test_the_layout_of_each_kind_is_apart_and_builds_keep_theirs() -> None:
    layout = KeyLayout("osiris", "prod")
    facts = parse_taskrun(taskrun())
    runs = layout.for_kind(TASKRUN.keys)
    assert runs.metadata_key(facts.ref) == (
        f"osiris/v1/prod/taskruns/shop/shop-ci-abc12-build/{UID}/taskrun.json"
    )
    assert runs.log_key(facts.ref, "push") == (
        f"osiris/v1/prod/taskruns/shop/shop-ci-abc12-build/{UID}/steps/push.log.gz"
    )
    keys = runs.index_keys("shop", facts.index_entry(10), facts.commit, "main")
    assert [key.split("/")[4:6] for key in keys] == [
        ["taskruns", "ns"],
        ["taskruns", "phase"],
        ["taskruns", "task"],
        ["taskruns", "task-phase"],
        ["taskruns", "commit"],
        ["taskruns", "ref"],
    ]
    for key in keys:
        assert runs.parse_index_key(key)[1].uid == UID
    assert layout.namespaces_prefix() == "osiris/v1/prod/index/ns/"  # the Builds' own


@pytest.mark.parametrize("obj", [taskrun(), pipelinerun()])
def test_events_about_tekton_runs_name_their_kind(obj: dict[str, Any]) -> None:
    attributes = {
        "id": "e1",
        "type": "dev.knative.apiserver.resource.update",
        "kind": obj["kind"],
        "apiversion": "tekton.dev/v1",
        "name": obj["metadata"]["name"],
        "namespace": "shop",
    }
    event = parse_event(attributes, copy.deepcopy(obj))
    assert isinstance(event, RunEvent) and event.kind is kind_of("tekton.dev/v1", obj["kind"])


def test_other_tekton_kinds_are_ignored() -> None:
    data = {"apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "x"}}
    attributes = {"id": "e1", "type": "dev.knative.apiserver.resource.add"}
    assert isinstance(parse_event(attributes, data), IgnoredEvent)


def test_the_registry() -> None:
    assert [kind.kind for kind in KINDS] == ["Build", "TaskRun", "PipelineRun"]
    assert by_resource("pipelineruns") is PIPELINERUN
    assert ALL_PHASES == ("Complete", "Failed", "Error", "Cancelled", "Succeeded", "TimedOut")
