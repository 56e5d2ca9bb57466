"""HTTP validators of a log answer: ETag per representation, 304 decisions (RFC 9110)."""

from __future__ import annotations

from datetime import datetime

from werkzeug.http import parse_date


def entity_tag(object_etag: str, representation: str) -> str:
    """A strong ETag for one representation of a stored log.

    The gzip passthrough is the stored object itself, so its tag is the object's;
    the decoded text and each tail are different bytes and get tags of their own.
    """
    suffix = "" if representation == "gzip" else f"-{representation}"
    return f'"{object_etag}{suffix}"'


def _tags(header: str) -> list[str]:
    tags = []
    for raw in header.split(","):
        tag = raw.strip()
        if tag.startswith("W/"):
            tag = tag[2:]  # If-None-Match uses the weak comparison
        if tag:
            tags.append(tag)
    return tags


def not_modified(
    etag: str,
    last_modified: datetime,
    if_none_match: str | None,
    if_modified_since: str | None,
) -> bool:
    if if_none_match is not None:
        tags = _tags(if_none_match)
        return "*" in tags or etag in tags
    if if_modified_since is not None:
        since = parse_date(if_modified_since)
        if since is None:
            return False
        return last_modified.replace(microsecond=0) <= since
    return False
