"""RunEvents as the archive function parses them, for tests that call the Archiver."""

from __future__ import annotations

from typing import Any

from osiris.core.events import Mode, RunEvent
from osiris.kinds import kind_of


def build_event(
    obj: dict[str, Any], action: str = "update", mode: Mode = Mode.RESOURCE
) -> RunEvent:
    """The event an ApiServerSource sends for ``obj`` (its id derived from resourceVersion)."""
    meta = obj["metadata"]
    word = "resource" if mode is Mode.RESOURCE else "ref"
    kind = kind_of(obj["apiVersion"], obj["kind"])
    assert kind is not None, f"{obj['kind']} is not a kind osiris archives"
    return RunEvent(
        id=f"ev-{meta['resourceVersion']}",
        type=f"dev.knative.apiserver.{word}.{action}",
        action=action,
        mode=mode,
        kind=kind,
        namespace=meta["namespace"],
        name=meta["name"],
        obj=obj if mode is Mode.RESOURCE else None,
    )
