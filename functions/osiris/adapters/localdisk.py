"""A local directory that behaves like the bucket: the embedded default for local runs.

Keys map to files below the root; a key never escapes it because every key is built
from validated names, and :func:`_path` refuses anything else anyway. Writes land in a
temporary file and are renamed into place, so readers never see half an object; an
exclusive create uses ``os.link``, which fails if the target exists.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

from osiris.adapters.store import ListPage, ObjectInfo, UploadInfo
from osiris.errors import (
    InvalidKeyError,
    NotFoundError,
    PreconditionFailedError,
    StorageUnavailableError,
)

_UPLOADS = ".uploads"
_ATTRS = ".attrs"
_UPLOAD_KEY = "key"  # in a staging directory: which object the upload is for


class LocalStore:
    def __init__(self, root: Path) -> None:
        self._root = root.resolve()
        try:
            (self._root / _UPLOADS).mkdir(parents=True, exist_ok=True)
            (self._root / _ATTRS).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailableError(f"cannot use directory {self._root}: {exc}") from None

    # -- paths
    def _path(self, key: str) -> Path:
        if not key or key.startswith("/") or ".." in key.split("/") or key.startswith("."):
            raise InvalidKeyError(f"key {key[:200]!r} is not a relative object key")
        return self._root / key

    def _attrs_path(self, key: str) -> Path:
        return self._root / _ATTRS / hashlib.sha256(key.encode()).hexdigest()

    def _attrs(self, key: str) -> dict[str, object]:
        attrs_path = self._attrs_path(key)
        if not attrs_path.exists():
            return {}
        loaded: dict[str, object] = json.loads(attrs_path.read_text())
        return loaded

    def _info(self, key: str, path: Path) -> ObjectInfo:
        stat = path.stat()
        attrs = {name: str(value) for name, value in self._attrs(key).items() if name != "tags"}
        return ObjectInfo(
            key=key,
            size=stat.st_size,
            etag=attrs.get("etag", f"{stat.st_mtime_ns:x}-{stat.st_size:x}"),
            last_modified=datetime.fromtimestamp(stat.st_mtime, UTC),
            content_type=attrs.get("content_type"),
            content_encoding=attrs.get("content_encoding"),
        )

    def _publish(
        self,
        key: str,
        source: Path,
        etag: str,
        content_type: str,
        content_encoding: str | None,
        *,
        exclusive: bool,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        attrs: dict[str, object] = {"etag": etag, "content_type": content_type}
        if content_encoding:
            attrs["content_encoding"] = content_encoding
        if tags:
            attrs["tags"] = dict(tags)
        self._attrs_path(key).write_text(json.dumps(attrs))
        if exclusive:
            try:
                os.link(source, target)
            except FileExistsError:
                raise PreconditionFailedError(f"{key} already exists") from None
            finally:
                source.unlink(missing_ok=True)
        else:
            source.replace(target)

    # -- ObjectStore
    def head(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        if not path.is_file():
            return None
        return self._info(key, path)

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
        fd, tmp = tempfile.mkstemp(dir=self._root / _UPLOADS)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
        self._publish(
            key, Path(tmp), etag, content_type, content_encoding, exclusive=if_none_match, tags=tags
        )

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"{key} does not exist") from None

    def open(self, key: str, *, byte_range: tuple[int, int] | None = None) -> LocalReader:
        path = self._path(key)
        if not path.is_file():
            raise NotFoundError(f"{key} does not exist")
        return LocalReader(self._info(key, path), path, byte_range)

    def list_objects(
        self,
        prefix: str,
        *,
        delimiter: str | None = None,
        start_after: str | None = None,
        continuation: str | None = None,
        max_keys: int = 1000,
    ) -> ListPage:
        after = max(filter(None, (start_after, continuation)), default="")
        objects: list[ObjectInfo] = []
        prefixes: list[str] = []
        last = ""
        for key, is_prefix in sorted(self._walk(prefix, delimiter)):
            if key <= after:
                continue
            if len(objects) + len(prefixes) == max_keys:
                return ListPage(objects, prefixes, last)
            if is_prefix:
                prefixes.append(key)
            else:
                objects.append(self._info(key, self._root / key))
            last = key
        return ListPage(objects, prefixes, None)

    def _walk(self, prefix: str, delimiter: str | None) -> Iterator[tuple[str, bool]]:
        base = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self._root / base if base else self._root
        if not start.is_dir():
            return
        seen: set[str] = set()
        for directory, subdirs, files in os.walk(start):
            rel_dir = os.path.relpath(directory, self._root)
            rel_dir = "" if rel_dir == "." else rel_dir + "/"
            if rel_dir.startswith((_UPLOADS, _ATTRS)):
                subdirs.clear()
                continue
            for name in files:
                key = rel_dir + name
                if not key.startswith(prefix):
                    continue
                if delimiter is not None and delimiter in key[len(prefix) :]:
                    common = key[: key.index(delimiter, len(prefix)) + 1]
                    if common not in seen:
                        seen.add(common)
                        yield common, True
                    continue
                yield key, False

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self._path(key).unlink(missing_ok=True)
            self._attrs_path(key).unlink(missing_ok=True)

    def start_upload(
        self,
        key: str,
        *,
        content_type: str,
        content_encoding: str | None,
        tags: Mapping[str, str] | None = None,
    ) -> LocalUpload:
        self._path(key)
        staging = Path(tempfile.mkdtemp(dir=self._root / _UPLOADS))
        (staging / _UPLOAD_KEY).write_text(key)
        return LocalUpload(self, key, staging, content_type, content_encoding, tags)

    def check(self) -> None:
        if not os.access(self._root, os.W_OK):
            raise StorageUnavailableError(f"directory {self._root} is not writable")

    def incomplete_uploads(self) -> int:
        """How many uploads are neither completed nor aborted (for tests and verify)."""
        return sum(1 for entry in (self._root / _UPLOADS).iterdir() if entry.is_dir())

    # -- maintenance (osiris verify / retention)
    def list_uploads(self, prefix: str) -> Iterator[UploadInfo]:
        found = []
        for staging in (self._root / _UPLOADS).iterdir():
            try:
                key = (staging / _UPLOAD_KEY).read_text()
                initiated = datetime.fromtimestamp(staging.stat().st_mtime, UTC)
            except (NotADirectoryError, FileNotFoundError):
                continue  # a put's temporary file, or an upload that just finished
            if key.startswith(prefix):
                found.append(UploadInfo(key, staging.name, initiated))
        yield from sorted(found, key=lambda upload: (upload.key, upload.upload_id))

    def abort_upload(self, key: str, upload_id: str) -> None:
        staging = self._root / _UPLOADS / upload_id
        if "/" in upload_id or upload_id.startswith("."):
            raise InvalidKeyError(f"{upload_id[:80]!r} is not an upload id")
        shutil.rmtree(staging, ignore_errors=True)

    def get_tags(self, key: str) -> dict[str, str]:
        if not self._path(key).is_file():
            raise NotFoundError(f"{key} does not exist")
        tags = self._attrs(key).get("tags")
        return (
            {str(name): str(value) for name, value in tags.items()}
            if isinstance(tags, dict)
            else {}
        )


class LocalUpload:
    """Parts are files in a staging directory; completing concatenates and renames."""

    def __init__(
        self,
        store: LocalStore,
        key: str,
        staging: Path,
        content_type: str,
        content_encoding: str | None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        self._store = store
        self._key = key
        self._staging = staging
        self._content_type = content_type
        self._content_encoding = content_encoding
        self._tags = dict(tags or {})
        self._lock = threading.Lock()
        self._parts: dict[int, str] = {}

    def upload_part(self, number: int, data: bytes) -> None:
        (self._staging / f"{number:05d}").write_bytes(data)
        with self._lock:
            self._parts[number] = hashlib.md5(data, usedforsecurity=False).hexdigest()

    def complete(self) -> None:
        numbers = sorted(self._parts)
        if numbers != list(range(1, len(numbers) + 1)):
            raise InvalidKeyError(f"upload of {self._key} has missing parts")
        assembled = self._staging / "assembled"
        with assembled.open("wb") as out:
            for number in numbers:
                with (self._staging / f"{number:05d}").open("rb") as part:
                    shutil.copyfileobj(part, out, 1024 * 1024)
        digests = "".join(self._parts[n] for n in numbers).encode()
        etag = f"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-{len(numbers)}"
        self._store._publish(
            self._key,
            assembled,
            etag,
            self._content_type,
            self._content_encoding,
            exclusive=False,
            tags=self._tags,
        )
        shutil.rmtree(self._staging, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self._staging, ignore_errors=True)


class LocalReader:
    def __init__(self, info: ObjectInfo, path: Path, byte_range: tuple[int, int] | None) -> None:
        self.info = info
        self._handle = path.open("rb")
        self._remaining = info.size
        if byte_range is not None:
            start, end = byte_range
            self._handle.seek(start)
            self._remaining = max(0, min(end, info.size - 1) - start + 1)

    def iter_chunks(self, chunk_size: int = 65536) -> Iterator[bytes]:
        while self._remaining > 0:
            chunk = self._handle.read(min(chunk_size, self._remaining))
            if not chunk:
                return
            self._remaining -= len(chunk)
            yield chunk

    def close(self) -> None:
        self._handle.close()
