"""Check a stored log against its metadata by reading it once, in constant memory."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

from osiris.adapters.store import ObjectStore

_GZIP = 16 + zlib.MAX_WBITS
_OUTPUT_LIMIT = 1024 * 1024  # decompressed bytes per step: a small log bomb stays small


@dataclass(frozen=True)
class LogDigest:
    raw_bytes: int
    sha256: str


def digest_log(store: ObjectStore, key: str) -> LogDigest:
    """sha256 and size of the uncompressed log; ``zlib.error`` if it is not gzip."""
    sha = hashlib.sha256()
    raw = 0
    inflater = zlib.decompressobj(_GZIP)
    in_member = False
    reader = store.open(key)
    try:
        for chunk in reader.iter_chunks(256 * 1024):
            pending = chunk
            while pending:
                in_member = True
                out = inflater.decompress(pending, _OUTPUT_LIMIT)
                sha.update(out)
                raw += len(out)
                pending = inflater.unconsumed_tail
                if inflater.eof:
                    # Concatenated gzip members are one stream to every reader of the log.
                    pending = inflater.unused_data + pending
                    inflater = zlib.decompressobj(_GZIP)
                    in_member = False
        if in_member:
            tail = inflater.flush()
            sha.update(tail)
            raw += len(tail)
            if not inflater.eof:
                raise zlib.error("the gzip stream ends in the middle of a member")
    finally:
        reader.close()
    return LogDigest(raw, sha.hexdigest())
