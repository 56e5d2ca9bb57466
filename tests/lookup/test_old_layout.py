"""Build archives written before other kinds existed are served as they are, key for key.

The keys and the document below are spelled out literally, as the release before
TaskRuns wrote them (nine-field entries, no ``ref/`` index, no ``findings``), rather
than built with today's ``KeyLayout``: a change to the layout that moved Builds would
fail here even if writer and reader moved together.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.maintenance.verify import Kind, VerifyOptions, verify
from tests.lookup.conftest import ValidatingClient

UID = "0b6f3c1e-7a52-4c1c-9d3e-8f0b1a2c3d4e"
SHA = "9fceb02d0ae598e95dc970b74767f19372d61af8"
ROOT = "osiris/v1/test/"
ENTRY = f"8236225599_api-12_Complete_12_api_1763774405_1763774460_6_{UID}"
LOG = b"hello\n"
OLD_KEYS = [
    f"index/ns/shop/{ENTRY}",
    f"index/bc/shop/api/{ENTRY}",
    f"index/phase/shop/Complete/{ENTRY}",
    f"index/bc-phase/shop/api/Complete/{ENTRY}",
    f"index/commit/{SHA}/shop/{ENTRY}",
]
DOCUMENT = {
    "schemaVersion": 1,
    "cluster": "test",
    "namespace": "shop",
    "name": "api-12",
    "uid": UID,
    "resourceVersion": "991",
    "buildConfig": "api",
    "number": 12,
    "phase": "Complete",
    "reason": None,
    "message": None,
    "created": "2025-11-22T01:20:00Z",
    "started": "2025-11-22T01:20:05Z",
    "completed": "2025-11-22T01:21:00Z",
    "durationSeconds": 55.0,
    "strategy": "Docker",
    "source": {
        "git": {
            "uri": "https://git.example/shop.git",
            "ref": "main",
            "commit": SHA,
            "author": {"name": "Dev", "email": "dev@example.com"},
            "message": "Fix the cart",
        },
        "contextDir": None,
    },
    "output": {"imageReference": None, "imageDigest": None},
    "triggeredBy": ["Manually triggered"],
    "labels": {},
    "log": {
        "state": "archived",
        "reason": None,
        "key": f"{ROOT}builds/shop/api-12/{UID}/log.gz",
        "rawBytes": 6,
        "compressedBytes": None,
        "lines": 1,
        "sha256": None,
        "contentType": "text/plain; charset=utf-8",
        "contentEncoding": "gzip",
    },
    "archivedAt": "2025-11-22T01:21:01Z",
    "eventId": "e-1",
    "eventType": "dev.knative.apiserver.resource.update",
}


def write_old_archive(store: LocalStore) -> None:
    upload = store.start_upload(
        f"{ROOT}builds/shop/api-12/{UID}/log.gz",
        content_type="text/plain; charset=utf-8",
        content_encoding="gzip",
    )
    upload.upload_part(1, gzip.compress(LOG, mtime=0))
    upload.complete()
    for key in OLD_KEYS:
        store.put(ROOT + key, b"", content_type="application/x-osiris-index")
    store.put(
        f"{ROOT}builds/shop/api-12/{UID}/build.json",
        json.dumps(DOCUMENT).encode(),
        content_type="application/json",
    )


def test_an_old_build_archive_is_listed_and_served(
    client: ValidatingClient, local_store: LocalStore
) -> None:
    write_old_archive(local_store)
    items = client.get("/api/v1/namespaces/shop/builds").get_json()["items"]
    assert [(i["name"], i["uid"], i["number"], i["buildConfig"]) for i in items] == [
        ("api-12", UID, 12, "api")
    ]
    assert client.get("/api/v1/namespaces").get_json()["items"][0]["name"] == "shop"
    document = client.get("/api/v1/namespaces/shop/builds/api-12").get_json()
    assert document["source"]["git"]["commit"] == SHA
    log = client.get("/api/v1/namespaces/shop/builds/api-12/log")
    assert log.status_code == 200 and log.get_data() == LOG
    latest = client.get("/api/v1/namespaces/shop/buildconfigs/api/latest").get_json()
    assert latest["uid"] == UID
    hits = client.get(f"/api/v1/builds?commit={SHA[:8]}").get_json()["items"]
    assert [hit["uid"] for hit in hits] == [UID]


def test_verify_finds_only_the_ref_entry_the_old_layout_never_had_and_repairs_it(
    local_store: LocalStore, layout: KeyLayout
) -> None:
    write_old_archive(local_store)
    later = datetime.now(UTC) + timedelta(days=1)
    report = verify(local_store, layout, VerifyOptions(grace=timedelta(0)), later)
    assert [(f.kind, f.key) for f in report.findings] == [
        (Kind.MISSING_INDEX_ENTRY, f"{ROOT}index/ref/main/shop/{ENTRY}")
    ]
    repaired = verify(local_store, layout, VerifyOptions(grace=timedelta(0), repair=True), later)
    assert repaired.consistent
    again = verify(local_store, layout, VerifyOptions(grace=timedelta(0)), later)
    assert again.findings == [] and again.runs == 1 and again.index_entries == 6
