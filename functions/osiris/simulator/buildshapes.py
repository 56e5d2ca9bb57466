"""Builds and BuildConfigs as openshift-apiserver and the build controller write them (pure).

From ``openshift/api`` ``build/v1/types.go``: ``status.duration`` is integer nanoseconds,
timestamps are RFC 3339 UTC with second precision, ``spec.nodeSelector`` is ``null`` when
the BuildConfig has none (the Go field has no ``omitempty``). A terminal build gets
``startTimestamp`` (the completion time if it never started), ``completionTimestamp`` and
``duration`` (omitted when zero, as ``omitempty`` does), with the controller's reason and
message. :mod:`osiris.simulator.cluster` keeps the objects and calls these with every resource
version and time (no state, no I/O here).
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from osiris.simulator.buildlogs import LogSpec, last_lines
from osiris.simulator.bulktext import BulkText
from osiris.simulator.clock import rfc3339

JSON = dict[str, Any]
Outcome = Literal["Complete", "Failed", "Error", "Cancelled"]

BUILD_API_VERSION = "build.openshift.io/v1"
TERMINAL_PHASES = frozenset({"Complete", "Failed", "Error", "Cancelled"})
LOG_SNIPPET_LINES = 5
_LABEL_MAX = 63

# openshift/api build/v1 StatusReason values and the controller's messages for them.
_FAILURE = {
    "Docker": ("DockerBuildFailed", "Docker build strategy has failed."),
    "Source": ("GenericBuildFailed", "Generic Build failure - check logs for details."),
}
_ERROR = ("CannotCreateBuildPod", "Failed creating build pod.")
_CANCELLED = ("CancelledBuild", "The build was cancelled by the user.")


def new_buildconfig_object(
    namespace: str,
    name: str,
    *,
    strategy: Literal["Docker", "Source"],
    git_uri: str | None,
    git_ref: str,
    context_dir: str | None,
    builder_image: str,
    labels: dict[str, str] | None,
    node_selector: dict[str, str] | None,
    run_policy: str,
    created: datetime,
    resource_version: str,
) -> JSON:
    """A BuildConfig as ``oc new-app`` leaves it: a Git source, one strategy, no builds yet."""
    source: JSON = {
        "type": "Git",
        "git": {"uri": git_uri or f"https://github.com/example/{name}.git", "ref": git_ref},
    }
    if context_dir:
        source["contextDir"] = context_dir
    from_ref = {"kind": "ImageStreamTag", "namespace": "openshift", "name": builder_image}
    build_strategy: JSON = (
        {"type": "Docker", "dockerStrategy": {"from": from_ref}}
        if strategy == "Docker"
        else {"type": "Source", "sourceStrategy": {"from": from_ref}}
    )
    return {
        "kind": "BuildConfig",
        "apiVersion": BUILD_API_VERSION,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": str(uuid.uuid4()),
            "resourceVersion": resource_version,
            "generation": 1,
            "creationTimestamp": rfc3339(created),
            "labels": {"app": name, **(labels or {})},
            "annotations": {"openshift.io/generated-by": "OpenShiftNewApp"},
        },
        "spec": {
            "nodeSelector": node_selector,
            "output": {"to": {"kind": "ImageStreamTag", "name": f"{name}:latest"}},
            "resources": {},
            "successfulBuildsHistoryLimit": 5,
            "failedBuildsHistoryLimit": 5,
            "strategy": build_strategy,
            "postCommit": {},
            "source": source,
            "triggers": [{"type": "ConfigChange"}],
            "runPolicy": run_policy,
        },
        "status": {"lastVersion": 0},
    }


def new_build_object(
    bc: JSON,
    name: str,
    *,
    number: int,
    seed: int,
    created: datetime,
    trigger: str,
    resource_version: str,
) -> JSON:
    """Build number ``number`` of the BuildConfig ``bc``, as openshift-apiserver creates it (New)."""
    meta = bc["metadata"]
    bc_name, namespace = meta["name"], meta["namespace"]
    spec = copy.deepcopy(bc["spec"])
    revision_git: JSON = {"author": {}, "committer": {}, "message": "", "commit": ""}
    if trigger == "GitHub":
        cause: JSON = {
            "message": "GitHub WebHook",
            "githubWebHook": {
                "revision": {"type": "Git", "git": revision_git},
                "secret": "<secret>",
            },
        }
    else:
        cause = {"message": "Manually triggered"}
    now = rfc3339(created)
    return {
        "kind": "Build",
        "apiVersion": BUILD_API_VERSION,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": str(uuid.uuid4()),
            "resourceVersion": resource_version,
            "generation": 1,
            "creationTimestamp": now,
            "labels": {
                **meta.get("labels", {}),
                "buildconfig": bc_name[:_LABEL_MAX],
                "openshift.io/build-config.name": bc_name[:_LABEL_MAX],
                "openshift.io/build.start-policy": spec.get("runPolicy", "Serial"),
            },
            "annotations": {
                "openshift.io/build-config.name": bc_name,
                "openshift.io/build.number": str(number),
            },
            "ownerReferences": [
                {
                    "apiVersion": BUILD_API_VERSION,
                    "kind": "BuildConfig",
                    "name": bc_name,
                    "uid": meta["uid"],
                    "controller": True,
                }
            ],
            "managedFields": [
                _managed(
                    "openshift-apiserver",
                    now,
                    {
                        "f:metadata": {
                            "f:annotations": {
                                ".": {},
                                "f:openshift.io/build-config.name": {},
                                "f:openshift.io/build.number": {},
                            },
                            "f:labels": {
                                ".": {},
                                "f:buildconfig": {},
                                "f:openshift.io/build-config.name": {},
                                "f:openshift.io/build.start-policy": {},
                            },
                            "f:ownerReferences": {".": {}, f'k:{{"uid":"{meta["uid"]}"}}': {}},
                        },
                        "f:spec": {
                            "f:output": {"f:to": {}},
                            "f:serviceAccount": {},
                            "f:source": {"f:git": {}},
                            "f:strategy": {},
                            "f:triggeredBy": {},
                        },
                    },
                ),
            ],
        },
        "spec": {
            "serviceAccount": "builder",
            "source": spec["source"],
            "revision": {"type": "Git", "git": revision_git},
            "strategy": spec["strategy"],
            "output": {
                **spec["output"],
                "pushSecret": {"name": f"builder-dockercfg-{seed % 100000:05d}"},
            },
            "resources": spec.get("resources", {}),
            "postCommit": spec.get("postCommit", {}),
            "nodeSelector": spec.get("nodeSelector"),
            "triggeredBy": [cause],
        },
        "status": {
            "phase": "New",
            "outputDockerImageReference": (
                f"image-registry.openshift-image-registry.svc:5000/{namespace}/{spec['output']['to']['name']}"
            ),
            "config": {"kind": "BuildConfig", "namespace": namespace, "name": bc_name},
            "output": {},
            "conditions": [_condition("New", now)],
        },
    }


def build_log_spec(
    build: JSON, seed: int, size: int, outcome: Outcome, bulk: BulkText = "tests"
) -> LogSpec:
    """The spec of the log ``build`` writes when it ends in ``outcome``, every field resolved."""
    spec = build["spec"]
    return LogSpec(
        seed=seed,
        size=size,
        namespace=build["metadata"]["namespace"],
        build_name=build["metadata"]["name"],
        strategy="Source" if spec["strategy"]["type"] == "Source" else "Docker",
        succeeded=outcome == "Complete",
        git_uri=spec["source"]["git"]["uri"],
        git_ref=spec["source"]["git"].get("ref", "main"),
        output_image=build["status"]["outputDockerImageReference"],
        bulk=bulk,
    ).resolved()


def next_phase(phase: str, outcome: Outcome) -> str:
    """The phase after ``phase`` of a build headed for ``outcome``, as the controller moves it."""
    if phase == "New":
        return "Error" if outcome == "Error" else "Pending"
    if phase == "Pending":
        return "Cancelled" if outcome == "Cancelled" else "Running"
    return "Cancelled" if outcome == "Cancelled" else outcome


def enter_phase(build: JSON, phase: str, at: datetime, log_spec: LogSpec) -> None:
    """Move ``build`` into ``phase`` at ``at``: its pod, timestamps, outcome and conditions."""
    status = build["status"]
    when = rfc3339(at)
    if phase == "Pending":
        build["metadata"]["annotations"]["openshift.io/build.pod-name"] = (
            f"{build['metadata']['name']}-build"
        )
    if phase == "Running":
        status["startTimestamp"] = when
    if phase in TERMINAL_PHASES:
        _complete(build, phase, at, log_spec)
    status["phase"] = phase
    for condition in status["conditions"]:
        if condition["status"] == "True":
            condition.update(status="False", lastUpdateTime=when, lastTransitionTime=when)
    status["conditions"].append(
        _condition(phase, when, status.get("reason", ""), status.get("message", ""))
    )


def _complete(build: JSON, phase: str, at: datetime, log_spec: LogSpec) -> None:
    status = build["status"]
    strategy = build["spec"]["strategy"]["type"]
    status.setdefault("startTimestamp", rfc3339(at))
    status["completionTimestamp"] = rfc3339(at)
    started = datetime.strptime(status["startTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    seconds = int((at - started).total_seconds())
    if seconds:
        status["duration"] = seconds * 1_000_000_000
    if phase == "Complete":
        status["output"] = {"to": {"imageDigest": log_spec.image_digest}}
        status["stages"] = _stages(strategy, started, seconds)
    elif phase == "Failed":
        status["reason"], status["message"] = _FAILURE[strategy]
        status["logSnippet"] = "\n".join(last_lines(log_spec, LOG_SNIPPET_LINES))
        status["stages"] = _stages(strategy, started, seconds)[:3]
    elif phase == "Error":
        status["reason"], status["message"] = _ERROR
    else:
        status["cancelled"] = True
        status["reason"], status["message"] = _CANCELLED


def touch(build: JSON, at: datetime, resource_version: str) -> None:
    """Record a controller update of ``build`` at ``at``: its version and managed fields."""
    meta = build["metadata"]
    meta["resourceVersion"] = resource_version
    fields = meta["managedFields"]
    if len(fields) == 1:
        fields.append(_managed("openshift-controller-manager", rfc3339(at), {}))
    fields[1]["time"] = rfc3339(at)
    fields[1]["fieldsV1"] = {
        "f:metadata": {"f:annotations": {"f:openshift.io/build.pod-name": {}}},
        "f:status": {f"f:{key}": {} for key in sorted(build["status"]) if key != "phase"}
        | {"f:phase": {}},
    }


def _condition(phase: str, when: str, reason: str = "", message: str = "") -> JSON:
    condition: JSON = {
        "type": phase,
        "status": "True",
        "lastUpdateTime": when,
        "lastTransitionTime": when,
    }
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def _managed(manager: str, when: str, fields: JSON) -> JSON:
    return {
        "manager": manager,
        "operation": "Update",
        "apiVersion": BUILD_API_VERSION,
        "time": when,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }


def _stages(strategy: str, started: datetime, seconds: int) -> list[JSON]:
    build_step = "DockerBuild"
    push_step = "PushDockerImage" if strategy == "Docker" else "PushImage"
    plan = [
        ("FetchInputs", "FetchGitSource", 0.05),
        ("PullImages", "PullBaseImage", 0.15),
        ("Build", build_step, 0.7),
        ("PushImage", push_step, 0.1),
    ]
    stages = []
    offset = 0.0
    total_ms = seconds * 1000
    for stage, step, share in plan:
        start = rfc3339(started + timedelta(milliseconds=offset))
        duration = max(1, int(total_ms * share))
        stages.append(
            {
                "name": stage,
                "startTime": start,
                "durationMilliseconds": duration,
                "steps": [{"name": step, "startTime": start, "durationMilliseconds": duration}],
            }
        )
        offset += duration
    return stages
