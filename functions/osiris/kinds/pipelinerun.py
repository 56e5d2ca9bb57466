"""A ``tekton.dev/v1`` PipelineRun → the facts osiris keeps. Pure: no I/O.

A PipelineRun has no log of its own: its TaskRuns have, and each is archived as a
TaskRun. Its document names them in pipeline order (``status.childReferences``) with
their pipeline task names, so the lookup can serve the whole pipeline's log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from osiris.core.keys import KindKeys
from osiris.core.views import KindView
from osiris.kinds import fields, tekton
from osiris.kinds.base import Archiving, IndexFields, LogPart, LogResult

KIND = "PipelineRun"
KEYS = KindKeys.added("pipelineruns", "pipelinerun.json", "pipeline", tekton.PHASES)


@dataclass(frozen=True)
class Child:
    name: str
    kind: str
    pipeline_task: str | None


@dataclass(frozen=True)
class PipelineRunFacts(tekton.TektonFacts):
    pipeline: str | None
    service_account: str | None
    children: tuple[Child, ...]
    skipped: tuple[tuple[str, str | None], ...]  # (pipeline task, reason)

    @property
    def group(self) -> str | None:
        return self.pipeline

    def log_parts(self) -> tuple[LogPart, ...]:
        return ()


def parse_pipelinerun(obj: Any) -> PipelineRunFacts:
    common, spec, status = tekton.parse_common(obj, KIND)
    pipeline_ref = fields.mapping(spec, "pipelineRef", KIND)
    template = fields.mapping(spec, "taskRunTemplate", KIND)
    children = tuple(
        Child(
            name=str(item["name"]),
            kind=str(item.get("kind") or "TaskRun"),
            pipeline_task=fields.text(item, "pipelineTaskName", KIND),
        )
        for item in fields.items(status, "childReferences", KIND)
        if isinstance(item.get("name"), str)
    )
    skipped = tuple(
        (str(item["name"]), fields.text(item, "reason", KIND))
        for item in fields.items(status, "skippedTasks", KIND)
        if isinstance(item.get("name"), str)
    )
    return PipelineRunFacts(
        common=common,
        pipeline=fields.text(pipeline_ref, "name", KIND)
        or common.labels.get(tekton.PIPELINE_LABEL),
        service_account=fields.text(template, "serviceAccountName", KIND),
        children=children,
        skipped=skipped,
    )


class PipelineRunKind:
    """``tekton.dev/v1`` PipelineRun: a document naming its TaskRuns, grouped by Pipeline."""

    kind = KIND
    api_version = tekton.API_VERSION
    keys: KindKeys = KEYS
    group_kind = "Pipeline"
    view = KindView(KIND, KEYS.resource, KIND, "pipeline", "pipelines", logs_in_listing=False)

    def object_path(self, namespace: str, name: str) -> str:
        return f"{self.list_path(namespace)}/{name}"

    def list_path(self, namespace: str) -> str:
        return f"/apis/{tekton.API_VERSION}/namespaces/{namespace}/pipelineruns"

    def parse(self, obj: Any) -> PipelineRunFacts:
        return parse_pipelinerun(obj)

    def document(
        self, facts: PipelineRunFacts, logs: Mapping[str | None, LogResult], archiving: Archiving
    ) -> dict[str, Any]:
        common = facts.common
        return {
            **tekton.common_document(
                common, KIND, archiving, duration=tekton.duration(common.started, common.completed)
            ),
            "pipeline": facts.pipeline,
            "serviceAccountName": facts.service_account,
            "taskRuns": [
                {"name": child.name, "kind": child.kind, "pipelineTask": child.pipeline_task}
                for child in facts.children
            ],
            "skippedTasks": [{"name": name, "reason": reason} for name, reason in facts.skipped],
            "findings": [],
            **tekton.common_tail(common, archiving),
        }

    def index_fields(self, document: dict[str, Any]) -> IndexFields:
        commit, ref = tekton.document_git(document)
        pipeline = document.get("pipeline")
        return IndexFields(
            group=tekton.group_name(pipeline if isinstance(pipeline, str) else None),
            number=None,
            commit=commit,
            git_ref=ref,
        )

    def log_sections(self, document: dict[str, Any]) -> list[tuple[str | None, Any]]:
        return []

    def children(self, document: dict[str, Any]) -> list[tuple[str, str]]:
        runs = document.get("taskRuns")
        if not isinstance(runs, list):
            return []
        return [
            ("taskruns", run["name"])
            for run in runs
            if isinstance(run, dict)
            and isinstance(run.get("name"), str)
            and run.get("kind", "TaskRun") == "TaskRun"
        ]


PIPELINERUN = PipelineRunKind()
