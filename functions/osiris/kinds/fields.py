"""Reading fields of a Kubernetes object as JSON, for every kind's parser. Pure.

The objects come from events and the cluster API, so any field may be missing or of the
wrong type; each reader says which field was wrong (``InvalidEventError``: permanent,
the event is not retried) and never echoes a value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from osiris.core.indexentry import TIME_CEILING
from osiris.core.keys import BuildRef
from osiris.errors import InvalidEventError, InvalidNameError


def mapping(parent: dict[str, Any], key: str, kind: str) -> dict[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidEventError(f"{kind} field {key!r} is not an object")
    return value


def items(parent: dict[str, Any], key: str, kind: str) -> list[dict[str, Any]]:
    """A list of objects; entries that are not objects are skipped."""
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidEventError(f"{kind} field {key!r} is not a list")
    return [item for item in value if isinstance(item, dict)]


def strings(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}


def text(parent: dict[str, Any], key: str, kind: str, *, required: bool = False) -> str | None:
    value = parent.get(key)
    if value is None or value == "":
        if required:
            raise InvalidEventError(f"the {kind} has no {key!r}")
        return None
    if not isinstance(value, str):
        raise InvalidEventError(f"{kind} field {key!r} is not a string")
    return value


def time(parent: dict[str, Any], key: str, kind: str, *, required: bool = False) -> datetime | None:
    value = text(parent, key, kind, required=required)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidEventError(f"{kind} field {key!r} is not an RFC 3339 time") from None
    if parsed.tzinfo is None:
        raise InvalidEventError(f"{kind} field {key!r} has no time zone")
    try:
        moment = parsed.astimezone(UTC)  # year 1 east of UTC, year 9999 west of it overflow
    except OverflowError:
        moment = None
    # A run's times go into its index key, which holds 1970 to 2286: a time outside that
    # is refused here, before any log is uploaded, not when the index is written after it.
    # Every kind reads its times here (a Tekton step's too), so the rule is the same.
    if moment is None or not 0 <= moment.timestamp() <= TIME_CEILING:
        raise InvalidEventError(f"{kind} field {key!r} is outside 1970-2286")
    return moment


def integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def rfc3339(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_sha(value: str) -> bool:
    return len(value) in (40, 64) and all(c in "0123456789abcdefABCDEF" for c in value)


def object_parts(
    obj: Any, kind: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], BuildRef]:
    """An object's ``metadata``, ``spec``, ``status`` and the ref its metadata names."""
    if not isinstance(obj, dict):
        raise InvalidEventError(f"the {kind} is not a JSON object")
    metadata = mapping(obj, "metadata", kind)
    try:
        ref = BuildRef(
            namespace=text(metadata, "namespace", kind, required=True) or "",
            name=text(metadata, "name", kind, required=True) or "",
            uid=text(metadata, "uid", kind, required=True) or "",
        )
    except InvalidNameError as exc:
        raise InvalidEventError(str(exc)) from None
    return metadata, mapping(obj, "spec", kind), mapping(obj, "status", kind), ref
