"""The names a key is built from, validated, and the reference to one archived run.

Each check raises :class:`~osiris.errors.InvalidNameError` naming what was wrong, so a
bad name in a request or an event never reaches a key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from osiris.core.names import (
    validate_git_ref,
    validate_label,
    validate_subdomain,
    validate_uid,
)
from osiris.errors import InvalidNameError


def check_name(validator: Callable[[str, str], str], value: str, what: str) -> str:
    """``validator(value, what)``, its ValueError raised as the InvalidNameError of ``what``."""
    try:
        return validator(value, what)
    except ValueError as exc:
        raise InvalidNameError(f"invalid {what}: {exc}") from None


def namespace_name(value: str) -> str:
    return check_name(validate_label, value, "namespace")


def build_name(value: str) -> str:
    return check_name(validate_subdomain, value, "build name")


def buildconfig_name(value: str) -> str:
    return check_name(validate_subdomain, value, "BuildConfig name")


def run_name(value: str, kind: str = "run") -> str:
    return check_name(validate_subdomain, value, f"{kind} name")


def step_name(value: str) -> str:
    return check_name(validate_label, value, "step name")


def git_ref(value: str) -> str:
    """A branch or tag, normalised (``refs/heads/x`` → ``x``)."""
    return check_name(lambda v, _: validate_git_ref(v), value, "git ref")


def uid(value: str) -> str:
    return check_name(validate_uid, value, "uid")


def finding_rule(value: str) -> str:
    return check_name(validate_label, value, "finding rule id")


@dataclass(frozen=True, order=True)
class BuildRef:
    """Identifies one archived build: a name can be reused, the uid cannot."""

    namespace: str
    name: str
    uid: str

    def __post_init__(self) -> None:
        namespace_name(self.namespace)
        build_name(self.name)
        uid(self.uid)
