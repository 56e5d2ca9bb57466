"""Search inside one log: matching lines from a stream of text chunks (pure, no I/O).

The caller hands in the decoded log as chunks and a ``spend`` callback that says whether
the request's byte and time budget allows reading the next chunk; the search stops at a
chunk boundary when it does not, and says how many lines it finished, so the next page
resumes there. Patterns are RE2: linear time, whatever a user types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import re2

from osiris.core.findings import readable
from osiris.core.lines import MAX_SCANNED_LINE, NL, LineBlocks, matching_lines
from osiris.errors import InvalidNameError

NEWLINE = ord(NL)
MAX_QUERY_LENGTH = 1000
RE2_MAX_MEMORY = 16 * 1024 * 1024  # per compiled query: a user's pattern stays small


def compile_search(pattern: str, *, ignore_case: bool) -> Any:
    """The RE2 program of a user's query; InvalidNameError (→ 400) naming ``q``."""
    if not pattern or len(pattern) > MAX_QUERY_LENGTH:
        raise InvalidNameError(f"q must be an RE2 pattern of 1 to {MAX_QUERY_LENGTH} characters")
    options = re2.Options()
    options.max_mem = RE2_MAX_MEMORY
    options.log_errors = False
    options.never_capture = True
    options.case_sensitive = not ignore_case
    try:
        return re2.compile(("(?m)" + pattern).encode(), options=options)
    except re2.error:
        raise InvalidNameError(
            "q is not a valid RE2 pattern (see github.com/google/re2/wiki/Syntax)"
        ) from None


def count_lines(data: bytes) -> int:
    """Newlines in ``data``. ``bytes.count`` holds the GIL and runs a scalar loop (~1.7 GB/s
    on one core, no faster with more threads): every byte searched passes here, so it
    serialised the search's threads. numpy compares with SIMD and releases the GIL
    (~7 GB/s per core); benchmarks/README.md, "Search".

    numpy is imported on the first search, not with the module: its ~150 ms import would
    otherwise land on every cold start of the scale-to-zero lookup."""
    import numpy

    return int(numpy.count_nonzero(numpy.frombuffer(data, numpy.uint8) == NEWLINE))


@dataclass(frozen=True)
class Hit:
    line: int  # 1-based
    text: str


@dataclass
class LogHits:
    hits: list[Hit] = field(default_factory=list)
    matches: int = 0  # matching lines seen (all of them in count mode)
    lines_done: int = 0  # lines fully searched: where the next page resumes
    complete: bool = False  # the whole log was searched


def search_lines(
    chunks: Iterable[bytes],
    regex: Any,
    *,
    skip_lines: int = 0,
    max_hits: int | None,
    spend: Callable[[int, bool], bool],
    must_progress: bool = False,
) -> LogHits:
    """Matching lines after the first ``skip_lines``; at most ``max_hits`` (None: count
    only). Stops early when ``spend`` refuses a chunk or ``max_hits`` is reached.

    ``spend(size, forced)`` is asked before each chunk past the skipped lines (those are
    re-read, not charged); ``forced`` is True while ``must_progress`` still waits for the
    first line past ``skip_lines``, so a page always gets somewhere, even inside a
    50 MB line.
    """
    result = LogHits(lines_done=skip_lines)
    blocks = LineBlocks()
    seen = 0  # lines of the log passed so far, skipped or searched
    raw_lines = 0  # newlines in the chunks read so far

    def search(block: bytes) -> bool:
        """False when the page is full: ``result.lines_done`` is then the last hit's line."""
        nonlocal seen
        count = count_lines(block)
        if seen + count <= skip_lines:
            seen += count
            return True
        start_index = max(0, skip_lines - seen)
        for index, start, end in matching_lines(block, regex):
            if index < start_index:
                continue
            number = seen + index + 1
            result.matches += 1
            if max_hits is not None:
                line = block[start : min(end, start + MAX_SCANNED_LINE)]
                result.hits.append(Hit(number, readable(line)))
                if len(result.hits) >= max_hits:
                    result.lines_done = number
                    return False
        seen += count
        result.lines_done = seen
        return True

    for chunk in chunks:
        if skip_lines:  # counted only to know when the skipped lines are behind
            raw_lines += count_lines(chunk)
        if not skip_lines or raw_lines > skip_lines:
            forced = must_progress and result.lines_done == skip_lines
            if not spend(len(chunk), forced):
                return result
        for block in blocks.feed(chunk):
            if not search(block):
                return result
    for block in blocks.finish():
        if not search(block):
            return result
    result.complete = True
    return result
