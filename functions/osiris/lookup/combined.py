"""Several stored logs as one text, each line prefixed: ``[step] …``, ``[task : step] …``.

This is how ``tkn taskrun logs`` and ``tkn pipelinerun logs`` print a run, so what a
user greps for there is found here too. Every section is read in chunks; a line of any
length passes through without being held whole (only the prefix is inserted), so the
memory of a combined log does not grow with its size. A section whose text does not end
with a newline gets one, so the next section's first line starts a line of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from osiris.adapters.store import ObjectReader
from osiris.lookup import logstream


@dataclass(frozen=True)
class Section:
    """One stored log of a combined text, and the prefix of each of its lines."""

    prefix: bytes
    key: str
    lines: int | None = None  # its lines, a last one without a newline too (the document's)


def step_prefix(step: str) -> bytes:
    return f"[{step}] ".encode()


def task_step_prefix(task: str, step: str) -> bytes:
    return f"[{task} : {step}] ".encode()


def prefixed(chunks: Iterable[bytes], prefix: bytes) -> Iterator[bytes]:
    """``chunks`` with ``prefix`` at the start of every line; ends with a newline."""
    at_line_start = True
    for chunk in chunks:
        if not chunk:
            continue
        lines = chunk.split(b"\n")
        ended = lines[-1] == b""
        if ended:
            lines.pop()
        body = (b"\n" + prefix).join(lines)
        yield (prefix if at_line_start else b"") + body + (b"\n" if ended else b"")
        at_line_start = ended
    if not at_line_start:
        yield b"\n"


def combined_chunks(
    sections: list[Section], open_log: Callable[[str], ObjectReader]
) -> Iterator[bytes]:
    """Each section decoded and prefixed, in order; a section is opened when reached."""
    for section in sections:
        yield from prefixed(logstream.decompressed_chunks(open_log(section.key)), section.prefix)


def combined_tail(
    sections: list[Section], open_log: Callable[[str], ObjectReader], count: int
) -> bytes:
    """The last ``count`` lines of the combined text: the last sections' tails, newest
    section first, until ``count`` lines are had (within the tail's byte budget)."""
    pieces: list[bytes] = []
    wanted, budget = count, logstream.TAIL_BYTE_BUDGET
    for section in reversed(sections):
        if wanted <= 0 or budget <= 0:
            break
        text = logstream.tail(open_log(section.key), wanted, budget).text
        if not text:
            continue
        piece = b"".join(prefixed([text], section.prefix))
        pieces.append(piece)
        wanted -= piece.count(b"\n")
        budget -= len(piece)
    return b"".join(reversed(pieces))


def tail_first_line(sections: list[Section], tail: bytes) -> int | None:
    """The number (1-based) of ``tail``'s first line in the whole combined text, or None
    where a section's line count is unknown.

    A tail is the end of the combined text, and each section contributes exactly its
    line count there (:func:`prefixed` ends its last line), so the count of the lines
    before the tail follows from the documents alone: no earlier section is read.
    """
    total = 0
    for section in sections:
        if section.lines is None:
            return None
        total += section.lines
    return total - tail.count(b"\n") + 1
