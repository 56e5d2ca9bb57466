"""The tail of a log archived with restart points: only the end of the object is read.

The document's log section says where raw inflating can start (``restartPoints``,
:mod:`osiris.core.restarts`). The tail decodes from the last point to the end (one ranged
GetObject of at most ~8 MiB of text); when that piece holds fewer lines than asked for
(and less than the byte budget), it steps back one point at a time, decoding only the
piece before (one ranged GetObject each). Memory stays within the tail's byte budget:
each piece goes through a :class:`~osiris.lookup.logstream.Suffix` that keeps only what
the answer can still use.

Each piece is checked against the document: its decoded length, and for the last one
the end of the deflate stream and the trailer's length field. A log whose bytes do not
match its points (a concurrent delivery with another deflate level won the log but not
the document) answers None, and the caller decodes the whole stream instead.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from osiris.adapters.store import ObjectInfo, ObjectReader
from osiris.compression import DEFAULT
from osiris.core.restarts import FIRST_POINT, RestartPoint, decode_points
from osiris.lookup.logstream import CHUNK, TAIL_BYTE_BUDGET, Suffix, Tail, select_tail

TRAILER = 8  # CRC-32 and ISIZE after the deflate stream

RangeOpener = Callable[[int, int], ObjectReader]  # inclusive byte range → its body


@dataclass(frozen=True)
class TailIndex:
    """What a log section says about the stored object: its points, sizes and lines."""

    points: tuple[RestartPoint, ...]  # ascending, the first at the end of the gzip header
    raw_bytes: int
    compressed_bytes: int
    lines: int


def tail_index(section: Any) -> TailIndex | None:
    """The index of a document's log section; None for a log archived without points."""
    if not isinstance(section, dict) or not isinstance(section.get("restartPoints"), list):
        return None
    raw, compressed, lines = (section.get(f) for f in ("rawBytes", "compressedBytes", "lines"))
    if not all(isinstance(n, int) and n >= 0 for n in (raw, compressed, lines)):
        return None
    points = decode_points(section["restartPoints"], raw, compressed)
    if section["restartPoints"] and not points:
        return None  # not what the archive writes: decode the whole log
    assert isinstance(raw, int) and isinstance(compressed, int) and isinstance(lines, int)
    return TailIndex((FIRST_POINT, *points), raw, compressed, lines)


def indexed_tail(
    open_range: RangeOpener, index: TailIndex, count: int, budget: int = TAIL_BYTE_BUDGET
) -> tuple[Tail, ObjectInfo] | None:
    """The last ``count`` lines (as :func:`osiris.lookup.logstream.tail` answers them) and
    the stored object's info; None when the object does not match the index."""
    later = b""  # the text after the current point that the answer may still need
    info: ObjectInfo | None = None
    for number in reversed(range(len(index.points))):
        point = index.points[number]
        last = number == len(index.points) - 1
        following = None if last else index.points[number + 1]
        end = index.compressed_bytes - 1 if following is None else following.compressed - 1
        suffix = Suffix(budget + 1 - len(later))
        reader = open_range(point.compressed, end)
        info = info or reader.info
        try:
            if not _inflate(reader, suffix, following is None, index.raw_bytes):
                return None
        finally:
            reader.close()
        if suffix.fed != (index.raw_bytes if following is None else following.raw) - point.raw:
            return None
        text = suffix.text() + later
        chosen = select_tail(text, number == 0 and not suffix.trimmed, count, budget)
        if chosen is not None:
            return Tail(chosen[0], index.lines - chosen[1] + 1), info
        later = text
    return None  # unreachable: the first point starts the log


def _inflate(reader: ObjectReader, suffix: Suffix, final: bool, raw_bytes: int) -> bool:
    """Feed ``suffix`` the raw inflate of the reader's bytes; whether they decoded as
    expected (a final piece: to the end of the stream and a trailer of the log's length)."""
    decoder = DEFAULT.raw_decompressor()
    rest = b""
    try:
        for compressed in reader.iter_chunks(CHUNK):
            if decoder.eof:
                rest += compressed
                if len(rest) > TRAILER:
                    return False
                continue
            data = compressed
            while data and not decoder.eof:
                # max_length bounds each step's output, as the whole-stream decode does
                piece = decoder.decompress(data, CHUNK)
                if piece:
                    suffix.feed(piece)
                data = decoder.unconsumed_tail
            if decoder.eof:
                rest = decoder.unused_data
        if not decoder.eof:
            piece = decoder.flush()
            if piece:
                suffix.feed(piece)
    except DEFAULT.error:
        return False
    if not final:
        return not decoder.eof
    if not decoder.eof or len(rest) != TRAILER:
        return False
    _, size = struct.unpack("<II", rest)
    return bool(size == raw_bytes & 0xFFFFFFFF)
