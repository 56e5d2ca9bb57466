"""gzip encoding and multipart upload: exact bytes, determinism, and all-or-nothing."""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
import time
import zlib
from collections.abc import Iterator
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osiris.archive.gzipstream import StreamDigest, gzip_stream
from osiris.archive.multipart import upload_stream
from osiris.buffers import BlockPool


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300_000), st.integers(1, 70_000), st.integers(1, 9), st.integers(1, 3))
def test_gzip_output_is_one_standard_member_of_the_input(
    data: bytes, chunk: int, level: int, workers: int
) -> None:
    digest = StreamDigest()
    out = b"".join(
        gzip_stream(chunked(data, chunk), digest, level=level, workers=workers, block_size=65536)
    )
    assert gzip.decompress(out) == data
    decoder = zlib.decompressobj(31)
    assert decoder.decompress(out) == data and decoder.eof and decoder.unused_data == b""
    assert digest.raw_bytes == len(data)
    assert digest.sha256 == hashlib.sha256(data).hexdigest()
    assert digest.line_count == len(data.split(b"\n")) - (not data or data.endswith(b"\n"))


def test_gzip_output_does_not_depend_on_how_the_source_was_read() -> None:
    data = b"".join(b"step %d: %s\n" % (i, os.urandom(6).hex().encode()) for i in range(100_000))
    outputs = {
        b"".join(gzip_stream(chunked(data, size), StreamDigest()))
        for size in (1, 4096, 1 << 20, len(data))
    }
    assert len(outputs) == 1


