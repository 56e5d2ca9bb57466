"""Index entries → the JSON objects the lookup API answers with (pure).

Links carry the build's uid, so they keep pointing at this build after its name has
been reused by a newer one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from osiris.core.keys import IndexEntry
from osiris.core.rfc3339 import format_epoch

API_ROOT = "/api/v1"


def namespace_path(namespace: str) -> str:
    return f"{API_ROOT}/namespaces/{namespace}"


def build_path(namespace: str, name: str) -> str:
    return f"{namespace_path(namespace)}/builds/{name}"


def buildconfig_path(namespace: str, buildconfig: str) -> str:
    return f"{namespace_path(namespace)}/buildconfigs/{buildconfig}"


def build_summary(namespace: str, entry: IndexEntry) -> dict[str, Any]:
    """One item of a build list, from its index entry alone."""
    path = build_path(namespace, entry.name)
    uid_query = f"?uid={quote(entry.uid)}"
    return {
        "namespace": namespace,
        "name": entry.name,
        "uid": entry.uid,
        "buildConfig": entry.buildconfig,
        "number": entry.number,
        "phase": entry.phase,
        "created": format_epoch(entry.created),
        "started": format_epoch(entry.started),
        "completed": format_epoch(entry.completed),
        "durationSeconds": entry.duration,
        "logBytes": entry.log_bytes,
        "logAvailable": entry.log_bytes is not None,
        "links": {
            "self": path + uid_query,
            "log": f"{path}/log{uid_query}",
            "buildConfig": None
            if entry.buildconfig is None
            else buildconfig_path(namespace, entry.buildconfig) + "/latest",
        },
    }


def namespace_item(namespace: str) -> dict[str, Any]:
    path = namespace_path(namespace)
    return {
        "name": namespace,
        "links": {"builds": f"{path}/builds", "buildConfigs": f"{path}/buildconfigs"},
    }


def buildconfig_item(namespace: str, buildconfig: str) -> dict[str, Any]:
    path = buildconfig_path(namespace, buildconfig)
    return {
        "name": buildconfig,
        "links": {
            "latest": f"{path}/latest",
            "builds": f"{namespace_path(namespace)}/builds?buildconfig={buildconfig}",
        },
    }
