"""The lookup API's listings and its service routes, over the Flask test client.

Builds newest first, pages, filters, BuildConfigs, namespaces and commits, and what they
cost in S3 calls; problems, methods, health and metrics. On a local-directory bucket.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.core.rfc3339 import format_epoch
from osiris.kinds import KINDS
from tests.lookup.archive_data import (
    BASE_TIME,
    StoredBuild,
    make_log,
    store_build,
    store_index,
)
from tests.lookup.conftest import ValidatingClient

PHASES = ("Complete", "Failed", "Error", "Cancelled")
SHA = "3f786850e387550fdab836ed7e6dc881de23001b"


def seed(store: LocalStore, layout: KeyLayout, count: int = 30) -> list[StoredBuild]:
    """``count`` builds of two BuildConfigs in 'shop', one per minute, mixed phases."""
    builds = []
    for n in range(count):
        bc = "api" if n % 2 == 0 else "web"
        phase = PHASES[n % 3] if n % 7 else "Cancelled"
        build = StoredBuild(
            namespace="shop",
            name=f"{bc}-{n // 2 + 1}",
            created=BASE_TIME + 60 * n,
            phase=phase,
            buildconfig=bc,
            number=n // 2 + 1,
            log=make_log(f"{bc}-{n}") if phase != "Error" else None,
            commit=SHA if n == 4 else None,
        )
        store_build(store, layout, build)
        builds.append(build)
    return builds


def newest_first(builds: list[StoredBuild]) -> list[str]:
    return [b.uid for b in sorted(builds, key=lambda b: -b.created)]


def walk(client: ValidatingClient, url: str) -> tuple[list[dict[str, object]], int]:
    items: list[dict[str, object]] = []
    pages = 0
    token = None
    while True:
        sep = "&" if "?" in url else "?"
        response = client.get(url + (f"{sep}pageToken={token}" if token else ""))
        assert response.status_code == 200, response.json
        pages += 1
        items += response.json["items"]
        token = response.json["nextPageToken"]
        if token is None:
            return items, pages


def test_newest_builds_first_with_every_field_from_the_index(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    builds = seed(local_store, layout)
    response = client.get("/api/v1/namespaces/shop/builds?limit=5")
    assert response.status_code == 200
    items = response.json["items"]
    assert [item["uid"] for item in items] == newest_first(builds)[:5]
    newest = max(builds, key=lambda b: b.created)
    first = items[0]
    assert first["name"] == newest.name and first["buildConfig"] == newest.buildconfig
    assert first["number"] == newest.number and first["phase"] == newest.phase
    assert first["created"] == format_epoch(newest.created)
    assert first["started"] == format_epoch(newest.started)
    assert first["completed"] == format_epoch(newest.completed)
    assert first["durationSeconds"] == 60
    assert first["logBytes"] == (len(newest.log) if newest.log else None)
    assert (
        first["links"]["log"]
        == f"/api/v1/namespaces/shop/builds/{newest.name}/log?uid={newest.uid}"
    )
    assert response.json["nextPageToken"]


def test_pages_cover_every_build_once_in_order(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    builds = seed(local_store, layout)
    items, pages = walk(client, "/api/v1/namespaces/shop/builds?limit=7")
    assert [item["uid"] for item in items] == newest_first(builds)
    assert pages == 5  # 30 builds, 7 a page


@pytest.mark.parametrize("phases", [("Failed",), ("Complete", "Cancelled"), ("Error",)])
def test_phase_filter(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout, phases: tuple[str, ...]
) -> None:
    builds = seed(local_store, layout)
    query = "&".join(f"phase={phase}" for phase in phases)
    items, _ = walk(client, f"/api/v1/namespaces/shop/builds?limit=4&{query}")
    assert [item["uid"] for item in items] == newest_first([b for b in builds if b.phase in phases])


def test_buildconfig_since_and_until_filters(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    builds = seed(local_store, layout)
    since, until = BASE_TIME + 60 * 5, BASE_TIME + 60 * 20
    url = (
        f"/api/v1/namespaces/shop/builds?buildconfig=web&limit=3"
        f"&since={format_epoch(since)}&until={format_epoch(until)}"
    )
    items, _ = walk(client, url)
    expected = [b for b in builds if b.buildconfig == "web" and since <= b.created <= until]
    assert [item["uid"] for item in items] == newest_first(expected)
    assert expected  # the window is not empty, so the test can fail


def test_until_with_an_offset_is_the_same_instant(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    seed(local_store, layout)
    zulu = client.get("/api/v1/namespaces/shop/builds?until=2024-05-01T11:00:00Z").json
    offset = client.get("/api/v1/namespaces/shop/builds?until=2024-05-01T13:00:00%2B02:00").json
    assert zulu["items"] == offset["items"] and len(zulu["items"]) == 21


def test_latest_of_a_buildconfig(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    builds = seed(local_store, layout)
    api = sorted((b for b in builds if b.buildconfig == "api"), key=lambda b: -b.created)
    latest = client.get("/api/v1/namespaces/shop/buildconfigs/api/latest").json
    assert latest["uid"] == api[0].uid
    complete = client.get("/api/v1/namespaces/shop/buildconfigs/api/latest?phase=Complete").json
    assert complete["uid"] == next(b for b in api if b.phase == "Complete").uid
    missing = client.get("/api/v1/namespaces/shop/buildconfigs/nope/latest")
    assert missing.status_code == 404


def test_buildconfigs_are_listed_and_paged(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    seed(local_store, layout)
    assert [
        i["name"] for i in client.get("/api/v1/namespaces/shop/buildconfigs").json["items"]
    ] == [
        "api",
        "web",
    ]
    first = client.get("/api/v1/namespaces/shop/buildconfigs?limit=1").json
    assert [i["name"] for i in first["items"]] == ["api"]
    second = client.get(
        f"/api/v1/namespaces/shop/buildconfigs?limit=1&pageToken={first['nextPageToken']}"
    ).json
    assert [i["name"] for i in second["items"]] == ["web"] and second["nextPageToken"] is None


def test_namespaces(client: ValidatingClient, local_store: LocalStore, layout: KeyLayout) -> None:
    seed(local_store, layout, 3)
    store_build(local_store, layout, StoredBuild("web", "site-1", BASE_TIME, log=b"x\n"))
    body = client.get("/api/v1/namespaces").json
    assert body["cluster"] == "test"
    assert [item["name"] for item in body["items"]] == ["shop", "web"]


def test_commit_search_full_and_prefix(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    builds = seed(local_store, layout, 8)
    other = StoredBuild("web", "site-1", BASE_TIME, log=b"x\n", commit=SHA)
    store_build(local_store, layout, other)
    expected = {b.uid for b in builds if b.commit == SHA} | {other.uid}
    for commit in (SHA, SHA[:7], SHA[:12].upper()):
        body = client.get(f"/api/v1/builds?commit={commit}").json
        assert {item["uid"] for item in body["items"]} == expected
        assert {item["commit"] for item in body["items"]} == {SHA}
    assert client.get("/api/v1/builds?commit=0000000").json["items"] == []


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/namespaces/Shop/builds", 400),
        ("/api/v1/namespaces/a_b/builds", 400),
        ("/api/v1/namespaces/..%2f..%2fetc/builds", 400),  # an encoded slash, before routing
        ("/api/v1/namespaces/shop/builds?limit=0", 400),
        ("/api/v1/namespaces/shop/builds?limit=1001", 400),
        ("/api/v1/namespaces/shop/builds?limit=ten", 400),
        ("/api/v1/namespaces/shop/builds?phase=Running", 400),
        ("/api/v1/namespaces/shop/builds?since=yesterday", 400),
        ("/api/v1/namespaces/shop/builds?since=2024-05-01T10:00:00", 400),
        (
            "/api/v1/namespaces/shop/builds?since=2024-05-02T00:00:00Z&until=2024-05-01T00:00:00Z",
            400,
        ),
        ("/api/v1/namespaces/shop/builds?pageToken=garbage", 400),
        ("/api/v1/namespaces/shop/builds/API_1", 400),
        ("/api/v1/namespaces/shop/builds/api-1?uid=nope", 400),
        ("/api/v1/namespaces/shop/builds/api-1/log?tail=0", 400),
        ("/api/v1/namespaces/shop/builds/api-1/log?download=maybe", 400),
        ("/api/v1/builds", 400),
        ("/api/v1/builds?commit=abc", 400),
        ("/api/v1/builds?commit=zzzzzzzz", 400),
        ("/api/v1/namespaces/nobody/builds", 404),
        ("/api/v1/namespaces/nobody/buildconfigs", 404),
        ("/api/v1/namespaces/shop/builds/nope-1", 404),
        ("/api/v1/namespaces/shop/builds/nope-1/log", 404),
        ("/api/v1/no/such/thing", 404),
    ],
)
def test_errors_are_problems_that_never_echo_the_request(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout, url: str, status: int
) -> None:
    seed(local_store, layout, 3)
    response = client.get(url)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    text = response.get_data(as_text=True)
    for echoed in ("Shop", "a_b", "etc", "yesterday", "garbage", "API_1", "Running", "zzzz"):
        assert echoed not in text
    assert "Traceback" not in text


def test_a_token_of_another_query_is_refused(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    seed(local_store, layout)
    token = client.get("/api/v1/namespaces/shop/builds?limit=2").json["nextPageToken"]
    response = client.get(f"/api/v1/namespaces/shop/builds?limit=2&phase=Failed&pageToken={token}")
    assert response.status_code == 400
    assert "different query" in response.json["detail"]


def test_write_methods_are_refused(client: ValidatingClient) -> None:
    response = client.request("DELETE", "/api/v1/namespaces/shop/builds")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"


def test_s3_calls_per_page_do_not_grow_with_the_bucket(
    make_client: Callable[..., ValidatingClient], tmp_path_factory: pytest.TempPathFactory
) -> None:
    layout = KeyLayout("osiris", "test")
    costs = []
    for count in (60, 2500):
        store = LocalStore(tmp_path_factory.mktemp(f"bucket{count}"))
        for n in range(count):
            build = StoredBuild(
                "shop", f"api-{n + 1}", BASE_TIME + n, buildconfig="api", number=n + 1, log=b"x\n"
            )
            store_index(store, layout, build)
        client = make_client(store=store)
        client.get("/healthz")
        cost = {}
        for name, url in {
            "newest": "/api/v1/namespaces/shop/builds?limit=50",
            "latest": "/api/v1/namespaces/shop/buildconfigs/api/latest",
            "bc": "/api/v1/namespaces/shop/builds?buildconfig=api&limit=50",
            "namespaces": "/api/v1/namespaces",
        }.items():
            response, calls = client.s3_calls(url)
            assert response.status_code == 200
            cost[name] = calls
        token = client.get("/api/v1/namespaces/shop/builds?limit=50").json["nextPageToken"]
        _, cost["next"] = client.s3_calls(
            f"/api/v1/namespaces/shop/builds?limit=50&pageToken={token}"
        )
        costs.append(cost)
    # /namespaces: one delimiter listing per kind of run (Build, TaskRun, PipelineRun).
    expected = {"newest": 1, "latest": 1, "bc": 1, "namespaces": len(KINDS), "next": 1}
    assert costs[0] == costs[1] == expected


def test_phase_filter_pages_are_bounded_even_when_matches_are_rare(
    make_client: Callable[..., ValidatingClient], tmp_path: object, local_store: LocalStore
) -> None:
    layout = KeyLayout("osiris", "test")
    for n in range(9000):
        phase = "Failed" if n == 3 else "Complete"
        store_index(
            local_store, layout, StoredBuild("shop", f"api-{n + 1}", BASE_TIME + n, phase=phase)
        )
    client = make_client()
    url = "/api/v1/namespaces/shop/builds?phase=Failed&limit=10"
    response, calls = client.s3_calls(url)
    assert calls <= 9  # the budget of 8, +1: an empty first page checks the namespace exists
    found = response.json["items"]
    token = response.json["nextPageToken"]
    while token:
        response, calls = client.s3_calls(f"{url}&pageToken={token}")
        assert calls <= 8
        found += response.json["items"]
        token = response.json["nextPageToken"]
    assert [item["name"] for item in found] == ["api-4"]


def test_health_readiness_metrics_and_pages(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    seed(local_store, layout, 2)
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ready"}
    client.get("/api/v1/namespaces/shop/builds")
    client.get("/api/v1/namespaces/shop/builds/nope-1")
    metrics = client.get("/metrics").get_data(as_text=True)
    assert (
        'osiris_lookup_requests_total{route="/api/v1/namespaces/<namespace>/builds",method="GET",code="200"} 1'
        in metrics
    )
    assert 'code="404"} 1' in metrics
    assert 'osiris_lookup_request_duration_seconds_bucket{route="/healthz",le="+Inf"} 1' in metrics
    assert 'osiris_lookup_s3_calls_total{operation="ListObjectsV2",outcome="ok"}' in metrics
    assert "shop" not in metrics.replace("<namespace>", "")
    page = client.get("/api/v1/docs")
    assert page.content_type.startswith("text/html") and b"problem-log-unavailable" in page.data
    assert b"http://" not in page.data.replace(b"https://www.rfc-editor.org", b"")
    spec = json.loads(client.get("/openapi.json").data)
    assert spec["openapi"] == "3.1.0"
