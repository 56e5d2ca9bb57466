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


class Suffix:
    """The last ``keep`` bytes (at least) of a stream fed in order, as whole chunks: at
    most one chunk more than ``keep`` is held. Counts the newlines of all it was fed."""

    def __init__(self, keep: int) -> None:
        self._chunks: deque[bytes] = deque()
        self._held = 0
        self._keep = keep
        self.fed = 0
        self.newlines = 0
        self.trimmed = False  # whether the first bytes fed were dropped

    def feed(self, chunk: bytes) -> None:
        self.fed += len(chunk)
        self.newlines += chunk.count(b"\n")
        self._chunks.append(chunk)
        self._held += len(chunk)
        while self._held - len(self._chunks[0]) >= self._keep:
            self._held -= len(self._chunks.popleft())
            self.trimmed = True

    def text(self) -> bytes:
        return b"".join(self._chunks)


def select_tail(text: bytes, at_start: bool, count: int, budget: int) -> tuple[bytes, int] | None:
    """The last ``count`` lines of a log that ends with ``text``, and how many they are.

    The most lines, up to ``count``, whose bytes together fit in ``budget``; when even
    the last line alone does not, its last ``budget`` bytes (one line, cut). ``at_start``:
    ``text`` is the whole log. None: the answer depends on what came before ``text`` (it is
    shorter than ``budget`` + 1 bytes, holds fewer than ``count`` line starts and is not
    the whole log).
    """
    end = len(text)
    if end == 0 or count <= 0:
        return b"", 0
    limit = max(0, end - budget)  # no line of the answer starts before this
    cursor = end - 1 if text.endswith(b"\n") else end  # a final newline starts no line
    start, lines = -1, 0
    while lines < count:
        newline = text.rfind(b"\n", 0, cursor)
        if newline < 0:
            if limit == 0 and not at_start:
                return None
            if limit == 0:
                start, lines = 0, lines + 1
            break
        if newline + 1 < limit:
            break
        start, lines, cursor = newline + 1, lines + 1, newline
    if start < 0:
        return text[-budget:], 1
    return text[start:], lines


def line_total(newlines: int, text: bytes) -> int:
    """A log's lines as a reader sees them: a last line without a newline counts too."""
    return newlines + int(bool(text) and not text.endswith(b"\n"))


def last_lines(reader: ObjectReader, count: int, budget: int = TAIL_BYTE_BUDGET) -> bytes:
    """The last ``count`` lines of the log; at most ``budget`` bytes are kept meanwhile."""
    return tail(reader, count, budget).text


def tail(reader: ObjectReader, count: int, budget: int = TAIL_BYTE_BUDGET) -> Tail:
    """:func:`last_lines` with the number of its first line, by decoding the whole stream
    (a log archived without restart points; :mod:`osiris.lookup.tailindex` reads only the
    end of one archived with them)."""
    suffix = Suffix(budget + 1)
    for piece in decompressed_chunks(reader):
        suffix.feed(piece)
    text = suffix.text()
    chosen = select_tail(text, not suffix.trimmed, count, budget)
    assert chosen is not None  # the whole log, or more than the budget of its end
    return Tail(chosen[0], line_total(suffix.newlines, text) - chosen[1] + 1)
