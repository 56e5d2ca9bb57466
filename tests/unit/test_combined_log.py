"""Prefixing lines as ``tkn`` does, whatever the chunk boundaries (pure)."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from osiris.lookup.combined import prefixed, task_step_prefix


def reference(text: bytes, prefix: bytes) -> bytes:
    if not text:
        return b""
    lines = text.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return b"".join(prefix + line + b"\n" for line in lines)


@given(
    st.lists(st.sampled_from([b"a", b"b", b"\n", b"\r", b"\x00", b"\x1b"]), max_size=300).map(
        b"".join
    ),
    st.lists(st.integers(0, 300), max_size=8),
)
def test_any_chunking_gives_the_same_prefixed_text(text: bytes, cuts: list[int]) -> None:
    points = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    chunks = [text[a:b] for a, b in itertools.pairwise(points)]
    assert b"".join(prefixed(chunks, b"[s] ")) == reference(text, b"[s] ")


def test_a_last_line_without_newline_gets_one_and_empty_sections_nothing() -> None:
    prefix = task_step_prefix("build", "push")
    assert prefix == b"[build : push] "
    assert b"".join(prefixed([b"a\nb"], prefix)) == b"[build : push] a\n[build : push] b\n"
    assert b"".join(prefixed([b"", b""], prefix)) == b""
    assert b"".join(prefixed([b"\n\n"], prefix)) == prefix + b"\n" + prefix + b"\n"


def test_a_long_line_is_never_held_whole() -> None:
    pieces = list(prefixed((b"x" * 1024 for _ in range(1000)), b"[s] "))
    assert max(len(piece) for piece in pieces) <= 1024 + 4
    assert sum(len(piece) for piece in pieces) == 1024 * 1000 + 4 + 1
