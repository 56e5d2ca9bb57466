"""Upload a stream of bytes as S3 multipart parts, a few at a time, all or nothing.

Like s3transfer, any failure — of a part, of the source stream, or of the caller —
aborts the upload, so no object ever appears for a stream that did not end cleanly.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from osiris.adapters.store import MultipartUpload


def upload_parts(
    pieces: Iterable[bytes],
    upload: MultipartUpload,
    *,
    part_size: int,
    concurrency: int = 2,
) -> int:
    """Send ``pieces`` as parts of ``part_size`` bytes or more and complete the upload.

    Returns the number of bytes uploaded. At most ``concurrency`` parts are in flight
    plus one being filled, so memory is about ``(concurrency + 1) * part_size``.
    """
    uploaded = 0
    number = 0
    buffer = bytearray()
    in_flight: deque[Future[None]] = deque()

    def send(data: bytes) -> None:
        nonlocal number, uploaded
        number += 1
        uploaded += len(data)
        if len(in_flight) >= concurrency:
            in_flight.popleft().result()
        in_flight.append(pool.submit(upload.upload_part, number, data))

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="part")
    try:
        for piece in pieces:
            buffer += piece
            if len(buffer) >= part_size:
                send(bytes(buffer))
                buffer.clear()
        if buffer or number == 0:
            send(bytes(buffer))
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
    return uploaded


def _abort_quietly(upload: MultipartUpload) -> None:
    # The original failure is what matters; a failed abort leaves an incomplete
    # upload that the bucket's AbortIncompleteMultipartUpload rule collects.
    try:
        upload.abort()
    except Exception:  # noqa: BLE001
        return
