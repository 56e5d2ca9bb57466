"""What the tail tests share: the reference tail (the last lines of a log, within a byte
budget) every tail read is compared with, and a gzipped log read in tiny chunks as an
object reader."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from osiris.lookup.logstream import Tail


def expected(text: bytes, count: int, budget: int) -> Tail:
    """The reference: the most of the last ``count`` lines that fit in ``budget``, or the
    last ``budget`` bytes of the last line when it alone does not fit."""
    lines = re.findall(rb"[^\n]*\n|[^\n]+$", text)
    taken = size = 0
    while taken < min(count, len(lines)) and size + len(lines[-taken - 1]) <= budget:
        size += len(lines[-taken - 1])
        taken += 1
    if taken == 0 and lines:
        return Tail(lines[-1][-budget:], len(lines))
    return Tail(b"".join(lines[len(lines) - taken :]), len(lines) - taken + 1)


class BytesReader:
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.closed = False

    def iter_chunks(self, chunk_size: int = 65536) -> Iterator[bytes]:
        while chunk := self._data.read(7):  # tiny chunks: lines span chunk borders
            yield chunk

    def close(self) -> None:
        self.closed = True
