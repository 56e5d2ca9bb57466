"""What the plugin knows of each kind of run, in one table: :data:`RESOURCES`.

A kind's entry says how it is named on the command line (``taskrun/NAME``, ``tr/NAME``,
``get taskruns``), where the cluster serves it, what its group is called in the lookup
API's run summaries and on the command line (``buildConfig`` / ``--buildconfig``,
``task`` / ``--task``, ``pipeline`` / ``--pipeline``), its phases, how a cluster object
becomes a listing row, how rows and archived documents print, and where its log comes
from when the archive does not have it. The commands (:mod:`osiris.plugin.commands`)
work on an entry alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from osiris.core.rfc3339 import format_epoch
from osiris.errors import OsirisError
from osiris.kinds import KINDS, fields
from osiris.kinds import tekton as tekton_kind
from osiris.kinds.pipelinerun import PIPELINERUN
from osiris.kinds.taskrun import TASKRUN
from osiris.plugin import describe, output, tekton
from osiris.plugin.cluster import BUILDS, Cluster
from osiris.plugin.merge import Row, time_of

VIEWS = {kind.view.kind: kind.view for kind in KINDS}  # each kind's lookup paths, by kind
BUILDCONFIG_LABEL = "openshift.io/build-config.name"
NUMBER_ANNOTATION = "openshift.io/build.number"
BUILD_FINISHED = ("Complete", "Failed", "Error", "Cancelled")
BUILD_PHASES = ("New", "Pending", "Running", *BUILD_FINISHED)
TEKTON_PHASES = ("Running", *tekton_kind.PHASES)

# (cluster, namespace, name, tail, step) → the log, None when the cluster lacks the run.
ClusterLog = Callable[[Cluster, str, str, "int | None", "str | None"], "Iterator[bytes] | None"]


@dataclass(frozen=True)
class RunResource:
    kind: str  # "TaskRun"
    resource: str  # "taskruns": the cluster's and the lookup's resource
    aliases: tuple[str, ...]  # TYPE of TYPE/NAME and get's argument; the first is the usual
    api: str  # the cluster API group version path: "/apis/tekton.dev/v1"
    group_field: str  # the run summary's group field: "buildConfig", "task", "pipeline"
    group_flag: str  # the command line's: "buildconfig", "task", "pipeline"
    group_kind: str  # "BuildConfig", "Task", "Pipeline"
    group_aliases: tuple[str, ...]  # TYPE of logs' TYPE/NAME naming a group: its latest run
    phases: tuple[str, ...]  # --phase, the cluster's phases included
    finished: tuple[str, ...]  # the phases the archive holds
    has_steps: bool  # --step applies
    from_cluster: Callable[[dict[str, Any]], Row]
    document: Callable[[Row], dict[str, Any]]  # an item of -o json|yaml
    table: Callable[[Sequence[Row], int, bool, bool], str]  # (rows, now, wide, namespaces)
    describe: Callable[[dict[str, Any], bool], str]  # (archived document, still in cluster)
    describe_elsewhere: str  # the command that describes a run the archive lacks
    cluster_log: ClusterLog

    @property
    def qualified(self) -> str:
        """``-o name``'s resource: ``taskrun.tekton.dev``."""
        group = self.api.removeprefix("/apis/").split("/")[0]
        return f"{self.kind.lower()}.{group}"

    @property
    def group_resource(self) -> str:
        """The lookup's path of the groups: "buildconfigs", "tasks", "pipelines"."""
        return VIEWS[self.kind].group_resource

    @property
    def word(self) -> str:
        """How messages name one: ``taskrun``."""
        return self.kind.lower()


# ------------------------------------------------------------------------------- Build


def build_row(obj: dict[str, Any]) -> Row:
    meta, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    labels = meta.get("labels") or {}
    number = (meta.get("annotations") or {}).get(NUMBER_ANNOTATION)
    duration = status.get("duration")  # nanoseconds
    config = (status.get("config") or {}).get("name")
    return Row(
        kind="Build",
        namespace=meta.get("namespace", ""),
        name=meta["name"],
        uid=meta.get("uid", ""),
        phase=status.get("phase", ""),
        created=time_of(meta.get("creationTimestamp")),
        started=time_of(status.get("startTimestamp")),
        duration_seconds=None if not duration else int(duration) // 1_000_000_000,
        strategy=(spec.get("strategy") or {}).get("type"),
        reason=status.get("reason") or None,
        group=config or labels.get(BUILDCONFIG_LABEL) or labels.get("buildconfig"),
        number=int(str(number)) if str(number or "").isdigit() else None,
        commit=((spec.get("revision") or {}).get("git") or {}).get("commit"),
        in_cluster=True,
    )


def build_document(row: Row) -> dict[str, Any]:
    return {
        "kind": "Build",
        "namespace": row.namespace,
        "name": row.name,
        "uid": row.uid,
        "buildConfig": row.group,
        "number": row.number,
        "phase": row.phase,
        "reason": row.reason,
        "strategy": row.strategy,
        "commit": row.commit,
        "created": format_epoch(row.created),
        "started": format_epoch(row.started),
        "durationSeconds": row.duration_seconds,
        "inCluster": row.in_cluster,
        "archived": row.archived,
    }


def build_log(
    cluster: Cluster, namespace: str, name: str, tail: int | None, step: str | None
) -> Iterator[bytes] | None:
    del step
    if cluster.build(namespace, name) is None:
        return None
    return cluster.log(namespace, name, tail)


