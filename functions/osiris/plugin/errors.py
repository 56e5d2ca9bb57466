"""What the plugin tells the user when something fails, and its exit codes.

Every failure reaching the entry point is an :class:`~osiris.errors.OsirisError`; its kind
picks the exit code (documented in docs/plugin.md), so scripts can tell them apart.
"""

from __future__ import annotations

from osiris.errors import (
    AuthenticationError,
    LogUnavailableError,
    NotFoundError,
    OsirisError,
    PermissionDeniedError,
    RetryableError,
)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_LOG_UNAVAILABLE = 4
EXIT_UNAUTHORIZED = 5
EXIT_FORBIDDEN = 6
EXIT_UNREACHABLE = 7
EXIT_NOT_DISCOVERED = 8


class LookupUnreachableError(RetryableError):
    """The lookup function did not answer (connection, TLS, timeout or 5xx)."""


class LookupNotDiscoveredError(OsirisError):
    """No lookup URL given and none could be discovered from the cluster."""


def exit_code(error: OsirisError) -> int:
    for kind, code in (
        (LookupNotDiscoveredError, EXIT_NOT_DISCOVERED),
        (LookupUnreachableError, EXIT_UNREACHABLE),
        (AuthenticationError, EXIT_UNAUTHORIZED),
        (PermissionDeniedError, EXIT_FORBIDDEN),
        (LogUnavailableError, EXIT_LOG_UNAVAILABLE),
        (NotFoundError, EXIT_NOT_FOUND),
    ):
        if isinstance(error, kind):
            return code
    return EXIT_ERROR
