"""RFC 9457 problem details: every error the lookup API answers with.

Each known condition has a type (a fragment of the local API page, which explains
it), a title and a status. The detail is the error's own short message; it never
carries a stack trace, a token or the request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response

from osiris.errors import (
    AuthenticationError,
    ClusterUnavailableError,
    InvalidKeyError,
    InvalidNameError,
    NotFoundError,
    OsirisError,
    PermissionDeniedError,
    StorageUnavailableError,
)
from osiris.lookup.logstream import CorruptLogError
from osiris.lookup.runreader import LogNotArchivedError, StoredDocumentError

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "/api/v1/docs#problem-"


@dataclass(frozen=True)
class ProblemKind:
    slug: str
    title: str
    status: int


BAD_REQUEST = ProblemKind("bad-request", "Invalid request", 400)
UNAUTHENTICATED = ProblemKind("unauthenticated", "Authentication required", 401)
FORBIDDEN = ProblemKind("forbidden", "Permission denied", 403)
NOT_FOUND = ProblemKind("not-found", "Not found", 404)
LOG_UNAVAILABLE = ProblemKind("log-unavailable", "Log not archived", 404)
METHOD_NOT_ALLOWED = ProblemKind("method-not-allowed", "Method not allowed", 405)
NOT_ACCEPTABLE = ProblemKind("not-acceptable", "Not acceptable", 406)
STORED_DATA = ProblemKind("stored-data", "Stored data is damaged", 502)
STORAGE_UNAVAILABLE = ProblemKind("storage-unavailable", "Storage unavailable", 503)
CLUSTER_UNAVAILABLE = ProblemKind("cluster-unavailable", "Cluster API unavailable", 503)
INTERNAL = ProblemKind("internal", "Internal error", 500)

KINDS = (
    BAD_REQUEST,
    UNAUTHENTICATED,
    FORBIDDEN,
    NOT_FOUND,
    LOG_UNAVAILABLE,
    METHOD_NOT_ALLOWED,
    NOT_ACCEPTABLE,
    STORED_DATA,
    STORAGE_UNAVAILABLE,
    CLUSTER_UNAVAILABLE,
    INTERNAL,
)


def problem(kind: ProblemKind, detail: str, **extensions: Any) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind.slug,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
    }
    body.update(extensions)
    response = Response(json.dumps(body), status=kind.status, content_type=CONTENT_TYPE)
    response.headers["Cache-Control"] = "no-store"
    if kind is UNAUTHENTICATED:
        response.headers["WWW-Authenticate"] = 'Bearer realm="osiris"'
    if kind.status == 503:
        response.headers["Retry-After"] = "5"
    return response


def from_error(error: OsirisError) -> Response:
    """The problem answer for an osiris error, by its kind (never a 500 for these)."""
    if isinstance(error, LogNotArchivedError):
        return problem(LOG_UNAVAILABLE, error.message, reason=error.reason)
    if isinstance(error, NotFoundError):
        return problem(NOT_FOUND, error.message)
    if isinstance(error, InvalidNameError | InvalidKeyError):
        return problem(BAD_REQUEST, error.message)
    if isinstance(error, AuthenticationError):
        return problem(UNAUTHENTICATED, error.message)
    if isinstance(error, PermissionDeniedError):
        return problem(FORBIDDEN, error.message)
    if isinstance(error, StoredDocumentError | CorruptLogError):
        return problem(STORED_DATA, error.message)
    if isinstance(error, ClusterUnavailableError):
        return problem(CLUSTER_UNAVAILABLE, "the cluster API cannot be reached; try again later")
    if isinstance(error, StorageUnavailableError):
        return problem(STORAGE_UNAVAILABLE, "the archive bucket cannot be reached; try again later")
    if error.retryable:
        return problem(STORAGE_UNAVAILABLE, "a dependency is unavailable; try again later")
    return problem(BAD_REQUEST, error.message)
