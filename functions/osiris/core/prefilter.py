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
  RE2's ``(?m)``), so a match RE2 finds in the block is a match Hyperscan finds in it.

Scanning is linear in the block's length in Hyperscan as in RE2 (automata, no
backtracking), so a user's pattern still cannot stall the archive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import hyperscan

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
_NOT_ASCII = rb"[\x80-\xff]"

BlockTest = Callable[[bytes | memoryview], bool]


def _byte_safe(pattern: str) -> bool:
    """Whether Hyperscan reads ``pattern`` on ASCII text as RE2 does (see above)."""
    # "\\p" (an escaped backslash, then p) also counts: being wrong that way only costs speed.
    return pattern.isascii() and "\\p" not in pattern and "\\P" not in pattern


def _stop(*_: Any) -> bool:
    return True  # the first match settles it: end the scan


class Prefilter:
    """One Hyperscan database of all rules; :meth:`tester` gives a per-scanner test."""

    def __init__(self, database: Any) -> None:
        self._database = database
        self._scratch = hyperscan.Scratch(database)

    @classmethod
    def of(cls, rules: Sequence[Rule]) -> Prefilter | None:
        """The prefilter of ``rules``, or None where Hyperscan cannot take them all."""
        if not rules or not all(_byte_safe(rule.pattern) for rule in rules):
            return None
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        try:
            database.compile(
                expressions=[*(rule.pattern.encode() for rule in rules), _NOT_ASCII],
                ids=list(range(len(rules) + 1)),
                elements=len(rules) + 1,
                flags=[
                    *(
                        _FLAGS | (hyperscan.HS_FLAG_CASELESS if rule.ignore_case else 0)
                        for rule in rules
                    ),
                    _FLAGS,
                ],
            )
            return cls(database)
        except hyperscan.error:
            # A construct Hyperscan cannot read at all (RE2's \pN, (?U), ...), or a CPU
            # it does not support: RE2 alone is exact, just slower.
            return None

    def tester(self) -> BlockTest:
        """``test(block)``: False only if no rule can match in ``block`` (bytes or a view).

        Each tester has its own scratch space (Hyperscan's per-scan state), so scanners
        in different threads never share one.
        """
        database, scratch = self._database, self._scratch.clone()

        def may_match(block: bytes | memoryview) -> bool:
            try:
                database.scan(block, match_event_handler=_stop, scratch=scratch)
            except hyperscan.ScanTerminated:
                return True
            return False

        return may_match
