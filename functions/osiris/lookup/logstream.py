"""A stored gzip log → the bytes of an HTTP answer, in constant memory.

Three shapes: the stored gzip as is (the client accepts gzip), decompressed on the fly
(it does not), or the last N lines. Each reads the object in chunks and holds at most
one chunk (or, for the tail, a bounded window of lines) at a time. The stored stream
may hold several gzip members; each is decoded in turn, as every gzip reader does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import NamedTuple

from osiris.adapters.store import ObjectReader
from osiris.compression import DEFAULT
from osiris.errors import PermanentError

CHUNK = 64 * 1024
TAIL_BYTE_BUDGET = 8 * 1024 * 1024  # the tail window never holds more than this


class CorruptLogError(PermanentError):
    """The stored log is not a valid gzip stream."""


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip (RFC 9110 §12.5.3, q-values)."""
    if not accept_encoding:
        return False
    wildcard: bool | None = None
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        coding = coding.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding in ("gzip", "x-gzip"):
            return quality > 0
        if coding == "*":
            wildcard = quality > 0
    return bool(wildcard)


def raw_chunks(reader: ObjectReader) -> Iterator[bytes]:
    """The stored bytes as they are; the reader is closed when the iteration ends."""
    try:
        yield from reader.iter_chunks(CHUNK)
    finally:
        reader.close()


def decompressed_chunks(reader: ObjectReader, piece_size: int = CHUNK) -> Iterator[bytes]:
    """The log text, decoded on the fly; each yielded piece is at most ``piece_size`` bytes
    (the search asks for larger pieces: fewer steps of Python per MiB)."""
    try:
        decoder = DEFAULT.gzip_decompressor()
        for compressed in reader.iter_chunks(piece_size):
            data = compressed
            while data:
                try:
                    # max_length bounds the output per step: a small chunk of a
                    # highly compressed log cannot inflate into a huge buffer.
                    piece = decoder.decompress(data, piece_size)
                except DEFAULT.error:
                    raise CorruptLogError("the stored log is not valid gzip") from None
                if piece:
                    yield piece
                if decoder.eof:
                    data = decoder.unused_data
                    decoder = DEFAULT.gzip_decompressor()  # the next member
                else:
                    data = decoder.unconsumed_tail
        tail = decoder.flush()
        if tail:
            yield tail
    finally:
        reader.close()


class Tail(NamedTuple):
    """The last lines of a log and the number (1-based) of the first of them."""

    text: bytes
    first_line: int


def last_lines(reader: ObjectReader, count: int, budget: int = TAIL_BYTE_BUDGET) -> bytes:
    """The last ``count`` lines of the log; at most ``budget`` bytes are kept meanwhile."""
    return tail(reader, count, budget).text


def tail(reader: ObjectReader, count: int, budget: int = TAIL_BYTE_BUDGET) -> Tail:
    """:func:`last_lines` with the number of its first line (the whole stream is decoded
    anyway, so counting its lines costs nothing more than a count per chunk)."""
    window: deque[bytes] = deque()
    held = 0
    partial = b""
    complete = 0  # lines ended by a newline so far
    for piece in decompressed_chunks(reader):
        complete += piece.count(b"\n")
        lines = (partial + piece).split(b"\n")
        partial = lines.pop()
        if len(partial) > budget:
            partial = partial[-budget:]
        for line in lines:
            window.append(line + b"\n")
            held += len(line) + 1
            while len(window) > count or (held > budget and window):
                held -= len(window.popleft())
    total = complete
    if partial:
        total += 1
        window.append(partial)
        held += len(partial)
        while len(window) > count or (held > budget and len(window) > 1):
            held -= len(window.popleft())
    return Tail(b"".join(window), total - len(window) + 1)
