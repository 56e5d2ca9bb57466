"""Findings: the rules run over a log while it streams (pure, no I/O).

The archive feeds :class:`FindingScanner` the log's blocks in order, on a thread of its
own beside the compressor's (its critical path only hands them over). Most of
a log matches no rule, so each block of whole lines (:mod:`osiris.core.lines`) is searched
once with the combined expression of all rules; only a line that matches is tested rule
by rule. Memory is bounded: a long line is scanned on its first
:data:`~osiris.core.lines.MAX_SCANNED_LINE` bytes, and a finding keeps a few short
context lines. Time per line is linear in its scanned length (RE2).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from osiris.core.lines import MAX_SCANNED_LINE, NL, LineBlocks, matching_lines
from osiris.core.rules import Rule, RuleSet

MAX_TEXT = 500  # characters of the matching line kept in a finding
MAX_CONTEXT_TEXT = 200  # ... and of each line around it
CONTEXT_LINES = 3
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")


def readable(line: bytes, limit: int = MAX_TEXT) -> str:
    """A line as a finding shows it: decoded, escape codes and CR removed, shortened."""
    text = _ANSI.sub("", line[: limit * 4].decode("utf-8", "replace")).rstrip("\r")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _context_text(line: bytes) -> str:
    return readable(line, MAX_CONTEXT_TEXT)


@dataclass
class Finding:
    rule: str
    severity: str
    title: str
    line: int  # 1-based number of the first matching line
    text: str
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    matches: int = 1
    rank: int = 0

    def document(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "title": self.title,
            "line": self.line,
            "text": self.text,
            "before": list(self.before),
            "after": list(self.after),
            "matches": self.matches,
        }


def most_severe(findings: Iterable[Finding]) -> Finding | None:
    """The finding that explains the build best: most severe, then earliest."""
    return min(findings, key=lambda found: (found.rank, found.line), default=None)


class FindingScanner:
    def __init__(self, rules: RuleSet, *, context: int = CONTEXT_LINES) -> None:
        self._rules = rules
        self._context = context
        self._blocks = LineBlocks()  # its views: a block is only copied where a rule matches
        self._lines = 0  # lines scanned so far
        self._recent: deque[bytes] = deque(maxlen=context)
        self._waiting: list[Finding] = []  # findings still collecting "after" lines
        self._found: dict[str, Finding] = {}
        prefilter = rules.prefilter
        self._may_match = prefilter.tester() if prefilter is not None else None

    def feed(self, chunk: bytes, newlines: int | None = None) -> None:
        """Scan the next ``chunk``. ``newlines``: its count of newlines, where the caller
        has it (the archive's digest counts them anyway: counting holds the GIL)."""
        if not self._rules or not chunk:
            return
        blocks = list(self._blocks.feed_views(chunk))
        if newlines is None:
            newlines = chunk.count(NL)
        last = len(blocks) - 1
        for position, block in enumerate(blocks):
            # All blocks but the last hold one line each (LineBlocks.feed_views).
            self._scan_block(block, 1 if position < last else newlines - last)

    def finish(self) -> list[Finding]:
        """Every finding, most severe first; the scanner is spent."""
        for block in self._blocks.finish():
            self._scan_block(block, 1)
        return sorted(self._found.values(), key=lambda found: (found.rank, found.line))

    def _scan_block(self, block: bytes | memoryview, lines: int) -> None:
        if self._waiting:
            self._fill_waiting(bytes(block))
        if self._may_match is None or self._may_match(block):
            self._match_block(bytes(block))
        self._lines += lines
        self._remember_tail(block)

    def _match_block(self, block: bytes) -> None:
        for index, start, end in matching_lines(block, self._rules.combined):
            line = block[start : min(end, start + MAX_SCANNED_LINE)]
            for rule in self._rules.matching(line):
                self._record(rule, block, start, end, self._lines + index + 1)

    def _record(self, rule: Rule, block: bytes, start: int, end: int, number: int) -> None:
        known = self._found.get(rule.id)
        if known is not None:
            known.matches += 1
            return
        finding = Finding(
            rule.id,
            rule.severity.value,
            rule.title,
            number,
            readable(block[start:end]),
            before=[_context_text(line) for line in self._before(block, start)],
            rank=rule.severity.rank,
        )
        if end + 1 < len(block):
            following = block[end + 1 : -1].split(NL, self._context)[: self._context]
            finding.after = [_context_text(line) for line in following]
        if len(finding.after) < self._context:
            self._waiting.append(finding)
        self._found[rule.id] = finding

    def _before(self, block: bytes, start: int) -> list[bytes]:
        lines: list[bytes] = []
        cursor = start
        while len(lines) < self._context and cursor > 0:
            previous = block.rfind(NL, 0, cursor - 1) + 1
            lines.insert(0, block[previous : cursor - 1])
            cursor = previous
        missing = self._context - len(lines)
        if missing and cursor == 0 and self._recent:
            lines = list(self._recent)[-missing:] + lines
        return lines

    def _fill_waiting(self, block: bytes) -> None:
        needed = max(self._context - len(found.after) for found in self._waiting)
        lines = [_context_text(line) for line in block[:-1].split(NL, needed)[:needed]]
        for found in self._waiting:
            found.after.extend(lines[: self._context - len(found.after)])
        self._waiting = [found for found in self._waiting if len(found.after) < self._context]

    def _remember_tail(self, block: bytes | memoryview) -> None:
        for line in _last_lines(block, self._context):
            self._recent.append(line[:MAX_SCANNED_LINE])


def _last_lines(block: bytes | memoryview, count: int) -> list[bytes]:
    """The last ``count`` lines of a block that ends with a newline, without their newlines.

    Only the end of the block is copied, a few KiB unless its lines are long: copying all
    of it cost as much as the prefilter's scan of it.
    """
    size = 4096
    while True:
        whole = size >= len(block)
        tail = bytes(block if whole else block[-size:])
        start = len(tail) - 1  # the block's last newline
        for _ in range(count):
            start = tail.rfind(NL, 0, start)
            if start < 0:
                break
        if start >= 0 or whole:
            return tail[start + 1 : -1].split(NL)
        size *= 8
