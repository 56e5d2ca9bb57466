"""BuildEvents as the archive function parses them, for tests that call the Archiver."""

from __future__ import annotations

from typing import Any

from osiris.core.events import BuildEvent, Mode


def build_event(
    obj: dict[str, Any], action: str = "update", mode: Mode = Mode.RESOURCE
) -> BuildEvent:
    """The event an ApiServerSource sends for ``obj`` (its id derived from resourceVersion)."""
    meta = obj["metadata"]
    word = "resource" if mode is Mode.RESOURCE else "ref"
    return BuildEvent(
        id=f"ev-{meta['resourceVersion']}",
        type=f"dev.knative.apiserver.{word}.{action}",
        action=action,
        mode=mode,
        namespace=meta["namespace"],
        name=meta["name"],
        build=obj if mode is Mode.RESOURCE else None,
    )
