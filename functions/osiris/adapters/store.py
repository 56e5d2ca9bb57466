"""The object-store interface both functions are written against.

Two implementations sit behind it: :mod:`osiris.adapters.s3` (Ceph RGW or any S3) and
:mod:`osiris.adapters.localdisk` (a directory with the same key layout, for local runs).
They raise only :mod:`osiris.errors` exceptions: ``NotFoundError``,
``PreconditionFailedError`` and ``StorageUnavailableError``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str
    last_modified: datetime
    content_type: str | None = None
    content_encoding: str | None = None


@dataclass(frozen=True)
class ListPage:
    """One page of a listing, in ascending key order."""

    objects: list[ObjectInfo] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    continuation: str | None = None  # None: nothing after this page


@dataclass(frozen=True)
class UploadInfo:
    """A multipart upload that was started and neither completed nor aborted yet."""

    key: str
    upload_id: str
    initiated: datetime


class ObjectReader(Protocol):
    """A streamed object body; always closed after use."""

    info: ObjectInfo

    def iter_chunks(self, chunk_size: int = 65536) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class MultipartUpload(Protocol):
    """An upload that becomes visible only on :meth:`complete`.

    ``upload_part`` may be called from several threads at once, with part numbers
    from 1 and parts of at least 5 MiB but the last.
    """

    def upload_part(self, number: int, data: bytes) -> None: ...

    def complete(self) -> None: ...

    def abort(self) -> None: ...


class ObjectStore(Protocol):
    def head(self, key: str) -> ObjectInfo | None: ...

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
        """Write a small object; with ``if_none_match`` fail if it already exists.

        ``tags`` become S3 object tags (what lifecycle rules can filter on).
        """

    def get(self, key: str) -> bytes:
        """Read a small object whole."""

    def open(self, key: str, *, byte_range: tuple[int, int] | None = None) -> ObjectReader:
        """Stream an object, or the inclusive byte range of it."""

    def list_objects(
        self,
        prefix: str,
        *,
        delimiter: str | None = None,
        start_after: str | None = None,
        continuation: str | None = None,
        max_keys: int = 1000,
    ) -> ListPage: ...

    def delete(self, keys: list[str]) -> None: ...

    def start_upload(
        self,
        key: str,
        *,
        content_type: str,
        content_encoding: str | None,
        tags: Mapping[str, str] | None = None,
    ) -> MultipartUpload:
        """Start a multipart upload; ``tags`` are on the object once it is complete."""

    def check(self) -> None:
        """Raise ``StorageUnavailableError`` unless the bucket can be reached."""


class MaintainedStore(ObjectStore, Protocol):
    """What the operations commands (``osiris verify``, ``osiris retention``) need beyond
    the functions' interface: the uploads nobody finished, and the tags of an object."""

    def list_uploads(self, prefix: str) -> Iterator[UploadInfo]:
        """Every unfinished multipart upload under ``prefix``, in key order."""

    def abort_upload(self, key: str, upload_id: str) -> None:
        """Abort one unfinished upload; an upload that is already gone is not an error."""

    def get_tags(self, key: str) -> dict[str, str]:
        """The object's tags (empty if it has none); ``NotFoundError`` if it is absent."""
