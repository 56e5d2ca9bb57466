"""``Accept: application/json;as=Table`` rows, as ``oc get`` asks for them (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]


def age(timestamp: str | None, now: datetime) -> str:
    if not timestamp:
        return ""
    seconds = int(
        (
            now - datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        ).total_seconds()
    )
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= 2 * size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def column(name: str, description: str, fmt: str = "") -> JSON:
    return {
        "name": name,
        "type": "string",
        "format": fmt,
        "description": description,
        "priority": 0,
    }


def build_row(obj: JSON, now: datetime) -> list[Any]:
    status = obj["status"]
    phase = status.get("phase", "")
    if status.get("reason") and phase in ("Failed", "Error"):
        phase = f"{phase} ({status['reason']})"
    commit = obj["spec"].get("revision", {}).get("git", {}).get("commit", "")
    source = f"Git@{commit[:7]}" if commit else "Git"
    duration = status.get("duration")
    return [
        obj["metadata"]["name"],
        obj["spec"]["strategy"]["type"],
        source,
        phase,
        age(status.get("startTimestamp"), now) + (" ago" if status.get("startTimestamp") else ""),
        f"{duration // 1_000_000_000}s" if duration else "",
    ]
