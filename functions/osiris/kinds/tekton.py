"""What TaskRuns and PipelineRuns (``tekton.dev/v1``) share. Pure: no I/O.

Field names follow tektoncd/pipeline ``pkg/apis/pipeline/v1`` (``taskrun_types.go``,
``pipelinerun_types.go``, ``param_types.go``, ``result_types.go``); the CRDs are in
``tests/data/schemas/tekton``. A run is finished when its ``Succeeded`` condition is
True or False; the phase osiris files it under comes from that condition:

======================  ==========================================================
phase                   condition ``Succeeded``
======================  ==========================================================
``Succeeded``           status True (reasons ``Succeeded``, ``Completed``)
``Cancelled``           False, reason ``TaskRunCancelled``, ``Cancelled``,
                        ``CancelledRunFinally``, ``StoppedRunFinally``
``TimedOut``            False, reason ``TaskRunTimeout``, ``PipelineRunTimeout``
``Failed``              False, any other reason
======================  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from osiris.core import keys
from osiris.core.keys import BuildRef, IndexEntry
from osiris.core.metadata import SCHEMA_VERSION
from osiris.errors import InvalidNameError
from osiris.kinds import fields
from osiris.kinds.base import Archiving

API_VERSION = "tekton.dev/v1"
PHASES = ("Succeeded", "Failed", "Cancelled", "TimedOut")
CANCELLED_REASONS = frozenset(
    {"TaskRunCancelled", "Cancelled", "CancelledRunFinally", "StoppedRunFinally"}
)
TIMEOUT_REASONS = frozenset({"TaskRunTimeout", "PipelineRunTimeout"})

# Labels the Tekton controller puts on the runs it creates.
PIPELINE_LABEL = "tekton.dev/pipeline"
PIPELINE_RUN_LABEL = "tekton.dev/pipelineRun"
PIPELINE_TASK_LABEL = "tekton.dev/pipelineTask"
TASK_LABEL = "tekton.dev/task"
# Pipelines as Code, where it triggered the run, records the commit and the branch.
PAC_SHA = "pipelinesascode.tekton.dev/sha"
PAC_BRANCH = "pipelinesascode.tekton.dev/branch"
PAC_SOURCE_BRANCH = "pipelinesascode.tekton.dev/source-branch"
# The names the catalog's git-clone task and common pipelines give these values.
COMMIT_NAMES = ("commit", "COMMIT", "COMMIT_SHA", "git-commit")
REVISION_NAMES = ("revision", "git-revision", "REVISION", "GIT_REVISION")
URL_NAMES = ("url", "git-url", "repo-url", "URL", "GIT_URL")


@dataclass(frozen=True)
class RunCommon:
    """The parts of a TaskRun or PipelineRun osiris reads the same way."""

    ref: BuildRef
    resource_version: str
    phase: str  # one of PHASES, or "Running" while the condition is Unknown or absent
    created: datetime
    started: datetime | None
    completed: datetime | None
    reason: str | None
    message: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    params: tuple[tuple[str, Any], ...]
    results: tuple[tuple[str, Any], ...]

    @property
    def finished(self) -> bool:
        return self.phase in PHASES

    @property
    def finished_at(self) -> datetime:
        return self.completed or self.started or self.created

    def value(self, names: tuple[str, ...]) -> str | None:
        """The first string result, else param, of one of ``names``."""
        for pairs in (self.results, self.params):
            for name, value in pairs:
                if name in names and isinstance(value, str) and value:
                    return value
        return None

    @property
    def commit(self) -> str | None:
        for candidate in (self.labels.get(PAC_SHA), self.value(COMMIT_NAMES)):
            if candidate and fields.is_sha(candidate):
                return candidate.lower()
        revision = self.value(REVISION_NAMES)
        return revision.lower() if revision and fields.is_sha(revision) else None

    @property
    def git_ref(self) -> str | None:
        for candidate in (
            self.annotations.get(PAC_SOURCE_BRANCH),
            self.annotations.get(PAC_BRANCH),
            self.labels.get(PAC_BRANCH),
            self.value(REVISION_NAMES),
        ):
            if candidate and not fields.is_sha(candidate):
                try:
                    return keys.git_ref(candidate)
                except InvalidNameError:
                    continue
        return None


@dataclass(frozen=True)
class TektonFacts:
    """What TaskRun and PipelineRun facts answer alike; ``group`` is the kind's own."""

    common: RunCommon

    @property
    def group(self) -> str | None:
        return None

    @property
    def ref(self) -> BuildRef:
        return self.common.ref

    @property
    def phase(self) -> str:
        return self.common.phase

    @property
    def finished(self) -> bool:
        return self.common.finished

    @property
    def commit(self) -> str | None:
        return self.common.commit

    @property
    def git_ref(self) -> str | None:
        return self.common.git_ref

    @property
    def finished_at(self) -> datetime:
        return self.common.finished_at

    def index_entry(self, log_bytes: int | None, finding: str | None = None) -> IndexEntry:
        common = self.common
        return IndexEntry(
            created=fields.epoch(common.created),
            name=common.ref.name,
            phase=common.phase,
            uid=common.ref.uid,
            group=group_name(self.group),
            started=fields.epoch(common.started) if common.started else None,
            completed=fields.epoch(common.completed) if common.completed else None,
            log_bytes=log_bytes,
            finding=finding,
        )


