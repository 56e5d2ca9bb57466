"""API discovery entries (``APIResourceList`` items) of the simulated API server."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]
READ_WRITE = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def resource(
    name: str,
    kind: str,
    verbs: list[str],
    *,
    namespaced: bool = True,
    short: list[str] | None = None,
    categories: list[str] | None = None,
) -> JSON:
    entry: JSON = {
        "name": name,
        "singularName": "" if "/" in name else kind.lower(),
        "namespaced": namespaced,
        "kind": kind,
        "verbs": verbs,
    }
    if short:
        entry["shortNames"] = short
    if categories:
        entry["categories"] = categories
    return entry
