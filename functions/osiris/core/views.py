"""Index entries → the JSON objects the lookup API answers with (pure).

Links carry the build's uid, so they keep pointing at this build after its name has
been reused by a newer one. When an answer is about another cluster than the one the
lookup function serves by default, every link carries ``cluster=`` too, so following
a link stays in that cluster (``cluster`` None: the default cluster, no parameter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from osiris.core.keys import IndexEntry
from osiris.core.rfc3339 import format_epoch

API_ROOT = "/api/v1"


@dataclass(frozen=True)
class KindView:
    """How the lookup API names one kind of run: each kind module declares its own."""

    kind: str  # "TaskRun"
    resource: str  # "taskruns": the API's plural, in paths
    noun: str  # "build", "TaskRun": in messages ("no archived build of this name")
    group_field: str  # "buildConfig", "task", "pipeline": the group's field and link
    group_resource: str  # "buildconfigs", "tasks", "pipelines": the groups' path
    numbered: bool = False  # items carry the run's number (a Build's)
    logs_in_listing: bool = True  # the index entry says whether a log is archived

    @property
    def group_param(self) -> str:
        """The query parameter that filters by group: ``buildconfig``, ``task``."""
        return self.group_field.lower()

    @property
    def plural(self) -> str:
        return f"{self.noun}s"


def namespace_path(namespace: str) -> str:
    return f"{API_ROOT}/namespaces/{namespace}"


def build_path(namespace: str, name: str) -> str:
    return f"{namespace_path(namespace)}/builds/{name}"


def run_path(view: KindView, namespace: str, name: str) -> str:
    return f"{namespace_path(namespace)}/{view.resource}/{name}"


def group_path(view: KindView, namespace: str, group: str) -> str:
    return f"{namespace_path(namespace)}/{view.group_resource}/{group}"


def ui_build_path(namespace: str, name: str) -> str:
    """The web UI's page of a build (outside the API)."""
    return f"/namespaces/{namespace}/builds/{name}"


def link(path: str, cluster: str | None = None, **query: str) -> str:
    """``path`` with its query string; ``cluster`` last, and only when given."""
    pairs = list(query.items())
    if cluster is not None:
        pairs.append(("cluster", cluster))
    return f"{path}?{urlencode(pairs)}" if pairs else path


def run_summary(
    view: KindView, namespace: str, entry: IndexEntry, cluster: str | None = None
) -> dict[str, Any]:
    """One item of a list of runs, from its index entry alone."""
    path = run_path(view, namespace, entry.name)
    item: dict[str, Any] = {
        "kind": view.kind,
        "namespace": namespace,
        "name": entry.name,
        "uid": entry.uid,
        view.group_field: entry.group,
    }
    if view.numbered:
        item["number"] = entry.number
    item.update(
        {
            "phase": entry.phase,
            "created": format_epoch(entry.created),
            "started": format_epoch(entry.started),
            "completed": format_epoch(entry.completed),
            "durationSeconds": entry.duration,
            "logBytes": entry.log_bytes,
            # A PipelineRun's logs are its TaskRuns': its own entry cannot tell.
            "logAvailable": entry.log_bytes is not None if view.logs_in_listing else None,
            "finding": entry.finding,
            "links": {
                "self": link(path, cluster, uid=entry.uid),
                "log": link(f"{path}/log", cluster, uid=entry.uid),
                view.group_field: None
                if entry.group is None
                else link(group_path(view, namespace, entry.group) + "/latest", cluster),
            },
        }
    )
    return item


def namespace_item(
    namespace: str, views: tuple[KindView, ...], cluster: str | None = None
) -> dict[str, Any]:
    """A namespace, linked to the runs and groups of every kind."""
    path = namespace_path(namespace)
    links: dict[str, str] = {}
    for view in views:
        links[_camel(view.resource)] = link(f"{path}/{view.resource}", cluster)
        links[_camel(view.group_resource)] = link(f"{path}/{view.group_resource}", cluster)
    return {"name": namespace, "links": links}


def _camel(resource: str) -> str:
    """``taskruns`` → ``taskRuns``, ``buildconfigs`` → ``buildConfigs`` (link names)."""
    for word in ("runs", "configs"):
        if resource.endswith(word) and resource != word:
            return resource[: -len(word)] + word.capitalize()
    return resource


def group_item(
    view: KindView, namespace: str, group: str, cluster: str | None = None
) -> dict[str, Any]:
    """A BuildConfig, Task or Pipeline: its latest run and its runs."""
    path = group_path(view, namespace, group)
    return {
        "name": group,
        "links": {
            "latest": link(f"{path}/latest", cluster),
            _camel(view.resource): link(
                f"{namespace_path(namespace)}/{view.resource}",
                cluster,
                **{view.group_param: group},
            ),
        },
    }


def cluster_item(cluster: str, *, is_default: bool) -> dict[str, Any]:
    return {
        "name": cluster,
        "default": is_default,
        "links": {"namespaces": link(f"{API_ROOT}/namespaces", None if is_default else cluster)},
    }
