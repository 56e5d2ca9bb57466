"""Prefixing lines as ``tkn`` does, whatever the chunk boundaries (pure)."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from osiris.lookup.combined import Section, prefixed, tail_first_line, task_step_prefix


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


def line_count(text: bytes) -> int:
    """As the archive counts a log's lines: a last line without a newline counts too."""
    return text.count(b"\n") + int(bool(text) and not text.endswith(b"\n"))


@given(
    st.lists(
        st.lists(st.sampled_from([b"a", b"\n", b"\r"]), max_size=40).map(b"".join), max_size=5
    ),
    st.integers(1, 200),
)
def test_a_tails_first_line_is_counted_from_the_sections_line_counts(
    texts: list[bytes], count: int
) -> None:
    sections = [Section(b"[s] ", f"k{i}", line_count(t)) for i, t in enumerate(texts)]
    combined = b"".join(reference(text, b"[s] ") for text in texts)
    whole = [line + b"\n" for line in combined.split(b"\n")[:-1]]  # "\r" ends no line
    tail = b"".join(whole[-count:])
    first = tail_first_line(sections, tail)
    assert first == max(len(whole) - count, 0) + 1
    assert b"".join(whole[first - 1 :]) == tail


def test_a_tails_first_line_is_unknown_where_a_section_was_not_counted() -> None:
    sections = [Section(b"[a] ", "a", 3), Section(b"[b] ", "b", None)]
    assert tail_first_line(sections, b"[b] x\n") is None
