"""One contract, two stores: the local directory must behave like the S3 bucket (real Ceph)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from osiris.adapters.localdisk import LocalStore
from osiris.adapters.s3 import S3Store
from osiris.adapters.store import ObjectStore
from osiris.errors import NotFoundError, PreconditionFailedError, StorageUnavailableError
from tests.support.s3 import S3Target, create_bucket, empty_and_delete_bucket, unique_bucket_name

MiB = 1024 * 1024


@pytest.fixture(params=["local", "s3-http", "s3-https"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    if request.param == "local":
        yield LocalStore(tmp_path / "store")
        return
    targets: list[S3Target] = request.getfixturevalue("s3_targets")
    wanted = "ceph-" + request.param.removeprefix("s3-")
    target = next((t for t in targets if t.name == wanted), targets[0])  # or the external S3
    client = target.client()
    name = unique_bucket_name("contract")
    create_bucket(client, name, target.region)
    yield S3Store(client, name)
    empty_and_delete_bucket(client, name)


def collect(store: ObjectStore, prefix: str, **kwargs: object) -> tuple[list[str], list[str], int]:
    keys: list[str] = []
    prefixes: list[str] = []
    pages = 0
    token = None
    while True:
        page = store.list_objects(prefix, continuation=token, **kwargs)  # type: ignore[arg-type]
        pages += 1
        keys += [o.key for o in page.objects]
        prefixes += page.prefixes
        token = page.continuation
        if token is None:
            return keys, prefixes, pages


def test_put_head_get_and_exclusive_create(store: ObjectStore) -> None:
    assert store.head("a/b.json") is None
    store.put("a/b.json", b'{"x": 1}', content_type="application/json")
    info = store.head("a/b.json")
    assert info is not None and info.size == 8
    assert store.get("a/b.json") == b'{"x": 1}'
    with pytest.raises(PreconditionFailedError):
        store.put("a/b.json", b"other", content_type="application/json", if_none_match=True)
    assert store.get("a/b.json") == b'{"x": 1}'
    store.put("a/c.json", b"new", content_type="application/json", if_none_match=True)
    with pytest.raises(NotFoundError):
        store.get("a/missing")
    with pytest.raises(NotFoundError):
        store.open("a/missing")


def test_listing_is_sorted_paged_and_delimited(store: ObjectStore) -> None:
    names = ["p/x/2", "p/x/1", "p/y/1", "p/a", "p/b", "q/z"]
    for name in names:
        store.put(name, b"", content_type="application/octet-stream")
    keys, prefixes, pages = collect(store, "p/", max_keys=2)
    assert keys == sorted(n for n in names if n.startswith("p/")) and pages >= 3
    keys, prefixes, _ = collect(store, "p/", delimiter="/")
    assert keys == ["p/a", "p/b"] and prefixes == ["p/x/", "p/y/"]
    after = store.list_objects("p/", start_after="p/b")
    assert [o.key for o in after.objects] == ["p/x/1", "p/x/2", "p/y/1"]
    store.delete(["p/a", "p/x/1", "p/never"])
    assert collect(store, "p/")[0] == ["p/b", "p/x/2", "p/y/1"]


def test_multipart_is_invisible_until_complete_and_gone_after_abort(store: ObjectStore) -> None:
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), b"tail"]
    upload = store.start_upload(
        "logs/a.gz", content_type="text/plain; charset=utf-8", content_encoding="gzip"
    )
    for number, part in enumerate(parts, start=1):
        upload.upload_part(number, part)
    assert store.head("logs/a.gz") is None
    upload.complete()
    info = store.head("logs/a.gz")
    assert info is not None and info.size == sum(map(len, parts))
    assert info.content_encoding == "gzip" and info.content_type == "text/plain; charset=utf-8"
    reader = store.open("logs/a.gz", byte_range=(5 * MiB - 2, 5 * MiB + 1))
    assert b"".join(reader.iter_chunks(3)) == parts[0][-2:] + parts[1][:2]
    reader.close()

    aborted = store.start_upload("logs/b.gz", content_type="text/plain", content_encoding=None)
    aborted.upload_part(1, b"x" * 100)
    aborted.abort()
    assert store.head("logs/b.gz") is None


def test_an_unreachable_s3_is_a_retryable_error() -> None:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="a",
        aws_secret_access_key="b",
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    store = S3Store(client, "bucket")
    with pytest.raises(StorageUnavailableError) as failure:
        store.head("x")
    assert failure.value.retryable
    with pytest.raises(StorageUnavailableError):
        store.check()
