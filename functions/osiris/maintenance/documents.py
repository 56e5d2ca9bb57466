"""What a stored ``build.json`` implies about the other objects of its build. Pure.

The archive function derives a build's index entries from the Build object; the same
entries follow from the metadata document it wrote, which is how ``osiris verify``
knows which entries must exist and ``osiris retention run`` which ones to delete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from osiris.core.keys import BuildRef, IndexEntry, KeyLayout
from osiris.core.metadata import index_finding
from osiris.core.rfc3339 import parse_timestamp
from osiris.errors import InvalidKeyError, InvalidNameError


class DocumentError(ValueError):
    """A ``build.json`` that does not say what the key layout needs."""


@dataclass(frozen=True)
class StoredBuild:
    """A build as its metadata document describes it."""

    ref: BuildRef
    phase: str
    index_keys: tuple[str, ...]
    log_archived: bool
    raw_bytes: int | None
    compressed_bytes: int | None
    sha256: str | None


def parse_document(layout: KeyLayout, ref: BuildRef, body: bytes) -> StoredBuild:
    """``build.json`` of ``ref`` → what must exist beside it; ``DocumentError`` if unusable."""
    try:
        document = json.loads(body)
    except ValueError:
        raise DocumentError("build.json is not JSON") from None
    if not isinstance(document, dict):
        raise DocumentError("build.json is not a JSON object")
    if (document.get("namespace"), document.get("name"), document.get("uid")) != (
        ref.namespace,
        ref.name,
        ref.uid,
    ):
        raise DocumentError("build.json names a different build than its key")
    log = document.get("log")
    if not isinstance(log, dict):
        raise DocumentError("build.json has no log section")
    archived = log.get("state") == "archived"
    raw = _optional_int(log, "rawBytes")
    try:
        entry = IndexEntry(
            created=_epoch(document, "created", required=True) or 0,
            name=ref.name,
            phase=str(document.get("phase")),
            uid=ref.uid,
            number=_optional_int(document, "number"),
            group=document.get("buildConfig") or None,
            started=_epoch(document, "started"),
            completed=_epoch(document, "completed"),
            log_bytes=raw if archived else None,
            finding=index_finding(document) if archived else None,
        )
        keys = layout.index_keys(ref.namespace, entry, _commit(document))
    except (InvalidKeyError, InvalidNameError) as exc:
        raise DocumentError(f"build.json cannot be indexed: {exc}") from None
    sha = log.get("sha256")
    return StoredBuild(
        ref=ref,
        phase=entry.phase,
        index_keys=tuple(keys),
        log_archived=archived,
        raw_bytes=raw,
        compressed_bytes=_optional_int(log, "compressedBytes"),
        sha256=sha if isinstance(sha, str) else None,
    )


def _optional_int(section: dict[str, Any], name: str) -> int | None:
    value = section.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise DocumentError(f"build.json: {name} is not an integer")
    return value


def _epoch(document: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    value = document.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise DocumentError(f"build.json: {name} is not a timestamp")
    try:
        return parse_timestamp(value, name)
    except InvalidNameError as exc:
        raise DocumentError(f"build.json: {exc}") from None


def _commit(document: dict[str, Any]) -> str | None:
    source = document.get("source")
    git = source.get("git") if isinstance(source, dict) else None
    commit = git.get("commit") if isinstance(git, dict) else None
    return commit if isinstance(commit, str) and commit else None
