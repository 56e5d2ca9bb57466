r"""A rule's pattern rewritten for the prefilter: cheaper for Hyperscan, never narrower (pure).

The prefilter (:mod:`osiris.core.prefilter`) only has to say "no rule can match in this
block". Any pattern that matches wherever the rule matches does that job, and two
rewrites make Hyperscan's job much lighter on real build output (measured on the
benchmark's texts, Hyperscan's seconds per GiB: 0.47 → 0.33 of test output, 0.55 → 0.28
of dependency downloads):

- **A line-start anchor becomes a newline.** ``^FAIL\s+\S+\s`` makes Hyperscan confirm
  every ``FAIL`` it sees, inside each ``XFAIL`` too; ``\nFAIL\s+\S+\s`` is one rare
  literal. The two agree wherever the line does not start the block (the newline before
  it is in the block); for the block's first line the same alternative is kept anchored
  with ``\A``, in a second database that Hyperscan gives up on within the first line.
- **A long literal is cut short.** Hyperscan looks a long literal up by its last bytes:
  ``Could not find a version that satisfies the requirement`` cost half the scan of a
  pip log, every ``requirements.txt`` of it a false lead. A prefix of an alternative
  matches wherever the whole does, so an alternative ends after
  :data:`LITERAL_PREFIX` plain characters in a row.

Both hold only for an alternative at the pattern's top level, read exactly: anything
the reader below is unsure of (``\Q…\E``, a flag group such as ``(?i)`` after the
start, a ``{`` that is not a repeat) leaves the pattern as it was, which is always right,
only slower.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LITERAL_PREFIX = 24  # plain characters in a row an alternative keeps

_REPEAT = re.compile(r"\{\d+(?:,\d*)?\}\??")
_FLAGS = re.compile(r"\(\?[imsU-]*\)")
_ESCAPE = re.compile(
    r"\\(?:x\{[0-9A-Fa-f]+\}|x[0-9A-Fa-f]{2}|[0-7]{1,3}|[pP](?:\{[^}]*\}|.)|.)", re.S
)
_PLAIN = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"#%&',-/:;<=>@_`~"
)
# An escaped punctuation character is itself, one plain character too.
_ESCAPED_PLAIN = frozenset("\\" + char for char in ".[](){}*+?^$|\\-/!\"#%&',:;<=>@_`~")


@dataclass(frozen=True)
class Widened:
    anywhere: str  # matches wherever the pattern does, but for its ^ at the block's start
    at_start: str | None  # its line-start alternatives, anchored at the block's start


class _UnsureError(Exception):
    """The reader cannot be sure of a construct: the pattern stays as it is."""


def widen(pattern: str) -> Widened:
    """The prefilter's forms of an RE2 ``pattern`` (compiled with ``(?m)``)."""
    try:
        flags, alternatives = _read(pattern)
    except _UnsureError:
        return Widened(pattern, None)
    anywhere, at_start = [], []
    for pieces in alternatives:
        kept = _literal_prefix(pieces)
        if kept[:1] == ["^"]:
            anywhere.append("\\n" + "".join(kept[1:]))
            at_start.append("\\A" + "".join(kept[1:]))
        else:
            anywhere.append("".join(kept))
    return Widened(flags + "|".join(anywhere), flags + "|".join(at_start) if at_start else None)


def _literal_prefix(pieces: list[str]) -> list[str]:
    run = 0
    for position, piece in enumerate(pieces):
        run = run + 1 if piece in _PLAIN or piece in _ESCAPED_PLAIN else 0
        if run == LITERAL_PREFIX:
            return pieces[: position + 1]
    return pieces


def _read(pattern: str) -> tuple[str, list[list[str]]]:
    """The leading flag groups, and each top-level alternative as its pieces: an atom
    with its repeat, if any (a prefix of whole pieces matches wherever they all do)."""
    flags = ""
    while match := _FLAGS.match(pattern, len(flags)):
        flags += match.group()
    alternatives: list[list[str]] = [[]]
    position = len(flags)
    while position < len(pattern):
        char = pattern[position]
        if char == "|":
            alternatives.append([])
            position += 1
            continue
        end = _atom_end(pattern, position)
        if pattern[position] == "(" and _FLAGS.fullmatch(pattern, position, end):
            raise _UnsureError  # flags from here to the group's end: splitting would drop them
        end = _repeat_end(pattern, end)
        alternatives[-1].append(pattern[position:end])
        position = end
    return flags, alternatives


def _atom_end(pattern: str, position: int) -> int:
    char = pattern[position]
    if char == "\\":
        match = _ESCAPE.match(pattern, position)
        if match is None or match.group() in ("\\Q", "\\E"):
            raise _UnsureError
        return match.end()
    if char == "[":
        return _class_end(pattern, position)
    if char == "(":
        return _group_end(pattern, position)
    if char in "*+?{)":
        raise _UnsureError  # a repeat with nothing to repeat, or a stray ")": RE2 refuses it
    return position + 1


def _repeat_end(pattern: str, position: int) -> int:
    if position < len(pattern) and pattern[position] in "*+?":
        position += 1
        return position + 1 if pattern[position : position + 1] == "?" else position
    if position < len(pattern) and pattern[position] == "{":
        match = _REPEAT.match(pattern, position)
        if match is None:
            raise _UnsureError  # RE2 reads a "{" that is no repeat as itself; not worth guessing
        return match.end()
    return position


def _class_end(pattern: str, position: int) -> int:
    position += 1
    if pattern[position : position + 1] == "^":
        position += 1
    if pattern[position : position + 1] == "]":
        position += 1  # "[]a]": a leading "]" is a member
    while position < len(pattern):
        char = pattern[position]
        if char == "]":
            return position + 1
        if char == "\\":
            match = _ESCAPE.match(pattern, position)
            if match is None:
                raise _UnsureError
            position = match.end()
        elif pattern.startswith("[:", position):
            close = pattern.find(":]", position + 2)
            if close < 0:
                raise _UnsureError
            position = close + 2
        else:
            position += 1
    raise _UnsureError


def _group_end(pattern: str, position: int) -> int:
    depth = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            match = _ESCAPE.match(pattern, position)
            if match is None or match.group() in ("\\Q", "\\E"):
                raise _UnsureError
            position = match.end()
            continue
        if char == "[":
            position = _class_end(pattern, position)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return position + 1
        position += 1
    raise _UnsureError
