"""Upload a stream of bytes as one object, all or nothing, in bounded memory.

Like s3transfer: a stream that fits in one part is sent with a single PutObject (most
build logs, compressed, do: one request instead of three); a longer one becomes a
multipart upload with a few parts in flight. Any failure — of a part, of the source
stream, or of the caller — aborts the multipart upload, so no object ever appears for a
stream that did not end cleanly.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from osiris.adapters.store import MultipartUpload


def upload_stream(
    pieces: Iterable[bytes],
    *,
    put_whole: Callable[[bytes], None],
    start_multipart: Callable[[], MultipartUpload],
    part_size: int,
    concurrency: int = 2,
) -> int:
    """Store ``pieces`` as one object and return the number of bytes uploaded.

    At most ``concurrency`` parts are in flight plus one being filled, so memory is
    about ``(concurrency + 1) * part_size`` whatever the length of the stream.
    """
    buffer = _Part()
    iterator = iter(pieces)
    for piece in iterator:
        buffer.add(piece)
        if buffer.size >= part_size:
            return _upload_parts(buffer, iterator, start_multipart(), part_size, concurrency)
    put_whole(_joined(buffer.take()))
    return buffer.uploaded


class _Part:
    """The pieces of the part being filled. They are joined once, by the thread that
    sends the part: growing a bytearray and copying it into bytes wrote every byte
    twice, and a join on the thread reading the log paused the whole pipeline for it
    (8 MiB of fresh pages per part: the mmap threshold is pinned)."""

    def __init__(self) -> None:
        self._pieces: list[bytes] = []
        self.size = 0
        self.uploaded = 0  # bytes of the parts taken so far

    def add(self, piece: bytes) -> None:
        self._pieces.append(piece)
        self.size += len(piece)

    def take(self) -> list[bytes]:
        pieces = self._pieces
        self.uploaded += self.size
        self._pieces, self.size = [], 0
        return pieces


def _joined(pieces: list[bytes]) -> bytes:
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _upload_parts(
    buffer: _Part,
    rest: Iterable[bytes],
    upload: MultipartUpload,
    part_size: int,
    concurrency: int,
) -> int:
    number = 0
    in_flight: deque[Future[None]] = deque()

    def upload_part(number: int, pieces: list[bytes]) -> None:
        data = _joined(pieces)
        pieces.clear()  # the pieces go as soon as they are copied, not after the upload
        upload.upload_part(number, data)

    def send(pieces: list[bytes]) -> None:
        nonlocal number
        number += 1
        if len(in_flight) >= concurrency:
            in_flight.popleft().result()
        in_flight.append(pool.submit(upload_part, number, pieces))

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="part")
    try:
        send(buffer.take())
        for piece in rest:
            buffer.add(piece)
            if buffer.size >= part_size:
                send(buffer.take())
        if buffer.size:
            send(buffer.take())
        while in_flight:
            in_flight.popleft().result()
        upload.complete()
    except BaseException:
        for future in in_flight:
            future.cancel()
        pool.shutdown(wait=True)
        _abort_quietly(upload)
        raise
    finally:
        pool.shutdown(wait=True)
    return buffer.uploaded


def _abort_quietly(upload: MultipartUpload) -> None:
    # The original failure is what matters; a failed abort leaves an incomplete
    # upload that the bucket's AbortIncompleteMultipartUpload rule collects.
    try:
        upload.abort()
    except Exception:  # noqa: BLE001
        return
