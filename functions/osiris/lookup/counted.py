"""The object store as the lookup function uses it: built on first use, every call counted.

Building the S3 client imports boto3 (a quarter of a second); deferring it keeps a
cold start that answers ``/healthz`` or ``/openapi.json`` light. Each call is counted
in the metrics by operation and outcome, which is also how the tests prove the number
of S3 calls per request does not grow with the bucket.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from osiris.adapters.store import ListPage, MultipartUpload, ObjectInfo, ObjectReader, ObjectStore
from osiris.errors import NotFoundError, OsirisError
from osiris.lookup.metrics import Metrics


class CountedStore:
    def __init__(self, build: Callable[[], ObjectStore], metrics: Metrics) -> None:
        self._build = build
        self._store: ObjectStore | None = None
        self._lock = threading.Lock()
        self._metrics = metrics

    @property
    def inner(self) -> ObjectStore:
        with self._lock:
            if self._store is None:
                self._store = self._build()
            return self._store

    @contextmanager
    def _counted(self, operation: str) -> Iterator[None]:
        try:
            yield
        except NotFoundError:
            self._metrics.count_s3_call(operation, "not_found")
            raise
        except OsirisError:
            self._metrics.count_s3_call(operation, "error")
            raise
        self._metrics.count_s3_call(operation, "ok")

    def head(self, key: str) -> ObjectInfo | None:
        with self._counted("HeadObject"):
            return self.inner.head(key)

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        content_encoding: str | None = None,
        if_none_match: bool = False,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        with self._counted("PutObject"):
            self.inner.put(
                key,
                data,
                content_type=content_type,
                content_encoding=content_encoding,
                if_none_match=if_none_match,
                tags=tags,
            )

    def get(self, key: str) -> bytes:
        with self._counted("GetObject"):
            return self.inner.get(key)

    def open(self, key: str, *, byte_range: tuple[int, int] | None = None) -> ObjectReader:
        with self._counted("GetObject"):
            return self.inner.open(key, byte_range=byte_range)

    def list_objects(
        self,
        prefix: str,
        *,
        delimiter: str | None = None,
        start_after: str | None = None,
        continuation: str | None = None,
        max_keys: int = 1000,
    ) -> ListPage:
        with self._counted("ListObjectsV2"):
            return self.inner.list_objects(
                prefix,
                delimiter=delimiter,
                start_after=start_after,
                continuation=continuation,
                max_keys=max_keys,
            )

    def delete(self, keys: list[str]) -> None:
        with self._counted("DeleteObjects"):
            self.inner.delete(keys)

    def start_upload(
        self,
        key: str,
        *,
        content_type: str,
        content_encoding: str | None,
        tags: Mapping[str, str] | None = None,
    ) -> MultipartUpload:
        with self._counted("CreateMultipartUpload"):
            return self.inner.start_upload(
                key, content_type=content_type, content_encoding=content_encoding, tags=tags
            )

    def check(self) -> None:
        with self._counted("HeadBucket"):
            self.inner.check()
