"""The deflate implementation the archive and the lookup use: ISA-L, else zlib.

ISA-L (the ``isal`` package, Intel's igzip) deflates log text at level 1 about four times
as fast as zlib's level 1 and compresses it as well as zlib's level 6; it inflates about
twice as fast. ``isal.isal_zlib`` is zlib's interface (raw streams, ``zdict``,
``Z_SYNC_FLUSH``), so the pigz-style parallel gzip works unchanged. zlib is the fallback
when ``isal`` cannot be imported (a platform without wheels); the start-up log says which
one runs (:data:`DEFAULT`.name).

Levels are zlib's 1-9 (``OSIRIS_GZIP_LEVEL``). ISA-L has 0-3, and its 0 compresses log
text worse without being faster, so 1-3 map to ISA-L 1, 4-6 to 2 and 7-9 to 3. Either
implementation's output is deterministic for a given level; the two differ from each
other, and both are standard deflate that every gzip reader decodes.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol, cast

# The unit of the parallel gzip (osiris.archive.gzipstream), and so of reading a log.
BLOCK_SIZE = 1024 * 1024
RAW_WBITS = -zlib.MAX_WBITS  # raw deflate, 32 KiB window: pieces of one gzip member
GZIP_WBITS = 16 + zlib.MAX_WBITS  # one gzip member, header and trailer checked


class Compressor(Protocol):
    def compress(self, data: bytes, /) -> bytes: ...
    def flush(self, mode: int = ..., /) -> bytes: ...


class Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...
    @property
    def unconsumed_tail(self) -> bytes: ...
    def decompress(self, data: bytes, max_length: int = ..., /) -> bytes: ...
    def flush(self, length: int = ..., /) -> bytes: ...


@dataclass(frozen=True)
class Deflate:
    """One implementation: raw-deflate compressors, gzip decompressors, its error type."""

    name: str
    _module: ModuleType
    _level: Callable[[int], int]
    error: type[Exception]

    def compressor(self, level: int, dictionary: bytes = b"") -> Compressor:
        """A raw deflate compressor at zlib ``level`` (1-9), primed with ``dictionary``."""
        if not 1 <= level <= 9:
            raise ValueError(f"deflate level {level} is not within 1-9")
        native = self._level(level)
        module = self._module
        if dictionary:
            return module.compressobj(native, module.DEFLATED, RAW_WBITS, zdict=dictionary)  # type: ignore[no-any-return]
        return module.compressobj(native, module.DEFLATED, RAW_WBITS)  # type: ignore[no-any-return]

    def gzip_decompressor(self) -> Decompressor:
        """A decompressor of one gzip member (call again for the next member)."""
        return self._module.decompressobj(GZIP_WBITS)  # type: ignore[no-any-return]

    def raw_decompressor(self) -> Decompressor:
        """A decompressor of raw deflate: a gzip member's body from a block boundary on."""
        return self._module.decompressobj(RAW_WBITS)  # type: ignore[no-any-return]

    @property
    def sync_flush(self) -> int:
        return int(self._module.Z_SYNC_FLUSH)


ZLIB = Deflate("zlib", zlib, lambda level: level, zlib.error)


def _isal() -> Deflate | None:
    try:
        from isal import isal_zlib
    except ImportError:
        return None
    # isal's stub declares ``error`` as an instance; it is the exception class IsalError.
    error = cast("type[Exception]", isal_zlib.error)
    return Deflate("isal", isal_zlib, lambda level: min(3, 1 + (level - 1) // 3), error)


DEFAULT: Deflate = _isal() or ZLIB


def _fastest_crc32() -> Callable[[bytes, int], int]:
    # The same CRC-32 either way; ISA-L's (carry-less multiply) is ~15x zlib's here.
    try:
        from isal import isal_zlib
    except ImportError:
        return zlib.crc32
    return isal_zlib.crc32


crc32: Callable[[bytes, int], int] = _fastest_crc32()
