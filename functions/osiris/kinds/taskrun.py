"""A ``tekton.dev/v1`` TaskRun → the facts osiris keeps: one log per step. Pure: no I/O.

Each step runs in a container of the TaskRun's pod (``status.podName``), named in
``status.steps[].container`` (``step-<name>``); its log is the core API's
``GET /api/v1/namespaces/{ns}/pods/{pod}/log?container={container}``. A TaskRun that
never got a pod has no step to read. TaskRuns that Builds for OpenShift (Shipwright)
created carry its Build and BuildRun names in labels, which the document records so
such a build is found by its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from osiris.core import keys
from osiris.core.keys import KindKeys
from osiris.core.metadata import UnavailableLog, log_section
from osiris.core.views import KindView
from osiris.errors import InvalidEventError, InvalidNameError
from osiris.kinds import fields, tekton
from osiris.kinds.base import Archiving, IndexFields, LogPart, LogResult

KIND = "TaskRun"
KEYS = KindKeys.added("taskruns", "taskrun.json", "task", tekton.PHASES)
SHIPWRIGHT_BUILD_LABEL = "build.shipwright.io/name"
SHIPWRIGHT_BUILDRUN_LABEL = "buildrun.shipwright.io/name"
NO_POD = "the TaskRun never got a pod"


@dataclass(frozen=True)
class Step:
    name: str
    container: str
    image_id: str | None
    exit_code: int | None
    reason: str | None
    started: datetime | None
    finished: datetime | None


@dataclass(frozen=True)
class TaskRunFacts(tekton.TektonFacts):
    task: str | None  # the Task's name (taskRef), else the pipeline task's label
    task_kind: str | None  # "Task", "ClusterTask", a resolver's kind; None: embedded
    pipeline: str | None
    pipeline_run: str | None
    pipeline_task: str | None
    pod_name: str | None
    service_account: str | None
    steps: tuple[Step, ...]

    @property
    def group(self) -> str | None:
        return self.task

    def log_parts(self) -> tuple[LogPart, ...]:
        path = f"/api/v1/namespaces/{self.ref.namespace}/pods/{self.pod_name}/log"
        return tuple(
            LogPart(
                step.name,
                path,
                (("container", step.container),),
                unavailable=None if self.pod_name else NO_POD,
            )
            for step in self.steps
        )


def parse_taskrun(obj: Any) -> TaskRunFacts:
    common, spec, status = tekton.parse_common(obj, KIND)
    task_ref = fields.mapping(spec, "taskRef", KIND)
    labels = common.labels
    return TaskRunFacts(
        common=common,
        task=fields.text(task_ref, "name", KIND) or labels.get(tekton.TASK_LABEL),
        task_kind=(fields.text(task_ref, "kind", KIND) or "Task") if task_ref else None,
        pipeline=labels.get(tekton.PIPELINE_LABEL),
        pipeline_run=labels.get(tekton.PIPELINE_RUN_LABEL),
        pipeline_task=labels.get(tekton.PIPELINE_TASK_LABEL),
        pod_name=fields.text(status, "podName", KIND),
        service_account=fields.text(spec, "serviceAccountName", KIND),
        steps=tuple(_step(item) for item in fields.items(status, "steps", KIND)),
    )


def _step(item: dict[str, Any]) -> Step:
    terminated = fields.mapping(item, "terminated", KIND)
    name = fields.text(item, "name", KIND, required=True) or ""
    try:
        keys.step_name(name)
    except InvalidNameError as exc:
        raise InvalidEventError(str(exc)) from None
    return Step(
        name=name,
        container=fields.text(item, "container", KIND) or f"step-{name}",
        image_id=fields.text(item, "imageID", KIND),
        exit_code=fields.integer(terminated.get("exitCode")),
        reason=fields.text(terminated, "reason", KIND),
        started=fields.time(terminated, "startedAt", KIND),
        finished=fields.time(terminated, "finishedAt", KIND),
    )


def merged_findings(logs: Mapping[str | None, LogResult]) -> list[dict[str, Any]]:
    """Every step's findings, each naming its step, most severe first (stable by step)."""
    ranked = [
        (finding.rank, order, {"step": step, **finding.document()})
        for order, (step, log) in enumerate(logs.items())
        if not isinstance(log, UnavailableLog)
        for finding in log.findings
    ]
    return [document for _, _, document in sorted(ranked, key=lambda item: item[:2])]


class TaskRunKind:
    """``tekton.dev/v1`` TaskRun: a log per step, grouped by Task."""

    kind = KIND
    api_version = tekton.API_VERSION
    keys: KindKeys = KEYS
    group_kind = "Task"
    view = KindView(KIND, KEYS.resource, KIND, "task", "tasks")

    def object_path(self, namespace: str, name: str) -> str:
        return f"{self.list_path(namespace)}/{name}"

    def list_path(self, namespace: str) -> str:
        return f"/apis/{tekton.API_VERSION}/namespaces/{namespace}/taskruns"

    def parse(self, obj: Any) -> TaskRunFacts:
        return parse_taskrun(obj)

    def document(
        self, facts: TaskRunFacts, logs: Mapping[str | None, LogResult], archiving: Archiving
    ) -> dict[str, Any]:
        common = facts.common
        labels = common.labels
        shipwright = labels.get(SHIPWRIGHT_BUILD_LABEL) or labels.get(SHIPWRIGHT_BUILDRUN_LABEL)
        return {
            **tekton.common_document(
                common, KIND, archiving, duration=tekton.duration(common.started, common.completed)
            ),
            "task": facts.task,
            "taskKind": facts.task_kind,
            "pipeline": facts.pipeline,
            "pipelineRun": facts.pipeline_run,
            "pipelineTask": facts.pipeline_task,
            "podName": facts.pod_name,
            "serviceAccountName": facts.service_account,
            "shipwright": {
                "build": labels.get(SHIPWRIGHT_BUILD_LABEL),
                "buildRun": labels.get(SHIPWRIGHT_BUILDRUN_LABEL),
            }
            if shipwright
            else None,
            "steps": [
                {
                    "name": step.name,
                    "container": step.container,
                    "imageID": step.image_id,
                    "exitCode": step.exit_code,
                    "reason": step.reason,
                    "started": fields.rfc3339(step.started),
                    "finished": fields.rfc3339(step.finished),
                    "log": log_section(logs[step.name]),
                }
                for step in facts.steps
            ],
            "findings": merged_findings(logs),
            **tekton.common_tail(common, archiving),
        }

    def index_fields(self, document: dict[str, Any]) -> IndexFields:
        commit, ref = tekton.document_git(document)
        task = document.get("task")
        return IndexFields(
            group=tekton.group_name(task if isinstance(task, str) else None),
            number=None,
            commit=commit,
            git_ref=ref,
        )

    def log_sections(self, document: dict[str, Any]) -> list[tuple[str | None, Any]]:
        steps = document.get("steps")
        if not isinstance(steps, list):
            return []
        return [
            (str(step.get("name")), step.get("log")) for step in steps if isinstance(step, dict)
        ]

    def children(self, document: dict[str, Any]) -> list[tuple[str, str]]:
        return []


TASKRUN = TaskRunKind()
