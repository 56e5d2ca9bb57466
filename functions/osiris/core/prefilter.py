r"""A fast first look at a block of log lines: can any rule match it? (pure, no I/O).

RE2's automaton reads every byte of the log at about 2 ns a byte, which was most of what
the findings cost the archive. Hyperscan (SIMD literal search, then automata only around
the literals) answers "could any rule match in this block?" four times faster; the
rare block that it passes is then searched by RE2 exactly as before, so findings do not
change. Hyperscan only ever *skips* blocks, never reports a finding itself.

That is sound only where Hyperscan cannot miss what RE2 matches:

- Every pattern is compiled with ``HS_FLAG_PREFILTER``: Hyperscan may then widen a
  construct it does not support (a large bounded repeat, say) into one that matches
  more, never less. A pattern it still refuses switches the prefilter off for the
  whole rule set (RE2 alone, as without it).
- Hyperscan reads bytes, RE2 reads UTF-8: a ``.``, ``\\S`` or ``[^x]`` matches one
  character in RE2 but one byte in Hyperscan, and ``(?i)k`` also matches the Kelvin
  sign in RE2. On ASCII text the two readings are the same, so only an ASCII block is
  prefiltered; any other block goes to RE2 whole (a byte above 0x7f is one more pattern
  of the same database, so the one scan also tells).
  The same holds of the patterns: a non-ASCII character in a pattern (``(?i)\u212a``, the
  Kelvin sign, matches an ASCII ``k`` in RE2) or a Unicode class (``\pL``, ``\p{Lu}``,
  which case folding may widen) switches the prefilter off.
- The same block bytes go to both, with ``^``/``$`` at line ends (``HS_FLAG_MULTILINE``,
  RE2's ``(?m)``). Hyperscan reads each rule in its widened form
  (:mod:`osiris.core.widening`), which matches wherever the rule does but for one case:
  a line-start alternative, read there as "after a newline", on the block's first line.
  A finding is a rule matching within one line (:func:`~osiris.core.lines.matching_lines`
  checks a match on its line alone), so those alternatives, anchored at ``\A``, are
  scanned over that first line as RE2 reads it: without its newline, its first
  :data:`~osiris.core.lines.MAX_SCANNED_LINE` bytes.

Scanning is linear in the block's length in Hyperscan as in RE2 (automata, no
backtracking), so a user's pattern still cannot stall the archive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import hyperscan

from osiris.core.lines import MAX_SCANNED_LINE, NL
from osiris.core.widening import Widened, widen

if TYPE_CHECKING:
    from osiris.core.rules import Rule

# SINGLEMATCH: one report per rule is enough; ALLOWEMPTY: a pattern such as ``\b`` that
# can match an empty span is no reason to lose the prefilter (RE2 judges the line).
_FLAGS = (
    hyperscan.HS_FLAG_MULTILINE
    | hyperscan.HS_FLAG_PREFILTER
    | hyperscan.HS_FLAG_SINGLEMATCH
    | hyperscan.HS_FLAG_ALLOWEMPTY
)

# Also "matched" by any byte outside ASCII, so the one scan says whether the block is
# ASCII too (a memoryview has no isascii, and the scan reads every byte anyway).
_NOT_ASCII = r"[\x80-\xff]"

BlockTest = Callable[[bytes | memoryview], bool]


def _byte_safe(pattern: str) -> bool:
    """Whether Hyperscan reads ``pattern`` on ASCII text as RE2 does (see above)."""
    # "\\p" (an escaped backslash, then p) also counts: being wrong that way only costs speed.
    return pattern.isascii() and "\\p" not in pattern and "\\P" not in pattern


def _stop(*_: Any) -> bool:
    return True  # the first match settles it: end the scan


def _flags(rule: Rule) -> int:
    return _FLAGS | (hyperscan.HS_FLAG_CASELESS if rule.ignore_case else 0)


def _form(rule: Rule) -> Widened:
    """``rule``'s widened form, or the rule as written where Hyperscan refuses the former.

    Widening can leave a part Hyperscan refuses on its own: ``a|^a\\ba`` is taken, but
    its line-start part ``\\Aa\\ba`` can never match and is refused.
    """
    widened = widen(rule.pattern)
    try:
        for pattern in filter(None, (widened.anywhere, widened.at_start)):
            _database([pattern], [_flags(rule)])
    except hyperscan.error:
        return Widened(rule.pattern, None)
    return widened


def _database(patterns: list[str], flags: list[int]) -> Any:
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=[pattern.encode() for pattern in patterns],
        ids=list(range(len(patterns))),
        elements=len(patterns),
        flags=flags,
    )
    return database


def _first_line(block: bytes | memoryview) -> bytes:
    """The block's first line as findings read it: without its newline, at most
    :data:`~osiris.core.lines.MAX_SCANNED_LINE` bytes. Only its head is copied."""
    size = 1024
    while True:
        head = bytes(block[: min(size, MAX_SCANNED_LINE)])
        end = head.find(NL)
        if end >= 0:
            return head[:end]
        if len(head) == len(block) or len(head) == MAX_SCANNED_LINE:
            return head
        size *= 8


class Prefilter:
    """Hyperscan databases of all rules; :meth:`tester` gives a per-scanner test.

    ``anywhere`` holds every rule in its widened form and the non-ASCII pattern;
    ``at_start``, where some rule has a line-start alternative, those alternatives
    anchored at the first byte, for the block's first line.
    """

    def __init__(self, anywhere: Any, at_start: Any | None) -> None:
        self._anywhere, self._at_start = anywhere, at_start
        self._scratch = hyperscan.Scratch(anywhere)
        self._at_start_scratch = hyperscan.Scratch(at_start) if at_start is not None else None

    @classmethod
    def of(cls, rules: Sequence[Rule]) -> Prefilter | None:
        """The prefilter of ``rules``, or None where Hyperscan cannot take them all."""
        if not rules or not all(_byte_safe(rule.pattern) for rule in rules):
            return None
        forms = [(_form(rule), _flags(rule)) for rule in rules]
        anchored = [(form.at_start, flags) for form, flags in forms if form.at_start]
        try:
            anywhere = _database(
                [*(form.anywhere for form, _ in forms), _NOT_ASCII],
                [*(flags for _, flags in forms), _FLAGS],
            )
            at_start = (
                _database([pattern for pattern, _ in anchored], [flags for _, flags in anchored])
                if anchored
                else None
            )
        except hyperscan.error:
            # A construct Hyperscan cannot read at all (RE2's \pN, (?U), ...), or a CPU
            # it does not support: RE2 alone is exact, just slower.
            return None
        return cls(anywhere, at_start)

    def tester(self) -> BlockTest:
        """``test(block)``: False only if no rule can match in ``block`` (bytes or a view).

        Each tester has its own scratch space (Hyperscan's per-scan state), so scanners
        in different threads never share one.
        """
        anywhere, scratch = self._anywhere, self._scratch.clone()
        at_start = self._at_start
        at_start_scratch = self._at_start_scratch.clone() if self._at_start_scratch else None

        def may_match(block: bytes | memoryview) -> bool:
            try:
                anywhere.scan(block, match_event_handler=_stop, scratch=scratch)
                if at_start is not None:
                    at_start.scan(
                        _first_line(block), match_event_handler=_stop, scratch=at_start_scratch
                    )
            except hyperscan.ScanTerminated:
                return True
            return False

        return may_match
