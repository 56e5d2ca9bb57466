"""Stored run documents → the lookup API's answers: links added, children filled in (pure).

A stored document is what the archive knew when the run finished; an answer adds what
a client needs to go on: links to the run's logs (a TaskRun's per step) and, for a
PipelineRun, each TaskRun's phase, times and finding as its index entries tell them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from osiris.core.keys import IndexEntry
from osiris.core.rfc3339 import format_epoch
from osiris.core.views import KindView, group_path, link, run_path


def with_links(
    view: KindView, document: dict[str, Any], cluster: str | None = None
) -> dict[str, Any]:
    """A document with ``links``: itself, its log, its group's latest run; a TaskRun's
    steps each get their own log link, and its PipelineRun a link."""
    namespace, name, uid = document.get("namespace"), document.get("name"), document.get("uid")
    if not (isinstance(namespace, str) and isinstance(name, str) and isinstance(uid, str)):
        return document  # not what the archive writes: served as stored
    path = run_path(view, namespace, name)
    group = document.get(view.group_field)
    links: dict[str, str | None] = {
        "self": link(path, cluster, uid=uid),
        "log": link(f"{path}/log", cluster, uid=uid),
        view.group_field: link(group_path(view, namespace, group) + "/latest", cluster)
        if isinstance(group, str)
        else None,
    }
    answer = {**document, "links": links}
    steps = document.get("steps")
    if isinstance(steps, list):
        answer["steps"] = [
            {**step, "links": {"log": link(f"{path}/log", cluster, uid=uid, step=step["name"])}}
            if isinstance(step, dict) and isinstance(step.get("name"), str)
            else step
            for step in steps
        ]
    pipeline_run = document.get("pipelineRun")
    if "pipelineRun" in document:
        links["pipelineRun"] = (
            link(f"/api/v1/namespaces/{namespace}/pipelineruns/{pipeline_run}", cluster)
            if isinstance(pipeline_run, str)
            else None
        )
    return answer


def with_children(
    document: dict[str, Any],
    taskruns: KindView,
    entries: Mapping[str, IndexEntry],
    cluster: str | None = None,
) -> dict[str, Any]:
    """A PipelineRun's ``taskRuns`` with what the TaskRuns' index entries (by name) say;
    a TaskRun that is not archived keeps its name, with null facts and links."""
    namespace, children = document.get("namespace"), document.get("taskRuns")
    if not isinstance(namespace, str) or not isinstance(children, list):
        return document
    filled = []
    for child in children:
        if not isinstance(child, dict) or not isinstance(child.get("name"), str):
            filled.append(child)
            continue
        entry = entries.get(child["name"])
        filled.append({**child, **_child_facts(taskruns, namespace, entry, cluster)})
    return {**document, "taskRuns": filled}


def _child_facts(
    view: KindView, namespace: str, entry: IndexEntry | None, cluster: str | None
) -> dict[str, Any]:
    if entry is None:
        return {
            "archived": False,
            "uid": None,
            "phase": None,
            "started": None,
            "completed": None,
            "durationSeconds": None,
            "logAvailable": False,
            "finding": None,
            "links": {"self": None, "log": None},
        }
    path = run_path(view, namespace, entry.name)
    return {
        "archived": True,
        "uid": entry.uid,
        "phase": entry.phase,
        "started": format_epoch(entry.started),
        "completed": format_epoch(entry.completed),
        "durationSeconds": entry.duration,
        "logAvailable": entry.log_bytes is not None,
        "finding": entry.finding,
        "links": {
            "self": link(path, cluster, uid=entry.uid),
            "log": link(f"{path}/log", cluster, uid=entry.uid),
        },
    }
