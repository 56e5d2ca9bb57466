"""Parallel gzip of a stream into one standard gzip member, in bounded memory.

The method is pigz's: the input is cut into fixed-size blocks, each block is deflated
on its own (ISA-L and zlib release the GIL, so blocks compress on several cores at once)
with the previous block's last 32 KiB as its dictionary, and ends with a sync flush so
the pieces concatenate into a single deflate stream. A final empty block closes it. The
CRC-32 and length of the whole input go into the trailer.

The output is deterministic for a deflate implementation and level
(:mod:`osiris.compression`): the same bytes in give the same bytes out, whatever the read
sizes of the source, so redelivered events rewrite identical objects.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from osiris.compression import BLOCK_SIZE, DEFAULT, Deflate, crc32
from osiris.core.restarts import RestartRecorder

WINDOW = 32 * 1024
# Sees each block and its count of newlines (see gzip_stream).
BlockTap = Callable[[bytes, int], None]
# A block's hash, and its line count with the taps: two threads digest every block.
Digesting = tuple[Future[None], Future[None]]
# mtime 0 and OS 255 ("unknown") keep the header independent of time and platform.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# The same bytes whichever implementation deflated the blocks before it.
_FINAL_EMPTY_BLOCK = zlib.compressobj(1, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)


@dataclass
class StreamDigest:
    """What was read: size, CRC-32, SHA-256 and line count of the raw bytes."""

    raw_bytes: int = 0
    crc32: int = 0
    lines: int = 0
    last_byte: int = -1
    _sha256: hashlib._Hash | None = None

    def __post_init__(self) -> None:
        self._sha256 = hashlib.sha256()

    def hash(self, data: bytes) -> None:
        """Size, CRC-32 and SHA-256 of the next ``data``. The archive runs this and
        :meth:`count_lines` on two threads (each in order): each writes only its fields."""
        self.raw_bytes += len(data)
        self.crc32 = crc32(data, self.crc32)
        assert self._sha256 is not None
        self._sha256.update(data)
        self.last_byte = data[-1]

    def count_lines(self, data: bytes) -> int:
        """Count the next ``data``'s newlines; returns that count."""
        newlines = data.count(b"\n")
        self.lines += newlines
        return newlines

    @property
    def sha256(self) -> str:
        assert self._sha256 is not None
        return self._sha256.hexdigest()

    @property
    def line_count(self) -> int:
        """Lines as a reader sees them: a last line without a newline still counts."""
        unterminated = self.raw_bytes > 0 and self.last_byte != ord("\n")
        return self.lines + int(unterminated)


def _deflate_block(
    block: bytes, dictionary: bytes, level: int, deflate: Deflate
) -> tuple[bytes, bytes]:
    compressor = deflate.compressor(level, dictionary)
    # Two pieces, not joined: a join copied every compressed byte once more, into fresh
    # pages (the mmap threshold is pinned: osiris.allocator).
    return compressor.compress(block), compressor.flush(deflate.sync_flush)


def _emitted(pieces: tuple[bytes, bytes], restarts: RestartRecorder | None) -> Iterator[bytes]:
    if restarts is not None:
        restarts.emitted(sum(map(len, pieces)))
    return (piece for piece in pieces if piece)


def reblock(chunks: Iterable[bytes], size: int = BLOCK_SIZE) -> Iterator[bytes]:
    """Re-cut a stream of arbitrary chunks into blocks of exactly ``size`` (the last shorter)."""
    pending: list[bytes] = []
    pending_bytes = 0
    for chunk in chunks:
        if not pending and len(chunk) == size:
            yield chunk  # already a block (the cluster adapter reads them so): no copy
            continue
        pending.append(chunk)
        pending_bytes += len(chunk)
        if pending_bytes < size:
            continue
        joined = b"".join(pending)  # one copy per byte, however small the chunks
        start = 0
        while pending_bytes - start >= size:
            yield joined[start : start + size]
            start += size
        pending = [joined[start:]] if start < pending_bytes else []
        pending_bytes -= start
    if pending_bytes:
        yield b"".join(pending)


def gzip_stream(
    chunks: Iterable[bytes],
    digest: StreamDigest,
    *,
    level: int = 1,
    workers: int = 2,
    block_size: int = BLOCK_SIZE,
    deflate: Deflate = DEFAULT,
    restarts: RestartRecorder | None = None,
    taps: Sequence[BlockTap] = (),
    recycle: Callable[[bytes], None] | None = None,
) -> Iterator[bytes]:
    """Yield the gzip encoding of ``chunks``, compressing up to ``workers`` blocks at once.

    At most ``2 * workers`` raw blocks are held, so memory does not depend on the
    length of the stream. ``restarts``: the blocks it chooses get no dictionary, and it
    records where they start (:mod:`osiris.core.restarts`). ``taps`` see every block
    and its count of newlines, in order, after the digest and on its thread (the finding
    rules are one: they reuse the count); an exception in one ends the stream with it.
    ``recycle`` gets each block back once it is deflated and digested and nothing here
    reads it any more (:class:`osiris.buffers.BlockPool`).
    """
    yield GZIP_HEADER
    compressing: deque[Future[tuple[bytes, bytes]]] = deque()
    digesting: deque[Digesting] = deque()
    # Blocks in the order read, with the futures that still read them.
    reading: deque[tuple[bytes, Future[tuple[bytes, bytes]], Digesting]] = deque()

    def give_back_finished(recycle: Callable[[bytes], None]) -> None:
        while reading and reading[0][1].done() and all(f.done() for f in reading[0][2]):
            recycle(reading.popleft()[0])

    def count_and_tap(block: bytes) -> None:
        newlines = digest.count_lines(block)
        for tap in taps:
            tap(block, newlines)

    # The reading thread only reads and cuts blocks. Beside it: deflating (on ``workers``
    # threads), hashing (one thread), and counting lines with the taps (one thread). The
    # hash and the taps were one thread, and with the rules on it was the slowest stage
    # of the archive, the reader waiting on it a fifth of the time (py-spy).
    with (
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gzip") as pool,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest") as hasher,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="lines") as liner,
    ):
        try:
            dictionary = b""
            for index, block in enumerate(reblock(chunks, block_size)):
                if restarts is not None and restarts.fresh(index, index * block_size, block_size):
                    dictionary = b""
                digesting.append(
                    (hasher.submit(digest.hash, block), liner.submit(count_and_tap, block))
                )
                compressing.append(pool.submit(_deflate_block, block, dictionary, level, deflate))
                dictionary = block[-WINDOW:]  # a copy: the block itself may be refilled
                if recycle is not None:
                    reading.append((block, compressing[-1], digesting[-1]))
                    give_back_finished(recycle)
                if len(compressing) >= 2 * workers:
                    yield from _emitted(compressing.popleft().result(), restarts)
                while len(digesting) > 2 * workers:
                    _wait(digesting.popleft())  # re-raises what the digest or a tap raised
            while compressing:
                yield from _emitted(compressing.popleft().result(), restarts)
            while digesting:
                _wait(digesting.popleft())
        finally:
            for deflating in compressing:
                deflating.cancel()
            for futures in digesting:
                for future in futures:
                    future.cancel()
    yield _FINAL_EMPTY_BLOCK + struct.pack("<II", digest.crc32, digest.raw_bytes & 0xFFFFFFFF)


def _wait(futures: Digesting) -> None:
    for future in futures:
        future.result()
