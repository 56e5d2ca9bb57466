"""The errors of the simulated cluster: each becomes a k8s ``Status`` in the API server."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]


class ClusterError(Exception):
    """A request the simulated API server turns into a k8s ``Status`` (code, reason, message)."""

    def __init__(self, code: int, reason: str, message: str, details: JSON | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details


def not_found(resource: str, name: str, group: str = "build.openshift.io") -> ClusterError:
    qualified = f"{resource}.{group}" if group else resource
    details: JSON = {"name": name, "kind": resource}
    if group:
        details["group"] = group
    return ClusterError(404, "NotFound", f'{qualified} "{name}" not found', details)


def bad_request(message: str) -> ClusterError:
    return ClusterError(400, "BadRequest", message)
