"""Restart points: blocks deflated without dictionary, and where they land in the object."""

from __future__ import annotations

import gzip
import zlib

from osiris.archive.gzipstream import StreamDigest, gzip_stream
from osiris.compression import ZLIB
from osiris.core.restarts import (
    FIRST_POINT,
    RestartPoint,
    RestartRecorder,
    decode_points,
    encode_points,
)
from osiris.simulator.buildlogs import LogSpec, read_all


def archive(text: bytes, recorder: RestartRecorder | None, block: int = 4096) -> bytes:
    pieces = [text[n : n + 1000] for n in range(0, len(text), 1000)]
    return b"".join(gzip_stream(pieces, StreamDigest(), block_size=block, restarts=recorder))


def test_each_point_starts_a_raw_inflate_of_the_rest() -> None:
    text = read_all(LogSpec(seed=3, size=200_000))
    recorder = RestartRecorder(interval=16384)
    stored = archive(text, recorder)
    assert gzip.decompress(stored) == text  # still one standard gzip member
    points = recorder.points
    assert [point.raw for point in points] == list(range(16384, len(text), 16384))
    for point in (FIRST_POINT, *points):
        decoder = zlib.decompressobj(-15)
        assert decoder.decompress(stored[point.compressed :]) == text[point.raw :]
        assert decoder.eof and len(decoder.unused_data) == 8  # the trailer


def test_without_a_recorder_the_bytes_are_unchanged() -> None:
    text = read_all(LogSpec(seed=4, size=50_000))
    plain = archive(text, None)
    assert archive(text, RestartRecorder(interval=10**9)) == plain
    assert archive(text, RestartRecorder(interval=8192)) != plain


def test_an_interval_not_a_multiple_of_the_block_restarts_at_the_next_block() -> None:
    text = bytes(range(256)) * 200  # 51,200 bytes
    recorder = RestartRecorder(interval=10_000)
    archive(text, recorder)
    assert [point.raw for point in recorder.points] == [12288, 20480, 32768, 40960]


def test_the_number_of_points_is_bounded_and_the_spacing_doubles() -> None:
    text = read_all(LogSpec(seed=5, size=300_000))
    recorder = RestartRecorder(interval=4096, max_points=8)
    stored = archive(text, recorder)
    points = recorder.points
    assert 4 <= len(points) <= 8
    for point in points:  # every kept point is still a block without dictionary
        assert zlib.decompressobj(-15).decompress(stored[point.compressed :]) == text[point.raw :]


def test_the_document_form_round_trips_and_junk_is_refused() -> None:
    points = (RestartPoint(100, 8192), RestartPoint(200, 16384))
    encoded = encode_points(points)
    assert encoded == [[100, 8192], [200, 16384]]
    assert decode_points(encoded, 20000, 300) == points
    for junk in (None, "x", [[1]], [[200, 16384], [100, 8192]], [[100, True]]):
        assert decode_points(junk, 20000, 300) == ()
    assert decode_points(encoded, 16000, 300) == ()  # beyond the log
    assert decode_points(encoded, 20000, 150) == ()  # beyond the object


def test_restarts_cost_little_compression() -> None:
    # 1 MiB blocks, a restart every 4 MiB (twice the default's): the size barely moves.
    text = read_all(LogSpec(seed=9, size=16 * 1024 * 1024))
    chunks = [text[n : n + 65536] for n in range(0, len(text), 65536)]
    plain = sum(len(p) for p in gzip_stream(chunks, StreamDigest(), deflate=ZLIB))
    restarted = sum(
        len(p)
        for p in gzip_stream(
            chunks, StreamDigest(), deflate=ZLIB, restarts=RestartRecorder(4 * 1024 * 1024)
        )
    )
    assert plain < restarted < plain * 1.01
