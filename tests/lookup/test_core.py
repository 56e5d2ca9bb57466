"""Pure parts of the lookup: the merge of index listings, page tokens, time, encodings."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from osiris.adapters.store import ListPage, ObjectInfo
from osiris.core.listing import Decision, page_through
from osiris.core.pagetoken import decode_token, encode_token
from osiris.core.rfc3339 import format_epoch, parse_timestamp
from osiris.errors import InvalidNameError
from osiris.lookup.logstream import Tail, accepts_gzip, last_lines, tail
from tests.lookup.tails import BytesReader

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


class ShortPagingLister:
    """Sorted keys per prefix, served like RGW may: pages shorter than asked for."""

    def __init__(self, keys: list[str], short_by: int = 0) -> None:
        self.keys = sorted(keys)
        self.short_by = short_by
        self.calls = 0

    def __call__(
        self, prefix: str, *, start_after: str | None, continuation: str | None, max_keys: int
    ) -> ListPage:
        self.calls += 1
        after = continuation or start_after or ""
        matching = [k for k in self.keys if k.startswith(prefix) and k > after]
        size = max(1, max_keys - self.short_by)
        page = matching[:size]
        objects = [ObjectInfo(k, 0, "", EPOCH) for k in page]
        more = len(matching) > size
        return ListPage(objects, [], page[-1] if more and page else None)


def take(tail: str) -> tuple[Decision, str | None]:
    return Decision.TAKE, tail


@given(
    a=st.sets(st.integers(0, 999), max_size=60),
    b=st.sets(st.integers(0, 999), max_size=60),
    limit=st.integers(1, 25),
    short_by=st.integers(0, 3),
)
def test_merged_pages_are_the_sorted_union_without_loss_or_repeat(
    a: set[int], b: set[int], limit: int, short_by: int
) -> None:
    b = b - a  # an entry lives in one stream (one phase)
    keys = [f"A/{n:04d}" for n in a] + [f"B/{n:04d}" for n in b]
    lister = ShortPagingLister(keys, short_by)
    seen: list[str] = []
    position = None
    for _ in range(500):
        page = page_through(
            ["A/", "B/"], lister, take, limit=limit, start_after=position, fetch_size=limit + 1
        )
        assert page.calls <= 8
        seen += page.items
        if not page.more:
            break
        position = page.position
    assert seen == sorted(f"{n:04d}" for n in a | b)


def test_a_page_stops_at_its_budget_and_continues_from_its_position() -> None:
    lister = ShortPagingLister([f"A/{n:05d}" for n in range(20_000)])

    def rare(tail: str) -> tuple[Decision, str | None]:
        return (Decision.TAKE, tail) if tail == "15000" else (Decision.SKIP, None)

    page = page_through(["A/"], lister, rare, limit=10, call_budget=8)
    assert page.items == [] and page.more and page.calls == 8
    page = page_through(["A/"], lister, rare, limit=10, start_after=page.position)
    assert page.items == ["15000"]


def test_stop_ends_only_its_stream() -> None:
    lister = ShortPagingLister(["A/1", "A/2", "A/3", "B/1", "B/4"])

    def decide(tail: str) -> tuple[Decision, str | None]:
        return (Decision.STOP, None) if tail == "2" else (Decision.TAKE, tail)

    page = page_through(["A/", "B/"], lister, decide, limit=10)
    assert page.items == ["1", "1", "4"] and not page.more


def test_tokens_round_trip_and_refuse_forgeries() -> None:
    token = encode_token("9999_api-1_Complete", "f1")
    assert decode_token(token, "f1") == "9999_api-1_Complete"
    with pytest.raises(InvalidNameError, match="different query"):
        decode_token(token, "f2")
    for forged in (
        "",
        "%%%",
        encode_token("../../x", "f1"),
        encode_token("/abs", "f1"),
        "x" * 3000,
    ):
        with pytest.raises(InvalidNameError):
            decode_token(forged, "f1")


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("2024-05-01T12:00:00Z", 1714564800),
        ("2024-05-01t12:00:00z", 1714564800),
        ("2024-05-01T14:00:00+02:00", 1714564800),
        ("2024-05-01T12:00:00.999Z", 1714564800),
    ],
)
def test_rfc3339(text: str, epoch: int) -> None:
    assert parse_timestamp(text, "since") == epoch
    assert format_epoch(epoch) == "2024-05-01T12:00:00Z"


@pytest.mark.parametrize(
    "text", ["2024-05-01", "2024-05-01T12:00:00", "1714564800", "1960-01-01T00:00:00Z", "now"]
)
def test_rfc3339_rejects(text: str) -> None:
    with pytest.raises(InvalidNameError):
        parse_timestamp(text, "since")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("gzip", True),
        ("br, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("GZIP", True),
        ("*", True),
        ("*;q=0", False),
        ("identity", False),
        ("gzip;q=0, *", False),
        ("x-gzip", True),
    ],
)
def test_accept_encoding(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def test_tail_keeps_a_bounded_window() -> None:
    text = b"".join(f"line {n}\n".encode() for n in range(10_000)) + b"last without newline"
    reader = BytesReader(gzip.compress(text))
    assert last_lines(reader, 3) == b"line 9998\nline 9999\nlast without newline"  # type: ignore[arg-type]
    assert reader.closed
    budgeted = last_lines(BytesReader(gzip.compress(text)), 1000, budget=100)  # type: ignore[arg-type]
    assert len(budgeted) <= 100 and budgeted.endswith(b"last without newline")


def test_tail_numbers_its_first_line() -> None:
    # 10,000 lines "line 0".."line 9999" are lines 1..10000; the unterminated one is 10001.
    text = b"".join(f"line {n}\n".encode() for n in range(10_000)) + b"last without newline"
    assert tail(BytesReader(gzip.compress(text)), 3) == Tail(  # type: ignore[arg-type]
        b"line 9998\nline 9999\nlast without newline", 9999
    )
    ended = b"".join(f"line {n}\n".encode() for n in range(1, 11))
    assert tail(BytesReader(gzip.compress(ended)), 4).first_line == 7  # type: ignore[arg-type]
    assert tail(BytesReader(gzip.compress(ended)), 50) == Tail(ended, 1)  # type: ignore[arg-type]
    budgeted = tail(BytesReader(gzip.compress(ended)), 10, budget=20)  # type: ignore[arg-type]
    assert budgeted == Tail(b"line 9\nline 10\n", 9)
    assert tail(BytesReader(gzip.compress(b"")), 5) == Tail(b"", 1)  # type: ignore[arg-type]


def test_sweep_status_becomes_gauges_and_ignores_junk() -> None:
    from osiris.lookup.metrics import render_sweep_status

    text = render_sweep_status(
        {
            "finishedAt": "2026-11-22T04:00:00Z",
            "found": 7,
            "archived": 2,
            "failed": True,  # not a count: left out
            "deferred": "3",  # not a count: left out
            "namespace_failures": {"a": "down", "b": "down"},
            "namespaces_pending": 4,
        }
    )
    assert 'osiris_sweep_builds{result="found"} 7' in text
    assert 'osiris_sweep_builds{result="archived"} 2' in text
    assert 'result="failed"' not in text and 'result="deferred"' not in text
    assert "osiris_sweep_namespace_failures 2" in text
    assert "osiris_sweep_namespaces_pending 4" in text
    assert "osiris_sweep_last_run_timestamp_seconds 1795320000" in text
    assert "last_run_timestamp" not in render_sweep_status({"finishedAt": "soon"})
