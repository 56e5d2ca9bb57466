"""Runs still in the cluster and runs in the archive, as one listing. Pure: no I/O.

A run (a Build, a TaskRun, a PipelineRun) is one row per uid: when the cluster still has
it, its live object wins (a Running run's phase moves on) and the row says it is archived
as well. Reading a cluster object into a :class:`Row` is each kind's own business
(:mod:`osiris.plugin.resources`); an archived run summary reads the same for every kind
but for the name of its group field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from osiris.core.rfc3339 import parse_timestamp


@dataclass(frozen=True)
class Row:
    kind: str  # "Build", "TaskRun", "PipelineRun"
    namespace: str
    name: str
    uid: str
    phase: str
    created: int | None  # epoch seconds
    started: int | None
    duration_seconds: int | None
    group: str | None = None  # its BuildConfig, Task or Pipeline
    strategy: str | None = None  # Builds only
    reason: str | None = None
    number: int | None = None  # Builds only
    commit: str | None = None
    finding: str | None = None  # the archive's most severe finding
    in_cluster: bool = False
    archived: bool = False


def time_of(value: Any) -> int | None:
    return parse_timestamp(value, "timestamp") if isinstance(value, str) and value else None


def from_archive(item: dict[str, Any], kind: str, group_field: str) -> Row:
    """A run summary of the lookup API (``group_field``: "buildConfig", "task", ...)."""
    duration = item.get("durationSeconds")
    number = item.get("number")
    return Row(
        kind=str(item.get("kind") or kind),
        namespace=item["namespace"],
        name=item["name"],
        uid=item["uid"],
        phase=item["phase"],
        created=time_of(item.get("created")),
        started=time_of(item.get("started")),
        duration_seconds=None if duration is None else int(duration),
        group=item.get(group_field),
        strategy=item.get("strategy"),
        number=number if isinstance(number, int) else None,
        commit=item.get("commit"),
        finding=item.get("finding"),
        archived=True,
    )


@dataclass(frozen=True)
class Filters:
    group: str | None = None  # --buildconfig, --task, --pipeline
    phase: str | None = None
    commit: str | None = None

    def keeps(self, row: Row) -> bool:
        if self.group is not None and row.group != self.group:
            return False
        if self.phase is not None and row.phase != self.phase:
            return False
        return self.commit is None or (row.commit or "").startswith(self.commit)


def merge(
    cluster: Iterable[Row],
    archive: Iterable[Row],
    filters: Filters = Filters(),
    limit: int | None = None,
) -> list[Row]:
    """One row per uid, newest first (by creation, then name), at most ``limit``."""
    rows: dict[str, Row] = {}
    for row in archive:
        rows.setdefault(row.uid, row)
    for row in cluster:
        known = rows.get(row.uid)
        rows[row.uid] = (
            row
            if known is None
            else replace(
                row,
                archived=True,
                commit=row.commit or known.commit,
                finding=row.finding or known.finding,
            )
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
