"""Opaque, stateless page tokens.

A token holds nothing but a position in the key order of an index listing and a short
fingerprint of the query it belongs to, base64url-encoded. Any replica can continue
any page (no server state), and a token replayed against another query is refused
instead of silently skipping builds. The position is checked against a strict
character set, so a forged token cannot move a listing outside its prefix: it is only
ever appended to a prefix the server built itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re

from osiris.errors import InvalidNameError

TOKEN_VERSION = 1
MAX_TOKEN_LENGTH = 2048
# Index entry segments and the tails of commit index keys: validated names, digits,
# '_' and '-' fields, '/' between levels; nothing else ever appears after a prefix.
_POSITION = re.compile(r"[a-z0-9][a-z0-9._/-]{0,1000}", re.IGNORECASE)


def query_fingerprint(*parts: object) -> str:
    """A short digest of the query parameters a token is bound to."""
    canonical = json.dumps([str(part) for part in parts], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_token(position: str, fingerprint: str) -> str:
    document = json.dumps({"v": TOKEN_VERSION, "p": position, "f": fingerprint})
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def decode_token(token: str, fingerprint: str) -> str:
    """The position a token holds; raises InvalidNameError (→ 400) for anything else."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidNameError("pageToken is not a token this API issued")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        document = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidNameError("pageToken is not a token this API issued") from None
    if (
        not isinstance(document, dict)
        or document.get("v") != TOKEN_VERSION
        or not isinstance(document.get("p"), str)
        or _POSITION.fullmatch(document["p"]) is None
        or ".." in document["p"]
    ):
        raise InvalidNameError("pageToken is not a token this API issued")
    if document.get("f") != fingerprint:
        raise InvalidNameError("pageToken belongs to a different query (other filters or cluster)")
    position: str = document["p"]
    return position