BUILD = RunResource(
    kind="Build",
    resource="builds",
    aliases=("build", "builds", "build.build.openshift.io"),
    api=BUILDS,
    group_field="buildConfig",
    group_flag="buildconfig",
    group_kind="BuildConfig",
    group_aliases=("bc", "buildconfig", "buildconfigs", "buildconfig.build.openshift.io"),
    phases=BUILD_PHASES,
    finished=BUILD_FINISHED,
    has_steps=False,
    from_cluster=build_row,
    document=build_document,
    table=lambda rows, now, wide, namespaces: output.build_table(
        rows, now, wide=wide, namespaces=namespaces
    ),
    describe=describe.describe,
    describe_elsewhere="oc describe build/{name} -n {namespace}",
    cluster_log=build_log,
)


# ------------------------------------------------------------------------------- Tekton


def tekton_row(kind: str, parse: Callable[[Any], Any]) -> Callable[[dict[str, Any]], Row]:
    """A cluster TaskRun or PipelineRun read as the archive reads it (osiris.kinds)."""

    def read(obj: dict[str, Any]) -> Row:
        meta = obj.get("metadata") or {}
        try:
            facts = parse(obj)
        except OsirisError:  # an object the archive would refuse still gets its row
            return Row(
                kind,
                meta.get("namespace", ""),
                meta.get("name", ""),
                meta.get("uid", ""),
                "<unknown>",
                time_of(meta.get("creationTimestamp")),
                None,
                None,
                in_cluster=True,
            )
        common = facts.common
        duration = tekton_kind.duration(common.started, common.completed)
        return Row(
            kind=kind,
            namespace=common.ref.namespace,
            name=common.ref.name,
            uid=common.ref.uid,
            phase=common.phase,
            created=fields.epoch(common.created),
            started=None if common.started is None else fields.epoch(common.started),
            duration_seconds=None if duration is None else int(duration),
            group=facts.group,
            reason=common.reason,
            commit=facts.commit,
            in_cluster=True,
        )

    return read


def tekton_document(group_field: str) -> Callable[[Row], dict[str, Any]]:
    def document(row: Row) -> dict[str, Any]:
        return {
            "kind": row.kind,
            "namespace": row.namespace,
            "name": row.name,
            "uid": row.uid,
            group_field: row.group,
            "phase": row.phase,
            "reason": row.reason,
            "finding": row.finding,
            "commit": row.commit,
            "created": format_epoch(row.created),
            "started": format_epoch(row.started),
            "durationSeconds": row.duration_seconds,
            "inCluster": row.in_cluster,
            "archived": row.archived,
        }

    return document


def _tekton_table(group: str) -> Callable[[Sequence[Row], int, bool, bool], str]:
    return lambda rows, now, wide, namespaces: output.tekton_table(
        rows, now, wide=wide, namespaces=namespaces, group=group
    )


TASKRUN_RESOURCE = RunResource(
    kind="TaskRun",
    resource="taskruns",
    aliases=("taskrun", "taskruns", "tr", "taskrun.tekton.dev"),
    api=tekton.TEKTON,
    group_field="task",
    group_flag="task",
    group_kind="Task",
    group_aliases=("task", "tasks", "task.tekton.dev"),
    phases=TEKTON_PHASES,
    finished=tekton_kind.PHASES,
    has_steps=True,
    from_cluster=tekton_row("TaskRun", TASKRUN.parse),
    document=tekton_document("task"),
    table=_tekton_table("TASK"),
    describe=describe.describe_taskrun,
    describe_elsewhere="tkn taskrun describe {name} -n {namespace}",
    cluster_log=tekton.taskrun_log,
)

PIPELINERUN_RESOURCE = RunResource(
    kind="PipelineRun",
    resource="pipelineruns",
    aliases=("pipelinerun", "pipelineruns", "pr", "pipelinerun.tekton.dev"),
    api=tekton.TEKTON,
    group_field="pipeline",
    group_flag="pipeline",
    group_kind="Pipeline",
    group_aliases=("pipeline", "pipelines", "pipeline.tekton.dev"),
    phases=TEKTON_PHASES,
    finished=tekton_kind.PHASES,
    has_steps=False,
    from_cluster=tekton_row("PipelineRun", PIPELINERUN.parse),
    document=tekton_document("pipeline"),
    table=_tekton_table("PIPELINE"),
    describe=describe.describe_pipelinerun,
    describe_elsewhere="tkn pipelinerun describe {name} -n {namespace}",
    cluster_log=tekton.pipelinerun_log,
)

RESOURCES: tuple[RunResource, ...] = (BUILD, TASKRUN_RESOURCE, PIPELINERUN_RESOURCE)
BUILDCONFIG_ALIASES = BUILD.group_aliases
_BY_ALIAS = {alias: resource for resource in RESOURCES for alias in resource.aliases}
_BY_GROUP_ALIAS = {alias: resource for resource in RESOURCES for alias in resource.group_aliases}
ALL_PHASES = tuple(dict.fromkeys(p for resource in RESOURCES for p in resource.phases))
GROUP_FLAGS = tuple(resource.group_flag for resource in RESOURCES)


def by_alias(alias: str) -> RunResource | None:
    return _BY_ALIAS.get(alias)


def by_group_alias(alias: str) -> RunResource | None:
    """The kind whose group ``alias`` names: ``bc`` → Build, ``task`` → TaskRun."""
    return _BY_GROUP_ALIAS.get(alias)


def get_arguments() -> tuple[str, ...]:
    """What ``get`` takes: every alias but the qualified ones, and BuildConfigs'."""
    runs = (a for r in RESOURCES for a in r.aliases if "." not in a)
    return (*runs, *(a for a in BUILDCONFIG_ALIASES if "." not in a))
