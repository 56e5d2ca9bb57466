"""Kubernetes name rules (DNS-1123), checked before any name becomes part of a key.

A name that passes these checks contains only ``[a-z0-9.-]``, never ``/`` and never
``_``; the key layout relies on both facts (``/`` separates levels, ``_`` separates
fields of an index entry), so no validated name can escape its prefix or be mistaken
for another field.
"""

from __future__ import annotations

import re

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253

_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PREFIX_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_COMMIT = re.compile(r"[0-9a-f]{7,64}")
GIT_REF_MAX = 200
# git check-ref-format: no control characters, space, ~ ^ : ? * [ \\, no "..", no "@{".
_GIT_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{")
_BRANCH_PREFIX = "refs/heads/"
_REF_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")


def is_label(value: str) -> bool:
    return len(value) <= DNS1123_LABEL_MAX and _LABEL.fullmatch(value) is not None


def is_subdomain(value: str) -> bool:
    return len(value) <= DNS1123_SUBDOMAIN_MAX and _SUBDOMAIN.fullmatch(value) is not None


def validate_label(value: str, what: str = "name") -> str:
    """A namespace or cluster name: a DNS-1123 label."""
    if not is_label(value):
        raise ValueError(
            f"{what} must be a DNS-1123 label (at most 63 characters of a-z, 0-9 and '-', "
            "starting and ending with a letter or digit)"
        )
    return value


def validate_subdomain(value: str, what: str = "name") -> str:
    """A Build or BuildConfig name: a DNS-1123 subdomain."""
    if not is_subdomain(value):
        raise ValueError(
            f"{what} must be a DNS-1123 subdomain (at most 253 characters of a-z, 0-9, '-' "
            "and '.', each part starting and ending with a letter or digit)"
        )
    return value


def validate_uid(value: str, what: str = "uid") -> str:
    if _UID.fullmatch(value) is None:
        raise ValueError(f"{what} must be a lower-case RFC 4122 UUID")
    return value


def validate_commit(value: str, *, allow_prefix: bool = False) -> str:
    """A git commit id (sha1 or sha256) in lower-case hex; a prefix needs 7 characters."""
    lowered = value.lower()
    if _COMMIT.fullmatch(lowered) is None or (not allow_prefix and len(lowered) not in (40, 64)):
        wanted = "at least 7" if allow_prefix else "40 or 64"
        raise ValueError(f"commit must be {wanted} hexadecimal characters")
    return lowered


def validate_prefix(value: str) -> str:
    """The bucket prefix: '/'-separated segments of safe characters, no '.' or '..'."""
    stripped = value.strip("/")
    segments = stripped.split("/")
    if not stripped or len(stripped) > 200:
        raise ValueError("prefix must be 1-200 characters")
    for segment in segments:
        if _PREFIX_SEGMENT.fullmatch(segment) is None or segment in {".", ".."}:
            raise ValueError(
                f"prefix segment {segment!r} may only hold letters, digits, '.', '_' and '-' "
                "and must start with a letter or digit"
            )
    return stripped


def validate_git_ref(value: str) -> str:
    """A git branch or tag as people write it; ``refs/heads/main`` is the branch ``main``."""
    ref = value[len(_BRANCH_PREFIX) :] if value.startswith(_BRANCH_PREFIX) else value
    components = ref.split("/")
    if (
        not ref
        or len(ref) > GIT_REF_MAX
        or _GIT_REF_FORBIDDEN.search(ref) is not None
        or any(not part or part.startswith(".") or part.endswith(".lock") for part in components)
        or ref.endswith(".")
    ):
        raise ValueError(
            f"git ref must be a valid branch or tag name (git check-ref-format), "
            f"at most {GIT_REF_MAX} characters"
        )
    return ref


def encode_git_ref(ref: str) -> str:
    """A validated ref → one key segment: every byte outside ``[A-Za-z0-9.-]`` as ``%XX``.

    ``/`` (``feature/x``) and ``_`` (the index entry's field separator) become ``%2F``
    and ``%5F``; a validated ref never starts with ``.``, so the segment is never ``..``.
    """
    return "".join(
        char if char in _REF_SAFE else "".join(f"%{byte:02X}" for byte in char.encode())
        for char in ref
    )
