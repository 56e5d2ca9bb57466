"""End to end: the archive function's Archiver writes real builds into Ceph (HTTP and
HTTPS), the lookup app built by its entry point serves them over real HTTP, and every
answer is checked against /openapi.json."""

from __future__ import annotations

import gzip

from osiris.adapters.factory import build_store
from osiris.archive.service import Archiver, Decision, StreamSettings
from osiris.config import load_lookup_config
from osiris.core.keys import BuildRef, KeyLayout
from osiris.entrypoints.lookup import build_app
from osiris.simulator.buildlogs import read_all
from osiris.simulator.clock import ManualClock
from osiris.simulator.cluster import SimulatedCluster
from tests.lookup.served_http import Http
from tests.support.events import build_event
from tests.support.inprocess import InProcessBuilds


def test_lookup_serves_what_the_archiver_wrote(environment: dict[str, str], served: Http) -> None:
    config = load_lookup_config(environment)
    store = build_store(config.storage)
    layout = KeyLayout(config.storage.prefix, config.cluster)
    cluster = SimulatedCluster(clock=ManualClock())
    cluster.create_namespace("shop")
    cluster.create_buildconfig("shop", "api", strategy="Docker")
    cluster.create_buildconfig("shop", "web", strategy="Source")
    archiver = Archiver(store, InProcessBuilds(cluster), layout, StreamSettings(5 * 1024 * 1024))
    plan = [
        ("api", "Complete", 6_000_000),
        ("web", "Failed", 200_000),
        ("api", "Error", 0),
        ("api", "Failed", 300_000),
        ("web", "Complete", 100_000),
    ]
    built = []
    for bc, outcome, size in plan:
        cluster.clock.advance(120)  # type: ignore[attr-defined]
        obj = cluster.start_build(
            "shop", bc, outcome=outcome, log_size=max(size, 1), seed=len(built)
        )
        result = archiver.handle(build_event(obj))
        expected = Decision.LOG_UNAVAILABLE if outcome == "Error" else Decision.ARCHIVED
        assert result.decision is expected
        built.append(obj)
    names = [obj["metadata"]["name"] for obj in built]

    listing = served.get("/api/v1/namespaces/shop/builds?limit=3").json()
    assert [item["name"] for item in listing["items"]] == names[::-1][:3]
    rest = served.get(
        f"/api/v1/namespaces/shop/builds?limit=3&pageToken={listing['nextPageToken']}"
    ).json()
    assert [item["name"] for item in rest["items"]] == names[::-1][3:]
    assert rest["nextPageToken"] is None
    failed = served.get("/api/v1/namespaces/shop/builds?phase=Failed").json()
    assert [item["name"] for item in failed["items"]] == [names[3], names[1]]

    latest = served.get("/api/v1/namespaces/shop/buildconfigs/api/latest").json()
    assert latest["name"] == names[3]
    assert (
        served.get("/api/v1/namespaces/shop/buildconfigs/api/latest?phase=Complete").json()["name"]
        == names[0]
    )
    assert [
        i["name"] for i in served.get("/api/v1/namespaces/shop/buildconfigs").json()["items"]
    ] == ["api", "web"]
    assert [i["name"] for i in served.get("/api/v1/namespaces").json()["items"]] == ["shop"]

    first = built[0]
    document = served.get(f"/api/v1/namespaces/shop/builds/{names[0]}").json()
    assert document["uid"] == first["metadata"]["uid"] and document["log"]["state"] == "archived"

    text = read_all(cluster.log_spec("shop", names[0]))
    ref = BuildRef("shop", names[0], first["metadata"]["uid"])
    stored = store.get(layout.log_key(ref))
    zipped = served.get(
        f"/api/v1/namespaces/shop/builds/{names[0]}/log", {"Accept-Encoding": "gzip"}
    )
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.content == stored
    assert gzip.decompress(zipped.content) == text
    plain = served.get(
        f"/api/v1/namespaces/shop/builds/{names[0]}/log", {"Accept-Encoding": "identity"}
    )
    assert plain.content == text
    tail = served.get(
        f"/api/v1/namespaces/shop/builds/{names[0]}/log?tail=5", {"Accept-Encoding": "identity"}
    )
    assert tail.content == b"".join(text.splitlines(keepends=True)[-5:])
    cached = served.get(
        f"/api/v1/namespaces/shop/builds/{names[0]}/log",
        {"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
    )
    assert cached.status_code == 304

    missing = served.get(f"/api/v1/namespaces/shop/builds/{names[2]}/log")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("#problem-log-unavailable") and missing.json()["reason"]

    commit = first["spec"]["revision"]["git"]["commit"]
    found = served.get(f"/api/v1/builds?commit={commit[:7]}").json()
    assert first["metadata"]["uid"] in {item["uid"] for item in found["items"]}
    assert {item["commit"] for item in found["items"]} == {commit}

    assert served.get("/readyz").json() == {"status": "ready"}
    metrics = served.get("/metrics").text
    assert 'osiris_lookup_s3_calls_total{operation="ListObjectsV2",outcome="ok"}' in metrics


def test_unreachable_storage_is_503(environment: dict[str, str]) -> None:
    broken = dict(environment, OSIRIS_S3_ENDPOINT="http://127.0.0.1:9")  # nothing listens there
    broken.pop("OSIRIS_S3_CA_BUNDLE", None)
    client = build_app(broken).test_client()
    for path in ("/readyz", "/api/v1/namespaces", "/api/v1/namespaces/shop/builds"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.content_type == "application/problem+json"
        assert "127.0.0.1" not in response.get_data(as_text=True)
