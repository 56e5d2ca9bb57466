"""Restart points of a stored log: where a raw inflate can start without what came before.

The archive's gzip (:mod:`osiris.archive.gzipstream`) primes every block with the previous
block's last 32 KiB, so the stream can only be decoded from its start. Every
``interval`` raw bytes the archive deflates one block with no dictionary instead: the
deflate stream can be decoded from that block's first byte (blocks end with a sync flush,
so each begins on a byte boundary). A point is that byte's offset in the object and the
offset of the block's text in the raw log; the document's log section keeps them
(``restartPoints``, ``docs/compression.md``), and the lookup's tail reads only the end.

The number of points is bounded (``MAX_POINTS``): a longer log keeps every other point
and doubles the spacing of the next ones, so memory and the document stay small whatever
the log's length. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any, NamedTuple

RESTART_INTERVAL = 8 * 1024 * 1024  # raw bytes between points: the most a tail decodes
MAX_POINTS = 256  # beyond 2 GiB of log the spacing doubles


HEADER_BYTES = 10  # the archive's gzip header: no name, no extra field


class RestartPoint(NamedTuple):
    compressed: int  # offset in the stored object of a block deflated without dictionary
    raw: int  # offset in the raw log of that block's first byte


# The first block never has a dictionary: every log restarts at its start (not recorded).
FIRST_POINT = RestartPoint(HEADER_BYTES, 0)


class RestartRecorder:
    """Chooses the blocks deflated without dictionary and records where they land.

    The gzip writer asks :meth:`fresh` for each block in order, then reports the size of
    each block's compressed bytes (:meth:`emitted`), also in order.
    """

    def __init__(self, interval: int = RESTART_INTERVAL, max_points: int = MAX_POINTS) -> None:
        if interval <= 0 or max_points < 2:
            raise ValueError("a restart interval must be positive and allow two points")
        self._interval = interval
        self._max_points = max_points
        self._fresh: list[tuple[int, int]] = []  # (block index, raw offset) of fresh blocks
        self._points: list[RestartPoint] = []
        self._next_block = 0  # of the emitted blocks
        self._offset = HEADER_BYTES

    def fresh(self, index: int, raw_offset: int, block_size: int) -> bool:
        """Whether block ``index`` (at ``raw_offset``) is to be deflated without dictionary:
        the first block at or after each multiple of the interval (the first block is
        fresh anyway: it never has a dictionary)."""
        if raw_offset == 0 or raw_offset // self._interval == (raw_offset - block_size) // (
            self._interval
        ):
            return False
        self._fresh.append((index, raw_offset))
        return True

    def emitted(self, size: int) -> None:
        """The next block's compressed bytes were written: ``size`` of them."""
        index, self._next_block = self._next_block, self._next_block + 1
        if self._fresh and self._fresh[0][0] == index:
            _, raw = self._fresh.pop(0)
            self._points.append(RestartPoint(self._offset, raw))
            if len(self._points) > self._max_points:
                self._thin()
        self._offset += size

    def _thin(self) -> None:
        """Keep every other point and double the interval, so the next fresh blocks fall
        on the kept points' spacing."""
        self._interval *= 2
        points, self._points = self._points, []
        for point in points:
            if not self._points or point.raw // self._interval != self._points[-1].raw // (
                self._interval
            ):
                self._points.append(point)

    @property
    def points(self) -> tuple[RestartPoint, ...]:
        return tuple(self._points)


def encode_points(points: tuple[RestartPoint, ...]) -> list[list[int]]:
    """The document's form: ``[[compressed, raw], ...]`` in ascending order."""
    return [[point.compressed, point.raw] for point in points]


def decode_points(value: Any, raw_bytes: Any, compressed_bytes: Any) -> tuple[RestartPoint, ...]:
    """A document's points, or none when the field is absent or not what the archive
    writes (a log archived before restart points: the tail decodes it whole)."""
    if not isinstance(value, list) or not isinstance(raw_bytes, int):
        return ()
    if not isinstance(compressed_bytes, int):
        return ()
    points: list[RestartPoint] = []
    for item in value:
        if not (
            isinstance(item, list)
            and len(item) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in item)
        ):
            return ()
        point = RestartPoint(item[0], item[1])
        previous = points[-1] if points else FIRST_POINT
        if not (previous.compressed < point.compressed < compressed_bytes):
            return ()
        if not (previous.raw < point.raw < raw_bytes):
            return ()
        points.append(point)
    return tuple(points)
