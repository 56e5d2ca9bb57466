"""A byte counter on stderr while a log goes to a file or a pipe.

Only when stderr is a terminal and stdout is not: on a terminal the log itself shows
progress, and in a script stderr must stay clean.
"""

from __future__ import annotations

import time
from typing import IO

_INTERVAL = 0.2  # seconds between redraws


class Progress:
    def __init__(self, stream: IO[str] | None) -> None:
        self._stream = stream
        self._bytes = 0
        self._drawn = 0.0

    @classmethod
    def for_streams(cls, stdout: IO[bytes], stderr: IO[str]) -> Progress:
        shown = _isatty(stderr) and not _isatty(stdout)
        return cls(stderr if shown else None)

    def advance(self, count: int) -> None:
        self._bytes += count
        if self._stream is None:
            return
        now = time.monotonic()
        if now - self._drawn >= _INTERVAL:
            self._drawn = now
            self._draw()

    def _draw(self) -> None:
        assert self._stream is not None
        self._stream.write(f"\r\x1b[Kosiris: {_size(self._bytes)} received")
        self._stream.flush()

    def finish(self) -> None:
        if self._stream is not None:
            self._draw()
            self._stream.write("\n")
            self._stream.flush()


def _isatty(stream: IO[bytes] | IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"
