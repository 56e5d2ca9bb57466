"""What the metadata documents of every kind share: the log section. Pure: no I/O.

A document carries everything a user searches for or is shown about a run, so the
lookup function never needs the cluster; each kind (``osiris.kinds``) writes its own.
``docs/key-layout.md`` lists their fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from osiris.core.findings import Finding
from osiris.core.restarts import RestartPoint, encode_points

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
    restarts: tuple[RestartPoint, ...] = ()  # where a tail may start decoding

    @property
    def finding(self) -> str | None:
        """The rule id that goes into the index entry: the most severe finding's."""
        return self.findings[0].rule if self.findings else None


@dataclass(frozen=True)
class UnavailableLog:
    reason: str


def log_section(log: ArchivedLog | UnavailableLog) -> dict[str, Any]:
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
            "restartPoints": None,
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
        "restartPoints": encode_points(log.restarts),
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
