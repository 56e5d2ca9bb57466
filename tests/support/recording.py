"""An object store wrapper that records every key it is asked about, for tests that
assert what a function reads or writes (and that nothing leaves its bucket prefix)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from osiris.adapters.store import ListPage, MultipartUpload, ObjectInfo, ObjectReader, ObjectStore

WRITES = frozenset({"put", "start_upload", "delete"})


@dataclass(frozen=True)
class Call:
    operation: str  # the ObjectStore method: head, get, open, list_objects, put, ...
    key: str  # the key, or the prefix of a listing
    start_after: str | None = None

    @property
    def writes(self) -> bool:
        return self.operation in WRITES


class RecordingStore:
    """Delegates to ``inner``; ``calls`` lists every call in order (thread-safe)."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self._calls: list[Call] = []

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def writes(self) -> list[Call]:
        return [call for call in self.calls if call.writes]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    def _record(self, operation: str, key: str, start_after: str | None = None) -> None:
        with self._lock:
            self._calls.append(Call(operation, key, start_after))

    def head(self, key: str) -> ObjectInfo | None:
        self._record("head", key)
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
        self._record("put", key)
        self.inner.put(
            key,
            data,
            content_type=content_type,
            content_encoding=content_encoding,
            if_none_match=if_none_match,
            tags=tags,
        )

    def get(self, key: str) -> bytes:
        self._record("get", key)
        return self.inner.get(key)

    def open(self, key: str, *, byte_range: tuple[int, int] | None = None) -> ObjectReader:
        self._record("open", key)
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
        self._record("list_objects", prefix, start_after)
        return self.inner.list_objects(
            prefix,
            delimiter=delimiter,
            start_after=start_after,
            continuation=continuation,
            max_keys=max_keys,
        )

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self._record("delete", key)
        self.inner.delete(keys)

    def start_upload(
        self,
        key: str,
        *,
        content_type: str,
        content_encoding: str | None,
        tags: Mapping[str, str] | None = None,
    ) -> MultipartUpload:
        self._record("start_upload", key)
        return self.inner.start_upload(
            key, content_type=content_type, content_encoding=content_encoding, tags=tags
        )

    def check(self) -> None:
        self._record("check", "")
        self.inner.check()
