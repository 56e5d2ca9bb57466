"""``describe build/NAME``: the archived metadata document, for a reader. Pure."""

from __future__ import annotations

from typing import Any


def _value(value: Any) -> str:
    return "<none>" if value is None or value == "" else str(value)


def describe(document: dict[str, Any], in_cluster: bool) -> str:
    git = (document.get("source") or {}).get("git") or {}
    author = git.get("author") or {}
    output = document.get("output") or {}
    log = document.get("log") or {}
    labels = document.get("labels") or {}
    fields: list[tuple[str, Any]] = [
        ("Name", document.get("name")),
        ("Namespace", document.get("namespace")),
        ("UID", document.get("uid")),
        ("Cluster", document.get("cluster")),
        ("Build Config", document.get("buildConfig")),
        ("Number", document.get("number")),
        ("Strategy", document.get("strategy")),
        ("Status", document.get("phase")),
        ("Reason", document.get("reason")),
        ("Message", document.get("message")),
        ("Created", document.get("created")),
        ("Started", document.get("started")),
        ("Completed", document.get("completed")),
        (
            "Duration",
            None
            if document.get("durationSeconds") is None
            else f"{document['durationSeconds']:g}s",
        ),
        ("Labels", ", ".join(f"{k}={v}" for k, v in labels.items()) or None),
        ("Triggered By", ", ".join(document.get("triggeredBy") or []) or None),
        ("Git URI", git.get("uri")),
        ("Git Ref", git.get("ref")),
        ("Git Commit", git.get("commit")),
        (
            "Git Author",
            " ".join(
                p
                for p in (
                    author.get("name"),
                    f"<{author['email']}>" if author.get("email") else None,
                )
                if p
            )
            or None,
        ),
        ("Git Message", git.get("message")),
        ("Context Dir", (document.get("source") or {}).get("contextDir")),
        ("Output Image", output.get("imageReference")),
        ("Image Digest", output.get("imageDigest")),
        ("Log", log.get("state")),
        ("Log Reason", log.get("reason")),
        (
            "Log Size",
            None
            if log.get("rawBytes") is None
            else f"{log['rawBytes']} bytes, {_value(log.get('lines'))} lines",
        ),
        ("Log SHA-256", log.get("sha256")),
        ("Archived At", document.get("archivedAt")),
        ("Archive Key", log.get("key")),
        ("Still In Cluster", "yes" if in_cluster else "no"),
    ]
    width = max(len(label) for label, _ in fields) + 2
    return "".join(f"{(label + ':').ljust(width)}{_value(value)}\n" for label, value in fields)
