"""ApiServerSource CloudEvents → what the archive function has to do. Pure: no I/O.

The event's object is one of the registered kinds (:mod:`osiris.kinds`) or ignored.

An ApiServerSource (knative/eventing ``pkg/adapter/apiserver``) sends, per object change,
an event of type ``dev.knative.apiserver.{resource|ref}.{add|update|delete}`` whose
extension attributes ``kind``, ``apiversion``, ``name`` and ``namespace`` name the object.
In Resource mode the data is the object itself (for a delete: its last known state); in
Reference mode it is ``{"kind", "namespace", "name", "apiVersion"}``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from osiris.core import keys
from osiris.errors import InvalidEventError, InvalidNameError
from osiris.kinds import kind_of
from osiris.kinds.base import Kind

_TYPE_PREFIX = "dev.knative.apiserver."
_MODES = {"resource": "resource", "ref": "reference"}
_ACTIONS = ("add", "update", "delete")


class Mode(enum.Enum):
    RESOURCE = "resource"
    REFERENCE = "reference"


@dataclass(frozen=True)
class RunEvent:
    """A usable event about a run of a kind osiris archives."""

    id: str
    type: str
    action: str
    mode: Mode
    kind: Kind
    namespace: str
    name: str
    obj: dict[str, Any] | None  # the object in Resource mode, None in Reference mode


@dataclass(frozen=True)
class IgnoredEvent:
    """A well-formed event that is not osiris's business (another kind or type)."""

    id: str
    type: str
    why: str


def parse_event(attributes: Mapping[str, Any], data: Any) -> RunEvent | IgnoredEvent:
    """Classify one CloudEvent; InvalidEventError if it is malformed."""
    event_id = _attribute(attributes, "id")
    event_type = _attribute(attributes, "type")
    if not event_type.startswith(_TYPE_PREFIX):
        return IgnoredEvent(event_id, event_type, "not an ApiServerSource event")
    mode_word, _, action = event_type[len(_TYPE_PREFIX) :].partition(".")
    if mode_word not in _MODES or action not in _ACTIONS:
        return IgnoredEvent(event_id, event_type, "not an object add/update/delete event")
    mode = Mode(_MODES[mode_word])
    if not isinstance(data, dict):
        raise InvalidEventError(f"{event_type} event data must be a JSON object")

    kind_name, api_version = _kind(attributes, data, mode)
    kind = kind_of(api_version, kind_name)
    if kind is None:
        return IgnoredEvent(event_id, event_type, f"osiris does not archive {kind_name[:60]}")

    namespace, name = _object_name(attributes, data, mode, kind.kind)
    return RunEvent(
        id=event_id,
        type=event_type,
        action=action,
        mode=mode,
        kind=kind,
        namespace=namespace,
        name=name,
        obj=data if mode is Mode.RESOURCE else None,
    )


def _attribute(attributes: Mapping[str, Any], name: str) -> str:
    value = attributes.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidEventError(f"the event has no {name!r} attribute")
    return value


def _kind(attributes: Mapping[str, Any], data: dict[str, Any], mode: Mode) -> tuple[str, str]:
    # The object (or reference) is authoritative; the extensions repeat it.
    kind = data.get("kind") or attributes.get("kind")
    api_version = data.get("apiVersion") or attributes.get("apiversion")
    if not isinstance(kind, str) or not isinstance(api_version, str):
        raise InvalidEventError(f"the {mode.value} event does not say its kind and apiVersion")
    return kind, api_version


def _object_name(
    attributes: Mapping[str, Any], data: dict[str, Any], mode: Mode, kind: str
) -> tuple[str, str]:
    source = data.get("metadata") if mode is Mode.RESOURCE else data
    if not isinstance(source, dict):
        raise InvalidEventError(f"the {kind} has no metadata")
    namespace = source.get("namespace") or attributes.get("namespace")
    name = source.get("name") or attributes.get("name")
    if not isinstance(namespace, str) or not isinstance(name, str):
        raise InvalidEventError(f"the event does not name the {kind}'s namespace and name")
    try:
        return keys.namespace_name(namespace), keys.run_name(name, kind)
    except InvalidNameError as exc:
        raise InvalidEventError(str(exc)) from None
