"""gzip encoding and multipart upload: exact bytes, determinism, and all-or-nothing."""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osiris.archive.gzipstream import StreamDigest, gzip_stream
from osiris.archive.multipart import upload_parts


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


def test_parts_are_at_least_part_size_and_reassemble_in_order() -> None:
    pieces = [os.urandom(1000) for _ in range(250)]
    upload = RecordingUpload()
    sent = upload_parts(pieces, upload, part_size=10_000, concurrency=3)
    assert upload.completed and not upload.aborted
    assert upload.body() == b"".join(pieces) and sent == 250_000
    sizes = [len(upload.parts[n]) for n in sorted(upload.parts)]
    assert all(size >= 10_000 for size in sizes[:-1])
    assert sorted(upload.parts) == list(range(1, len(sizes) + 1))


def test_an_empty_stream_is_one_empty_part() -> None:
    upload = RecordingUpload()
    assert upload_parts([], upload, part_size=10) == 0
    assert upload.parts == {1: b""} and upload.completed


def test_a_failing_part_aborts_and_never_completes() -> None:
    upload = RecordingUpload(fail_on_part=2)
    with pytest.raises(ConnectionError):
        upload_parts([b"x" * 100] * 10, upload, part_size=100)
    assert upload.aborted and not upload.completed


def test_a_failing_source_aborts_and_never_completes() -> None:
    def source():
        yield b"x" * 500
        raise TimeoutError("stalled")

    upload = RecordingUpload()
    with pytest.raises(TimeoutError):
        upload_parts(source(), upload, part_size=100)
    assert upload.aborted and not upload.completed
