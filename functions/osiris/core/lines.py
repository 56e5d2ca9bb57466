"""Lines of a log stream, found in bulk (pure, no I/O).

Findings and search both ask "which lines match this RE2 expression?" of a stream of
arbitrary chunks. Asking line by line would cost a Python call per line; instead the
stream is cut into blocks of whole lines and each block is searched with one RE2 call,
which runs in C without the GIL. Only the rare matching lines are split out.

A line longer than :data:`MAX_SCANNED_LINE` is kept to its head: memory stays bounded on a
50 MB line, and the tail of such a line is never matched (documented in docs/findings.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MAX_SCANNED_LINE = 64 * 1024
NL = b"\n"


class LineBlocks:
    """Cuts a byte stream into blocks that each end with a newline."""

    def __init__(self, max_line: int = MAX_SCANNED_LINE) -> None:
        self._max_line = max_line
        self._carry = b""
        self._overlong = False  # the carried line passed max_line: drop the rest of it

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """The blocks that ``chunk`` completes. Every one but the last holds exactly one
        line (the carried one, finished), so a caller that knows the chunk's count of
        newlines knows each block's without counting again."""
        for block in self.feed_views(chunk):
            yield block if isinstance(block, bytes) else bytes(block)

    def feed_views(self, chunk: bytes) -> Iterator[bytes | memoryview]:
        """As :meth:`feed`, but the bulk of the chunk comes as a view of it, not a copy:
        for a caller that only scans it (a copy of every byte costs as much as the scan,
        in fresh pages)."""
        if self._overlong:
            end = chunk.find(NL)
            if end < 0:
                return
            yield self._carry + NL
            self._carry, self._overlong = b"", False
            chunk = chunk[end + 1 :]  # rare: after a line longer than max_line
        last = chunk.rfind(NL)
        if last < 0:
            rest = self._carry + chunk
        else:
            # The carried start of a line is finished by the chunk's first line, on its own:
            # the bulk of the chunk is then not copied again with the carry.
            if self._carry:
                first = chunk.find(NL)
                yield self._carry + chunk[: first + 1]
                body: bytes | memoryview = memoryview(chunk)[first + 1 : last + 1]
            else:
                body = memoryview(chunk)[: last + 1] if last + 1 < len(chunk) else chunk
            if body:
                yield body
            rest = chunk[last + 1 :]
        if len(rest) > self._max_line:
            rest, self._overlong = rest[: self._max_line], True
        self._carry = rest

    def finish(self) -> Iterator[bytes]:
        """The last line when the stream did not end with a newline."""
        if self._carry:
            yield self._carry + NL
        self._carry, self._overlong = b"", False


def matching_lines(
    block: bytes, regex: Any, max_line: int = MAX_SCANNED_LINE
) -> Iterator[tuple[int, int, int]]:
    """``(index of the line in the block, start, end)`` of each line ``regex`` matches.

    ``block`` ends with a newline; ``end`` is the offset of the line's newline. A match
    that runs across a newline is checked again on its first line alone.
    """
    position, index, counted_to = 0, 0, 0
    while position < len(block):
        match = regex.search(block, position)
        if match is None:
            return
        start = block.rfind(NL, 0, match.start()) + 1
        end = block.find(NL, start)
        index += block.count(NL, counted_to, start)
        counted_to = start
        head_end = min(end, start + max_line)
        if match.end() <= head_end or regex.search(block[start:head_end]) is not None:
            yield index, start, end
        position = end + 1
