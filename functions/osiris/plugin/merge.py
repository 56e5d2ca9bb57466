"""Builds still in the cluster and builds in the archive, as one listing. Pure: no I/O.

A build is one row per uid: when the cluster still has it, its live object wins (a
Running build's phase moves on) and the row says it is archived as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from osiris.core.rfc3339 import format_epoch, parse_timestamp

BUILDCONFIG_LABEL = "openshift.io/build-config.name"
NUMBER_ANNOTATION = "openshift.io/build.number"
FINISHED = ("Complete", "Failed", "Error", "Cancelled")
PHASES = ("New", "Pending", "Running", *FINISHED)


@dataclass(frozen=True)
class BuildRow:
    namespace: str
    name: str
    uid: str
    phase: str
    created: int | None  # epoch seconds
    started: int | None
    duration_seconds: int | None
    strategy: str | None = None
    reason: str | None = None
    buildconfig: str | None = None
    number: int | None = None
    commit: str | None = None
    in_cluster: bool = False
    archived: bool = False

    def document(self) -> dict[str, Any]:
        return {
            "kind": "Build",
            "namespace": self.namespace,
            "name": self.name,
            "uid": self.uid,
            "buildConfig": self.buildconfig,
            "number": self.number,
            "phase": self.phase,
            "reason": self.reason,
            "strategy": self.strategy,
            "commit": self.commit,
            "created": format_epoch(self.created),
            "started": format_epoch(self.started),
            "durationSeconds": self.duration_seconds,
            "inCluster": self.in_cluster,
            "archived": self.archived,
        }


def _time(value: Any) -> int | None:
    return parse_timestamp(value, "timestamp") if isinstance(value, str) and value else None


def from_cluster(obj: dict[str, Any]) -> BuildRow:
    meta, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    labels = meta.get("labels") or {}
    number = (meta.get("annotations") or {}).get(NUMBER_ANNOTATION)
    duration = status.get("duration")  # nanoseconds
    config = (status.get("config") or {}).get("name")
    return BuildRow(
        namespace=meta.get("namespace", ""),
        name=meta["name"],
        uid=meta.get("uid", ""),
        phase=status.get("phase", ""),
        created=_time(meta.get("creationTimestamp")),
        started=_time(status.get("startTimestamp")),
        duration_seconds=None if not duration else int(duration) // 1_000_000_000,
        strategy=(spec.get("strategy") or {}).get("type"),
        reason=status.get("reason") or None,
        buildconfig=config or labels.get(BUILDCONFIG_LABEL) or labels.get("buildconfig"),
        number=int(str(number)) if str(number or "").isdigit() else None,
        commit=((spec.get("revision") or {}).get("git") or {}).get("commit"),
        in_cluster=True,
    )


def from_archive(item: dict[str, Any]) -> BuildRow:
    duration = item.get("durationSeconds")
    return BuildRow(
        namespace=item["namespace"],
        name=item["name"],
        uid=item["uid"],
        phase=item["phase"],
        created=_time(item.get("created")),
        started=_time(item.get("started")),
        duration_seconds=None if duration is None else int(duration),
        strategy=item.get("strategy"),
        buildconfig=item.get("buildConfig"),
        number=item.get("number"),
        commit=item.get("commit"),
        archived=True,
    )


@dataclass(frozen=True)
class Filters:
    buildconfig: str | None = None
    phase: str | None = None
    commit: str | None = None

    def keeps(self, row: BuildRow) -> bool:
        if self.buildconfig is not None and row.buildconfig != self.buildconfig:
            return False
        if self.phase is not None and row.phase != self.phase:
            return False
        return self.commit is None or (row.commit or "").startswith(self.commit)


def merge(
    cluster: Iterable[BuildRow],
    archive: Iterable[BuildRow],
    filters: Filters = Filters(),
    limit: int | None = None,
) -> list[BuildRow]:
    """One row per uid, newest first (by creation, then name), at most ``limit``."""
    rows: dict[str, BuildRow] = {}
    for row in archive:
        rows.setdefault(row.uid, row)
    for row in cluster:
        known = rows.get(row.uid)
        rows[row.uid] = (
            row if known is None else replace(row, archived=True, commit=row.commit or known.commit)
        )
    kept = [row for row in rows.values() if filters.keeps(row)]
    kept.sort(key=lambda r: (r.created or 0, r.name), reverse=True)
    return kept if limit is None else kept[:limit]


@dataclass(frozen=True)
class BuildConfigRow:
    namespace: str
    name: str
    strategy: str | None
    latest: int | None
    in_cluster: bool
    archived: bool


def merge_buildconfigs(
    cluster: Iterable[dict[str, Any]], archived: Iterable[tuple[str, str]]
) -> list[BuildConfigRow]:
    """Cluster BuildConfig objects and (namespace, name) pairs from the archive, by name."""
    rows: dict[tuple[str, str], BuildConfigRow] = {}
    for namespace, name in archived:
        rows[(namespace, name)] = BuildConfigRow(namespace, name, None, None, False, True)
    for obj in cluster:
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        rows[key] = BuildConfigRow(
            key[0],
            key[1],
            ((obj.get("spec") or {}).get("strategy") or {}).get("type"),
            (obj.get("status") or {}).get("lastVersion"),
            True,
            key in rows,
        )
    return [rows[key] for key in sorted(rows)]
