"""Index entries → the JSON objects the lookup API answers with (pure).

Links carry the build's uid, so they keep pointing at this build after its name has
been reused by a newer one. When an answer is about another cluster than the one the
lookup function serves by default, every link carries ``cluster=`` too, so following
a link stays in that cluster (``cluster`` None: the default cluster, no parameter).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from osiris.core.keys import IndexEntry
from osiris.core.rfc3339 import format_epoch

API_ROOT = "/api/v1"


def namespace_path(namespace: str) -> str:
    return f"{API_ROOT}/namespaces/{namespace}"


def build_path(namespace: str, name: str) -> str:
    return f"{namespace_path(namespace)}/builds/{name}"


def ui_build_path(namespace: str, name: str) -> str:
    """The web UI's page of a build (outside the API)."""
    return f"/namespaces/{namespace}/builds/{name}"


def buildconfig_path(namespace: str, buildconfig: str) -> str:
    return f"{namespace_path(namespace)}/buildconfigs/{buildconfig}"


def link(path: str, cluster: str | None = None, **query: str) -> str:
    """``path`` with its query string; ``cluster`` last, and only when given."""
    pairs = list(query.items())
    if cluster is not None:
        pairs.append(("cluster", cluster))
    return f"{path}?{urlencode(pairs)}" if pairs else path


def build_summary(namespace: str, entry: IndexEntry, cluster: str | None = None) -> dict[str, Any]:
    """One item of a build list, from its index entry alone."""
    path = build_path(namespace, entry.name)
    return {
        "namespace": namespace,
        "name": entry.name,
        "uid": entry.uid,
        "buildConfig": entry.group,
        "number": entry.number,
        "phase": entry.phase,
        "created": format_epoch(entry.created),
        "started": format_epoch(entry.started),
        "completed": format_epoch(entry.completed),
        "durationSeconds": entry.duration,
        "logBytes": entry.log_bytes,
        "logAvailable": entry.log_bytes is not None,
        "finding": entry.finding,
        "links": {
            "self": link(path, cluster, uid=entry.uid),
            "log": link(f"{path}/log", cluster, uid=entry.uid),
            "buildConfig": None
            if entry.group is None
            else link(buildconfig_path(namespace, entry.group) + "/latest", cluster),
        },
    }


def namespace_item(namespace: str, cluster: str | None = None) -> dict[str, Any]:
    path = namespace_path(namespace)
    return {
        "name": namespace,
        "links": {
            "builds": link(f"{path}/builds", cluster),
            "buildConfigs": link(f"{path}/buildconfigs", cluster),
        },
    }


def buildconfig_item(
    namespace: str, buildconfig: str, cluster: str | None = None
) -> dict[str, Any]:
    path = buildconfig_path(namespace, buildconfig)
    return {
        "name": buildconfig,
        "links": {
            "latest": link(f"{path}/latest", cluster),
            "builds": link(f"{namespace_path(namespace)}/builds", cluster, buildconfig=buildconfig),
        },
    }


def cluster_item(cluster: str, *, is_default: bool) -> dict[str, Any]:
    return {
        "name": cluster,
        "default": is_default,
        "links": {"namespaces": link(f"{API_ROOT}/namespaces", None if is_default else cluster)},
    }
