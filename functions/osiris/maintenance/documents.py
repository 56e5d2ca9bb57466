"""What a stored metadata document implies about the other objects of its run. Pure.

The archive function derives a run's index entries from the object it was sent; the
same entries follow from the document it wrote (the kind says where the kind-specific
parts are, :meth:`osiris.kinds.base.Kind.index_fields`), which is how ``osiris verify``
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
from osiris.kinds.base import Kind


class DocumentError(ValueError):
    """A document that does not say what the key layout needs."""


@dataclass(frozen=True)
class StoredLog:
    """One log as the document describes it (``step`` None: the run's only log)."""

    step: str | None
    archived: bool
    raw_bytes: int | None
    compressed_bytes: int | None
    sha256: str | None


@dataclass(frozen=True)
class StoredRun:
    """A run as its metadata document describes it."""

    ref: BuildRef
    phase: str
    index_keys: tuple[str, ...]
    logs: tuple[StoredLog, ...]


def parse_document(layout: KeyLayout, kind: Kind, ref: BuildRef, body: bytes) -> StoredRun:
    """The document of ``ref`` → what must exist beside it; ``DocumentError`` if unusable.

    ``layout`` is the kind's (``layout.for_kind(kind.keys)``).
    """
    name = kind.keys.document
    try:
        document = json.loads(body)
    except ValueError:
        raise DocumentError(f"{name} is not JSON") from None
    if not isinstance(document, dict):
        raise DocumentError(f"{name} is not a JSON object")
    if (document.get("namespace"), document.get("name"), document.get("uid")) != (
        ref.namespace,
        ref.name,
        ref.uid,
    ):
        raise DocumentError(f"{name} names a different run than its key")
    logs = tuple(_stored_log(name, step, section) for step, section in kind.log_sections(document))
    archived = [log for log in logs if log.archived]
    fields = kind.index_fields(document)
    try:
        entry = IndexEntry(
            created=_epoch(name, document, "created", required=True) or 0,
            name=ref.name,
            phase=str(document.get("phase")),
            uid=ref.uid,
            number=fields.number,
            group=fields.group,
            started=_epoch(name, document, "started"),
            completed=_epoch(name, document, "completed"),
            log_bytes=sum(log.raw_bytes or 0 for log in archived) if archived else None,
            finding=index_finding(document) if archived else None,
        )
        keys = layout.index_keys(ref.namespace, entry, fields.commit, fields.git_ref)
    except (InvalidKeyError, InvalidNameError) as exc:
        raise DocumentError(f"{name} cannot be indexed: {exc}") from None
    return StoredRun(ref=ref, phase=entry.phase, index_keys=tuple(keys), logs=logs)


def _stored_log(name: str, step: str | None, section: Any) -> StoredLog:
    if not isinstance(section, dict):
        raise DocumentError(f"{name} has no log section" + (f" for step {step}" if step else ""))
    sha = section.get("sha256")
    return StoredLog(
        step=step,
        archived=section.get("state") == "archived",
        raw_bytes=_optional_int(name, section, "rawBytes"),
        compressed_bytes=_optional_int(name, section, "compressedBytes"),
        sha256=sha if isinstance(sha, str) else None,
    )


def _optional_int(name: str, section: dict[str, Any], field: str) -> int | None:
    value = section.get(field)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise DocumentError(f"{name}: {field} is not an integer")
    return value


def _epoch(
    name: str, document: dict[str, Any], field: str, *, required: bool = False
) -> int | None:
    value = document.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise DocumentError(f"{name}: {field} is not a timestamp")
    try:
        return parse_timestamp(value, field)
    except InvalidNameError as exc:
        raise DocumentError(f"{name}: {exc}") from None