def parse_common(obj: Any, kind: str) -> tuple[RunCommon, dict[str, Any], dict[str, Any]]:
    """The shared parts, and the ``spec`` and ``status`` for the kind to read further."""
    metadata, spec, status, ref = fields.object_parts(obj, kind)
    phase, reason, message = _condition(status, kind)
    common = RunCommon(
        ref=ref,
        resource_version=fields.text(metadata, "resourceVersion", kind) or "",
        phase=phase,
        created=fields.time(metadata, "creationTimestamp", kind, required=True) or datetime.min,
        started=fields.time(status, "startTime", kind),
        completed=fields.time(status, "completionTime", kind),
        reason=reason,
        message=message,
        labels=fields.strings(metadata.get("labels")),
        annotations=fields.strings(metadata.get("annotations")),
        params=_named_values(fields.items(spec, "params", kind)),
        results=_named_values(fields.items(status, "results", kind)),
    )
    return common, spec, status


def _condition(status: dict[str, Any], kind: str) -> tuple[str, str | None, str | None]:
    for condition in fields.items(status, "conditions", kind):
        if condition.get("type") != "Succeeded":
            continue
        reason = fields.text(condition, "reason", kind)
        message = fields.text(condition, "message", kind)
        state = condition.get("status")
        if state == "True":
            return "Succeeded", reason, message
        if state == "False":
            return phase_of_failure(reason), reason, message
        return "Running", reason, message
    return "Running", None, None


def phase_of_failure(reason: str | None) -> str:
    if reason in CANCELLED_REASONS:
        return "Cancelled"
    if reason in TIMEOUT_REASONS:
        return "TimedOut"
    return "Failed"


def _named_values(entries: list[dict[str, Any]]) -> tuple[tuple[str, Any], ...]:
    # A param or result value is a string, an array of strings or an object of strings.
    return tuple(
        (str(entry["name"]), entry.get("value"))
        for entry in entries
        if isinstance(entry.get("name"), str)
    )


def group_name(value: str | None) -> str | None:
    """A Task or Pipeline name usable as an index group, else None."""
    if not value:
        return None
    try:
        return keys.run_name(value, "group")
    except InvalidNameError:
        return None


def common_document(
    common: RunCommon, kind: str, archiving: Archiving, *, duration: float | None
) -> dict[str, Any]:
    """The head of a Tekton run's document: what every kind's document starts with."""
    return {
        "schemaVersion": SCHEMA_VERSION,
        "kind": kind,
        "apiVersion": API_VERSION,
        "cluster": archiving.cluster,
        "namespace": common.ref.namespace,
        "name": common.ref.name,
        "uid": common.ref.uid,
        "resourceVersion": common.resource_version,
        "phase": common.phase,
        "reason": common.reason,
        "message": common.message,
        "created": fields.rfc3339(common.created),
        "started": fields.rfc3339(common.started),
        "completed": fields.rfc3339(common.completed),
        "durationSeconds": duration,
        "params": [{"name": n, "value": v} for n, v in common.params],
        "results": [{"name": n, "value": v} for n, v in common.results],
        "git": {
            "url": common.value(URL_NAMES),
            "revision": common.value(REVISION_NAMES),
            "commit": common.commit,
            "ref": common.git_ref,
        },
    }


def common_tail(common: RunCommon, archiving: Archiving) -> dict[str, Any]:
    return {
        "labels": dict(sorted(common.labels.items())),
        "archivedAt": fields.rfc3339(archiving.archived_at),
        "eventId": archiving.event_id,
        "eventType": archiving.event_type,
    }


def duration(started: datetime | None, completed: datetime | None) -> float | None:
    if started and completed:
        return max(0.0, (completed - started).total_seconds())
    return None


def document_git(document: dict[str, Any]) -> tuple[str | None, str | None]:
    """(commit, ref) as a stored Tekton document records them."""
    git = document.get("git")
    git = git if isinstance(git, dict) else {}
    commit, ref = git.get("commit"), git.get("ref")
    return (
        commit if isinstance(commit, str) and commit else None,
        ref if isinstance(ref, str) and ref else None,
    )
