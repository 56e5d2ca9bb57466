"""Listings as kubectl prints them: tables, ``-o json`` (a List), ``-o yaml``, ``-o name``.

Pure: the functions return text; the caller writes it. Ages read like kubectl's (``45s``,
``5m``, ``3h``, ``12d``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from osiris.plugin.merge import BuildConfigRow, Row

FORMATS = ("table", "wide", "json", "yaml", "name")


def age(seconds: int) -> str:
    """kubectl's short human duration (k8s.io/apimachinery/pkg/util/duration)."""
    seconds = max(seconds, 0)
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        rest = hours % 24
        return f"{days}d{rest}h" if rest else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    if days < 365 * 8:
        rest = days % 365
        return f"{days // 365}y{rest}d" if rest else f"{days // 365}y"
    return f"{days // 365}y"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded with three spaces, as kubectl's tabwriter does."""
    if not rows:
        return ""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for line in (header, *rows):
        cells = [str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)]
        lines.append("   ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _status(row: Row) -> str:
    return (
        f"{row.phase} ({row.reason})"
        if row.reason and row.phase in ("Failed", "Error")
        else row.phase
    )


def build_table(rows: Sequence[Row], now: int, *, wide: bool, namespaces: bool) -> str:
    header = ["NAME", "TYPE", "STATUS", "STARTED", "DURATION", "ARCHIVED"]
    if wide:
        header += ["IN CLUSTER", "BUILDCONFIG", "COMMIT"]
    if namespaces:
        header.insert(0, "NAMESPACE")
    lines = []
    for row in rows:
        cells = [
            row.name,
            row.strategy or "<unknown>",
            _status(row),
            "<none>" if row.started is None else f"{age(now - row.started)} ago",
            "<none>" if row.duration_seconds is None else f"{row.duration_seconds}s",
            "yes" if row.archived else "no",
        ]
        if wide:
            cells += [
                "yes" if row.in_cluster else "no",
                row.group or "<none>",
                (row.commit or "<none>")[:12],
            ]
        if namespaces:
            cells.insert(0, row.namespace)
        lines.append(cells)
    return table(header, lines)


def duration(seconds: int) -> str:
    """A duration as tkn prints one (Go's rounded ``time.Duration``): 45s, 1m5s, 1h2m0s."""
    seconds = max(seconds, 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{seconds}s"
    return f"{minutes}m{seconds}s" if minutes else f"{seconds}s"


def why(row: Row) -> str:
    """What went wrong, in a word: the archive's finding, else the reason of a run that did
    not succeed when it says more than its phase."""
    if row.finding:
        return row.finding
    if row.phase not in ("Succeeded", "Running") and row.reason and row.reason != row.phase:
        return row.reason
    return "<none>"


def tekton_table(rows: Sequence[Row], now: int, *, wide: bool, namespaces: bool, group: str) -> str:
    """As ``tkn taskrun list`` / ``tkn pipelinerun list`` (``group``: TASK, PIPELINE), with
    the archive's columns."""
    header = ["NAME", group, "STARTED", "DURATION", "STATUS", "ARCHIVED", "WHY"]
    if wide:
        header += ["IN CLUSTER", "COMMIT"]
    if namespaces:
        header.insert(0, "NAMESPACE")
    lines = []
    for row in rows:
        cells = [
            row.name,
            row.group or "<none>",
            "<none>" if row.started is None else f"{age(now - row.started)} ago",
            "<none>" if row.duration_seconds is None else duration(row.duration_seconds),
            row.phase or "<unknown>",
            "yes" if row.archived else "no",
            why(row),
        ]
        if wide:
            cells += ["yes" if row.in_cluster else "no", (row.commit or "<none>")[:12]]
        if namespaces:
            cells.insert(0, row.namespace)
        lines.append(cells)
    return table(header, lines)


def buildconfig_table(rows: Sequence[BuildConfigRow], *, namespaces: bool) -> str:
    header = ["NAME", "TYPE", "LATEST", "IN CLUSTER", "ARCHIVED"]
    if namespaces:
        header.insert(0, "NAMESPACE")
    lines = []
    for row in rows:
        cells = [
            row.name,
            row.strategy or "<unknown>",
            "<unknown>" if row.latest is None else str(row.latest),
            "yes" if row.in_cluster else "no",
            "yes" if row.archived else "no",
        ]
        if namespaces:
            cells.insert(0, row.namespace)
        lines.append(cells)
    return table(header, lines)


def as_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}


def render_document(document: dict[str, Any], output: str) -> str:
    if output == "yaml":
        import yaml

        return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return json.dumps(document, indent=4) + "\n"


def names(kind: str, rows: Sequence[str]) -> str:
    return "".join(f"{kind}/{name}\n" for name in rows)
