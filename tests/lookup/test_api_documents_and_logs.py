"""One archived build over the lookup API: its document, its log, why a log is missing.

Reused names, gzip passed through or decoded, tails, downloads and conditional requests;
over the Flask test client, on a local-directory bucket.
"""

from __future__ import annotations

import gzip

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from tests.lookup.archive_data import BASE_TIME, StoredBuild, make_log, store_build, store_index
from tests.lookup.conftest import ValidatingClient


def test_build_document_and_reused_name(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    old = StoredBuild("shop", "api-1", BASE_TIME, buildconfig="api", number=1, log=b"old\n")
    new = StoredBuild("shop", "api-1", BASE_TIME + 600, buildconfig="api", number=1, log=b"new\n")
    store_build(local_store, layout, old)
    store_build(local_store, layout, new)
    document = client.get("/api/v1/namespaces/shop/builds/api-1").json
    assert document["uid"] == new.uid and document["schemaVersion"] == 1
    by_uid = client.get(f"/api/v1/namespaces/shop/builds/api-1?uid={old.uid}").json
    assert by_uid["uid"] == old.uid
    log = client.get("/api/v1/namespaces/shop/builds/api-1/log")
    assert log.data == b"new\n"
    old_log = client.get(f"/api/v1/namespaces/shop/builds/api-1/log?uid={old.uid}")
    assert old_log.data == b"old\n"


def test_an_entry_without_build_json_is_not_archived_yet(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    pending = StoredBuild("shop", "api-9", BASE_TIME, log=b"x\n")
    store_index(local_store, layout, pending)
    assert client.get("/api/v1/namespaces/shop/builds/api-9").status_code == 404
    assert client.get("/api/v1/namespaces/shop/builds/api-9/log").status_code == 404


def test_log_gzip_passthrough_and_on_the_fly_decoding(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    text = make_log("big", 20_000)
    build = StoredBuild("shop", "api-1", BASE_TIME, log=text)
    store_build(local_store, layout, build)
    stored = local_store.get(layout.log_key(build.ref))
    url = "/api/v1/namespaces/shop/builds/api-1/log"

    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.data == stored  # the stored bytes, untouched
    assert zipped.headers["Content-Length"] == str(len(stored))
    assert gzip.decompress(zipped.data) == text

    for header in ({}, {"Accept-Encoding": "gzip;q=0, identity"}, {"Accept-Encoding": "br"}):
        plain = client.get(url, headers=header)
        assert "Content-Encoding" not in plain.headers
        assert plain.data == text
        assert plain.content_type == "text/plain; charset=utf-8"
    assert zipped.headers["ETag"] != plain.headers["ETag"]


def test_multi_member_gzip_is_decoded_whole(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    build = StoredBuild("shop", "api-1", BASE_TIME, log=b"one\ntwo\n")
    store_build(local_store, layout, build)
    upload = local_store.start_upload(
        layout.log_key(build.ref), content_type="text/plain", content_encoding="gzip"
    )
    upload.upload_part(1, gzip.compress(b"one\n") + gzip.compress(b"two\nthree\n"))
    upload.complete()
    assert client.get("/api/v1/namespaces/shop/builds/api-1/log").data == b"one\ntwo\nthree\n"
    tail = client.get("/api/v1/namespaces/shop/builds/api-1/log?tail=2").data
    assert tail == b"two\nthree\n"


def test_tail_download_and_conditional_requests(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    text = make_log("t", 1000)
    store_build(local_store, layout, StoredBuild("shop", "api-1", BASE_TIME, log=text))
    url = "/api/v1/namespaces/shop/builds/api-1/log"
    tail = client.get(f"{url}?tail=3")
    assert tail.data == b"".join(text.splitlines(keepends=True)[-3:])
    download = client.get(f"{url}?download=1")
    assert download.headers["Content-Disposition"] == 'attachment; filename="shop_api-1.log"'

    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    etag = first.headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    # The decoded representation has another tag: the gzip one does not match it.
    other = client.get(url, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.data == text
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_unavailable_log_is_a_clear_404(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    store_build(
        local_store,
        layout,
        StoredBuild("shop", "api-2", BASE_TIME, phase="Error", unavailable_reason="build pod gone"),
    )
    response = client.get("/api/v1/namespaces/shop/builds/api-2/log")
    assert response.status_code == 404
    problem = response.json
    assert problem["type"].endswith("#problem-log-unavailable")
    assert problem["reason"] == "build pod gone"
    assert "build pod gone" in problem["detail"]


def test_log_by_uid_is_one_get_and_still_explains_a_missing_log(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    good = StoredBuild("shop", "api-1", BASE_TIME, log=b"ok\n")
    broken = StoredBuild("shop", "api-2", BASE_TIME + 1, phase="Error", unavailable_reason="no pod")
    store_build(local_store, layout, good)
    store_build(local_store, layout, broken)
    response, calls = client.s3_calls(f"/api/v1/namespaces/shop/builds/api-1/log?uid={good.uid}")
    assert response.data == b"ok\n" and calls == 1
    missing = client.get(f"/api/v1/namespaces/shop/builds/api-2/log?uid={broken.uid}")
    assert missing.status_code == 404 and missing.json["reason"] == "no pod"
    unknown = client.get(f"/api/v1/namespaces/shop/builds/api-1/log?uid={broken.uid}")
    assert unknown.status_code == 404 and unknown.json["type"].endswith("#problem-not-found")
