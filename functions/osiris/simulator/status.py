"""``metav1.Status`` bodies the simulated API server answers failures with (pure)."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]
BUILD_GROUP = "build.openshift.io"


def status_body(code: int, reason: str, message: str, details: JSON | None = None) -> JSON:
    """A ``metav1.Status`` failure in the field order the API server writes it."""
    body: JSON = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


_FAULT_STATUSES: dict[int, tuple[str, str, JSON | None]] = {
    429: (
        "TooManyRequests",
        "Too many requests, please try again later.",
        {"retryAfterSeconds": 1},
    ),
    500: (
        "InternalError",
        "Internal error occurred: simulated fault",
        {"causes": [{"message": "simulated fault"}]},
    ),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request", None),
    504: (
        "Timeout",
        "Timeout: request did not complete within the allotted timeout",
        {"retryAfterSeconds": 1},
    ),
}


def fault_status(code: int) -> JSON:
    reason, message, details = _FAULT_STATUSES.get(
        code, ("", f"simulated fault with status {code}", None)
    )
    return status_body(code, reason, message, details)
