"""The one error hierarchy of osiris.

Every failure osiris knows about is an :class:`OsirisError` and says whether trying
again can help. Adapters translate library exceptions (botocore, urllib3, the
kubernetes client) into these at their boundary, so the core and the entry points
never see a library exception and can map a failure to an HTTP status by kind:

* :class:`PermanentError` — the same input will fail the same way (4xx, not retried);
* :class:`RetryableError` — the world may be better later (503, redelivered).

Messages are short and safe to show: they never echo a request body, a token or a
credential.
"""

from __future__ import annotations


class OsirisError(Exception):
    """Base of every error osiris raises on purpose."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermanentError(OsirisError):
    """Retrying will not help: the input or the configuration is wrong."""

    retryable = False


class RetryableError(OsirisError):
    """A transient condition: a dependency is down, slow, throttled or answered 5xx."""

    retryable = True


class ConfigError(PermanentError):
    """The environment does not describe a usable configuration (names the variable)."""


class InvalidEventError(PermanentError):
    """A CloudEvent that osiris cannot use: wrong shape, missing fields, bad names."""


class InvalidNameError(PermanentError):
    """A name that is not a valid Kubernetes name and must never become part of a key."""


class InvalidKeyError(PermanentError):
    """An object key that does not follow the osiris key layout."""


class NotFoundError(PermanentError):
    """The thing asked for does not exist (in the cluster or in the bucket)."""


class ApiRejectedError(PermanentError):
    """The cluster API refused a request for good (a 4xx other than 404 and 429)."""

    def __init__(self, message: str, code: int, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


class PreconditionFailedError(PermanentError):
    """A conditional write lost: somebody else wrote the object first."""


class LogUnavailableError(PermanentError):
    """The cluster cannot serve a build's log (pod gone, build never ran)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class AuthenticationError(PermanentError):
    """No bearer token, or the cluster did not accept it."""


class PermissionDeniedError(PermanentError):
    """The caller is authenticated but may not read what they asked for."""


class StorageUnavailableError(RetryableError):
    """The object store cannot be reached or answered with a transient error."""


class ClusterUnavailableError(RetryableError):
    """The cluster API cannot be reached or answered with a transient error."""


class TruncatedStreamError(RetryableError):
    """A log stream ended before the server said it was complete."""
