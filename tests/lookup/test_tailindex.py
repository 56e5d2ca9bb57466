"""The tail read from restart points equals the last lines of the log, byte for byte."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from osiris.adapters.store import ObjectInfo
from osiris.archive.gzipstream import StreamDigest, gzip_stream
from osiris.core.restarts import RestartRecorder, encode_points
from osiris.lookup.logstream import Tail, tail
from osiris.lookup.tailindex import TailIndex, indexed_tail, tail_index
from tests.lookup.tails import BytesReader, expected

INFO = ObjectInfo("log.gz", 0, "etag", datetime(2026, 1, 1, tzinfo=UTC))


class RangeReader:
    def __init__(self, data: bytes) -> None:
        self.info = INFO
        self._data = io.BytesIO(data)

    def iter_chunks(self, chunk_size: int = 65536) -> Iterator[bytes]:
        while chunk := self._data.read(997):  # odd sizes: the trailer spans chunks
            yield chunk

    def close(self) -> None:
        pass


class Stored:
    """A log archived as the archive does it, and its document section."""

    def __init__(self, text: bytes, interval: int, block: int) -> None:
        recorder = RestartRecorder(interval)
        digest = StreamDigest()
        pieces = [text[n : n + 777] for n in range(0, len(text), 777)] or [b""]
        self.data = b"".join(gzip_stream(pieces, digest, block_size=block, restarts=recorder))
        self.section = {
            "rawBytes": digest.raw_bytes,
            "compressedBytes": len(self.data),
            "lines": digest.line_count,
            "restartPoints": encode_points(recorder.points),
        }
        self.ranges: list[tuple[int, int]] = []

    @property
    def index(self) -> TailIndex:
        index = tail_index(self.section)
        assert index is not None
        return index

    def open_range(self, start: int, end: int) -> RangeReader:
        self.ranges.append((start, end))
        return RangeReader(self.data[start : end + 1])


line = st.one_of(
    st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")),
    st.integers(0, 3000).map(lambda n: b"L" * n),  # longer than blocks and budgets
)


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(line, max_size=60),
    ended=st.booleans(),
    count=st.integers(1, 300),
    budget=st.integers(1, 20_000),
    interval=st.sampled_from([256, 512, 1000, 4096]),
)
def test_the_indexed_tail_is_the_last_lines(
    lines: list[bytes], ended: bool, count: int, budget: int, interval: int
) -> None:
    text = b"\n".join(lines) + (b"\n" if ended and lines else b"")
    stored = Stored(text, interval, block=256)
    want = expected(text, count, budget)
    answer = indexed_tail(stored.open_range, stored.index, count, budget)
    assert answer is not None and answer[0] == want
    # the whole-stream decode (logs archived before restart points) answers the same
    assert tail(BytesReader(stored.data), count, budget) == want  # type: ignore[arg-type]


def test_a_short_tail_reads_only_the_last_piece() -> None:
    text = b"".join(b"line %d\n" % n for n in range(200_000))  # ~2.2 MB
    stored = Stored(text, interval=256 * 1024, block=64 * 1024)
    answer = indexed_tail(stored.open_range, stored.index, 1000)
    assert answer is not None
    assert answer[0] == Tail(b"".join(b"line %d\n" % n for n in range(199_000, 200_000)), 199_001)
    last = stored.index.points[-1]
    assert stored.ranges == [(last.compressed, len(stored.data) - 1)]


def test_a_longer_tail_steps_back_one_point_at_a_time() -> None:
    text = b"".join(b"line %d\n" % n for n in range(200_000))
    stored = Stored(text, interval=256 * 1024, block=64 * 1024)
    answer = indexed_tail(stored.open_range, stored.index, 50_000)
    assert answer is not None and answer[0] == expected(text, 50_000, 8 * 1024 * 1024)
    points = stored.index.points
    # 50,000 lines are ~590 KB: the last piece and two or three before it
    assert 3 <= len(stored.ranges) <= 4
    assert stored.ranges[1] == (points[-2].compressed, points[-1].compressed - 1)


def test_a_50_mb_single_line_tails_to_the_budget() -> None:
    text = b"x" * (50 * 1024 * 1024)
    stored = Stored(text, interval=8 * 1024 * 1024, block=1024 * 1024)
    answer = indexed_tail(stored.open_range, stored.index, 10)
    assert answer is not None
    assert answer[0] == Tail(b"x" * (8 * 1024 * 1024), 1)
    # 50 MiB = 6 pieces of 8 MiB and one of 2: the last two hold the budget's bytes
    assert len(stored.ranges) == 2


def test_an_empty_log() -> None:
    stored = Stored(b"", interval=4096, block=1024)
    answer = indexed_tail(stored.open_range, stored.index, 5)
    assert answer is not None and answer[0] == Tail(b"", 1)


def test_bytes_that_do_not_match_the_points_are_refused() -> None:
    text = b"".join(b"line %d\n" % n for n in range(20_000))
    stored = Stored(text, interval=8192, block=4096)
    other = Stored(text + b"more\n", interval=8192, block=4096)
    stored.data = other.data  # the log of another delivery, the document of this one
    assert indexed_tail(stored.open_range, stored.index, 10) is None
    stored.data = b"\x1f\x8b" + b"\x00" * 5000  # not deflate at all
    assert indexed_tail(stored.open_range, stored.index, 10) is None


def test_a_section_without_points_has_no_index() -> None:
    section = {"rawBytes": 10, "compressedBytes": 30, "lines": 2}
    assert tail_index(section) is None  # archived before restart points
    assert tail_index({**section, "restartPoints": None}) is None
    assert tail_index({**section, "restartPoints": [[5, 5, 5]]}) is None
    assert tail_index({**section, "restartPoints": []}) is not None
