"""Archived builds written into a store exactly as the key layout prescribes.

The order matches the archive function's (log, index entries, ``build.json`` last), and
every key comes from :class:`~osiris.core.keys.KeyLayout`, so the lookup tests read the
layout the writer writes. Tests that need the real writer use the Archiver itself
(see ``test_ceph_end_to_end.py``).
"""

from __future__ import annotations

import gzip
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from osiris.adapters.store import ObjectStore
from osiris.core.keys import BuildRef, IndexEntry, KeyLayout
from osiris.core.rfc3339 import format_epoch

BASE_TIME = 1_714_560_000  # 2024-05-01T10:40:00Z


def make_log(name: str, lines: int = 50) -> bytes:
    return b"".join(f"{name} step {n}: doing work\n".encode() for n in range(1, lines + 1))


@dataclass(frozen=True)
class StoredBuild:
    namespace: str
    name: str
    created: int
    phase: str = "Complete"
    buildconfig: str | None = None
    number: int | None = None
    uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    log: bytes | None = None
    commit: str | None = None
    unavailable_reason: str = "pod gone"
    # The raw size of a log that was streamed rather than held in ``log`` (benchmarks):
    # what the archiver's index entry says, on which the search plans its budget.
    log_size: int | None = None

    @property
    def ref(self) -> BuildRef:
        return BuildRef(self.namespace, self.name, self.uid)

    @property
    def started(self) -> int:
        return self.created + 5

    @property
    def completed(self) -> int:
        return self.created + 65

    def entry(self) -> IndexEntry:
        return IndexEntry(
            created=self.created,
            name=self.name,
            phase=self.phase,
            uid=self.uid,
            number=self.number,
            group=self.buildconfig,
            started=self.started,
            completed=self.completed,
            log_bytes=self.log_bytes,
        )

    @property
    def log_bytes(self) -> int | None:
        if self.log_size is not None:
            return self.log_size
        return None if self.log is None else len(self.log)


def metadata(layout: KeyLayout, build: StoredBuild) -> dict[str, Any]:
    log: dict[str, Any] = {
        "state": "archived" if build.log is not None else "unavailable",
        "reason": None if build.log is not None else build.unavailable_reason,
        "key": layout.log_key(build.ref) if build.log is not None else None,
        "rawBytes": build.log_bytes,
        "compressedBytes": None,
        "lines": None if build.log is None else build.log.count(b"\n"),
        "sha256": None,
        "contentType": "text/plain; charset=utf-8",
        "contentEncoding": "gzip",
    }
    return {
        "schemaVersion": 1,
        "cluster": layout.cluster,
        "namespace": build.namespace,
        "name": build.name,
        "uid": build.uid,
        "resourceVersion": "1",
        "buildConfig": build.buildconfig,
        "number": build.number,
        "phase": build.phase,
        "reason": None,
        "message": None,
        "created": format_epoch(build.created),
        "started": format_epoch(build.started),
        "completed": format_epoch(build.completed),
        "durationSeconds": 60.0,
        "strategy": "Docker",
        "source": {
            "git": None
            if build.commit is None
            else {
                "uri": "https://git.example/app.git",
                "ref": "main",
                "commit": build.commit,
                "author": {"name": "Dev", "email": "dev@example.com"},
                "message": "change",
            },
            "contextDir": None,
        },
        "output": {"imageReference": None, "imageDigest": None},
        "triggeredBy": ["Manually triggered"],
        "labels": {},
        "log": log,
        "archivedAt": format_epoch(build.completed + 1),
        "eventId": str(uuid.uuid4()),
        "eventType": "dev.knative.apiserver.resource.update",
    }


def store_build(store: ObjectStore, layout: KeyLayout, build: StoredBuild) -> None:
    if build.log is not None:
        upload = store.start_upload(
            layout.log_key(build.ref),
            content_type="text/plain; charset=utf-8",
            content_encoding="gzip",
        )
        upload.upload_part(1, gzip.compress(build.log, mtime=0))
        upload.complete()
    store_index(store, layout, build)
    body = json.dumps(metadata(layout, build)).encode()
    store.put(layout.metadata_key(build.ref), body, content_type="application/json")


def store_index(store: ObjectStore, layout: KeyLayout, build: StoredBuild) -> None:
    for key in layout.index_keys(build.namespace, build.entry(), build.commit):
        store.put(key, b"", content_type="application/x-osiris-index")