def test_taps_see_every_block_and_its_newlines_in_order_beside_the_reading_thread() -> None:
    data = b"".join(b"line %d\n" % i for i in range(200_000))
    seen: list[bytes] = []
    threads: set[str] = set()

    def tap(block: bytes, newlines: int) -> None:
        assert newlines == block.count(b"\n")
        threads.add(threading.current_thread().name)
        seen.append(block)

    out = b"".join(gzip_stream(chunked(data, 7_777), StreamDigest(), block_size=65536, taps=[tap]))
    assert gzip.decompress(out) == data
    assert b"".join(seen) == data and len(seen) == -(-len(data) // 65536)
    assert threads and threading.current_thread().name not in threads


def test_a_failing_tap_ends_the_stream_with_its_error() -> None:
    def tap(block: bytes, newlines: int) -> None:
        if b"line 9000\n" in block:
            raise ValueError("tap failed")

    data = b"".join(b"line %d\n" % i for i in range(200_000))
    with pytest.raises(ValueError, match="tap failed"):
        b"".join(gzip_stream(chunked(data, 65536), StreamDigest(), block_size=4096, taps=[tap]))


def test_blocks_come_back_to_the_pool_and_the_output_stays_exact() -> None:
    block_size = 65536
    data = b"".join(b"line %d %s\n" % (i, os.urandom(8).hex().encode()) for i in range(150_000))
    pool = BlockPool(block_size, keep=10)

    def source() -> Iterator[bytes]:
        # As the cluster adapter reads: into a block from the pool, handed on as is.
        for start in range(0, len(data), block_size):
            piece = data[start : start + block_size]
            block = pool.take() if len(piece) == block_size else bytearray(len(piece))
            block[:] = piece
            yield cast("bytes", block)

    digest = StreamDigest()
    seen: list[bytes] = []

    def slow_tap(block: bytes, newlines: int) -> None:
        time.sleep(0.001)  # the digest's thread lags: a block given back early is caught
        seen.append(bytes(block))

    out = b"".join(
        gzip_stream(source(), digest, block_size=block_size, taps=[slow_tap], recycle=pool.give)
    )
    assert b"".join(seen) == data
    assert gzip.decompress(out) == data
    assert digest.sha256 == hashlib.sha256(data).hexdigest()
    blocks = -(-len(data) // block_size)
    assert blocks > 40 and pool.made <= 4 * 2 + 2  # blocks were read into again, not made
    # ... and the same bytes as without a pool.
    assert out == b"".join(
        gzip_stream(chunked(data, block_size), StreamDigest(), block_size=block_size)
    )


def test_a_pool_keeps_only_its_own_blocks_and_no_more_than_it_may() -> None:
    pool = BlockPool(4, keep=1)
    first, second = pool.take(), pool.take()
    pool.give(b"abcd")  # bytes: not a buffer it can read into
    pool.give(bytearray(3))  # another size
    pool.give(first)
    pool.give(second)  # over keep
    assert pool.take() is first and pool.made == 2
    assert pool.take() is not second and pool.made == 3


class RecordingUpload:
    def __init__(self, fail_on_part: int | None = None) -> None:
        self.parts: dict[int, bytes] = {}
        self.completed = False
        self.aborted = False
        self.fail_on_part = fail_on_part
        self.lock = threading.Lock()

    def upload_part(self, number: int, data: bytes) -> None:
        if number == self.fail_on_part:
            raise ConnectionError("part failed")
        with self.lock:
            self.parts[number] = data

    def complete(self) -> None:
        self.completed = True

    def abort(self) -> None:
        self.aborted = True

    def body(self) -> bytes:
        return b"".join(self.parts[n] for n in sorted(self.parts))


class Uploads:
    """Records what upload_stream did: one whole put, or a multipart upload."""

    def __init__(self, fail_on_part: int | None = None) -> None:
        self.whole: list[bytes] = []
        self.multipart: RecordingUpload | None = None
        self.fail_on_part = fail_on_part

    def put_whole(self, data: bytes) -> None:
        self.whole.append(data)

    def start(self) -> RecordingUpload:
        assert self.multipart is None, "one multipart upload at most"
        self.multipart = RecordingUpload(self.fail_on_part)
        return self.multipart

    def run(self, pieces, part_size: int, concurrency: int = 2) -> int:  # type: ignore[no-untyped-def]
        return upload_stream(
            pieces,
            put_whole=self.put_whole,
            start_multipart=self.start,
            part_size=part_size,
            concurrency=concurrency,
        )


def test_parts_are_at_least_part_size_and_reassemble_in_order() -> None:
    pieces = [os.urandom(1000) for _ in range(250)]
    uploads = Uploads()
    sent = uploads.run(pieces, part_size=10_000, concurrency=3)
    upload = uploads.multipart
    assert upload is not None and upload.completed and not upload.aborted
    assert uploads.whole == []
    assert upload.body() == b"".join(pieces) and sent == 250_000
    sizes = [len(upload.parts[n]) for n in sorted(upload.parts)]
    assert all(size >= 10_000 for size in sizes[:-1])
    assert sorted(upload.parts) == list(range(1, len(sizes) + 1))


@pytest.mark.parametrize("pieces", [[], [b""], [b"abc", b"def"], [b"x" * 9_999]])
def test_a_stream_shorter_than_a_part_is_one_put(pieces: list[bytes]) -> None:
    uploads = Uploads()
    assert uploads.run(pieces, part_size=10_000) == sum(map(len, pieces))
    assert uploads.whole == [b"".join(pieces)] and uploads.multipart is None


def test_a_failing_part_aborts_and_never_completes() -> None:
    uploads = Uploads(fail_on_part=2)
    with pytest.raises(ConnectionError):
        uploads.run([b"x" * 100] * 10, part_size=100)
    assert uploads.multipart is not None
    assert uploads.multipart.aborted and not uploads.multipart.completed
    assert uploads.whole == []


@pytest.mark.parametrize("sent_before_failure", [50, 500])
def test_a_failing_source_publishes_nothing(sent_before_failure: int) -> None:
    def source():  # type: ignore[no-untyped-def]
        yield b"x" * sent_before_failure
        raise TimeoutError("stalled")

    uploads = Uploads()
    with pytest.raises(TimeoutError):
        uploads.run(source(), part_size=100)
    assert uploads.whole == []
    if uploads.multipart is not None:
        assert uploads.multipart.aborted and not uploads.multipart.completed
