"""The metadata document stored beside each log (``build.json``). Pure: no I/O.

It carries everything a user searches for or is shown about a build, so the lookup
function never needs the cluster. ``docs/key-layout.md`` lists its fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from osiris.core.builds import BuildFacts, rfc3339
from osiris.core.findings import Finding

SCHEMA_VERSION = 1
LOG_CONTENT_TYPE = "text/plain; charset=utf-8"
LOG_CONTENT_ENCODING = "gzip"
METADATA_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class ArchivedLog:
    key: str
    raw_bytes: int
    compressed_bytes: int
    lines: int
    sha256: str
    findings: tuple[Finding, ...] = ()  # most severe first

    @property
    def finding(self) -> str | None:
        """The rule id that goes into the index entry: the most severe finding's."""
        return self.findings[0].rule if self.findings else None


@dataclass(frozen=True)
class UnavailableLog:
    reason: str


def metadata_document(
    facts: BuildFacts,
    *,
    cluster: str,
    log: ArchivedLog | UnavailableLog,
    archived_at: datetime,
    event_id: str,
    event_type: str,
) -> dict[str, Any]:
    git = facts.git
    return {
        "schemaVersion": SCHEMA_VERSION,
        "cluster": cluster,
        "namespace": facts.ref.namespace,
        "name": facts.ref.name,
        "uid": facts.ref.uid,
        "resourceVersion": facts.resource_version,
        "buildConfig": facts.buildconfig,
        "number": facts.number,
        "phase": facts.phase,
        "reason": facts.reason,
        "message": facts.message,
        "created": rfc3339(facts.created),
        "started": rfc3339(facts.started),
        "completed": rfc3339(facts.completed),
        "durationSeconds": facts.duration_seconds,
        "strategy": facts.strategy,
        "source": {
            "git": None
            if git is None
            else {
                "uri": git.uri,
                "ref": git.ref,
                "commit": git.commit,
                "author": {"name": git.author_name, "email": git.author_email},
                "message": git.message,
            },
            "contextDir": facts.context_dir,
        },
        "output": {"imageReference": facts.output_image, "imageDigest": facts.output_digest},
        "triggeredBy": list(facts.triggered_by),
        "labels": dict(sorted(facts.labels.items())),
        "log": _log_section(log),
        "findings": [] if isinstance(log, UnavailableLog) else [f.document() for f in log.findings],
        "archivedAt": rfc3339(archived_at),
        "eventId": event_id,
        "eventType": event_type,
    }


def _log_section(log: ArchivedLog | UnavailableLog) -> dict[str, Any]:
    common = {"contentType": LOG_CONTENT_TYPE, "contentEncoding": LOG_CONTENT_ENCODING}
    if isinstance(log, UnavailableLog):
        return {
            "state": "unavailable",
            "reason": log.reason,
            "key": None,
            "rawBytes": None,
            "compressedBytes": None,
            "lines": None,
            "sha256": None,
            **common,
        }
    return {
        "state": "archived",
        "reason": None,
        "key": log.key,
        "rawBytes": log.raw_bytes,
        "compressedBytes": log.compressed_bytes,
        "lines": log.lines,
        "sha256": log.sha256,
        **common,
    }


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, sort_keys=False).encode() + b"\n"


def index_finding(document: dict[str, Any]) -> str | None:
    """The finding rule id of a stored document's index entry (the first, most severe)."""
    findings = document.get("findings")
    if isinstance(findings, list) and findings and isinstance(findings[0], dict):
        rule = findings[0].get("rule")
        return rule if isinstance(rule, str) else None
    return None


def log_state(document: dict[str, Any]) -> str:
    log = document.get("log")
    return str(log.get("state")) if isinstance(log, dict) else "unknown"
