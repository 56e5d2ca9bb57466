"""Several clusters archiving into one bucket: ``/api/v1/clusters`` and ``?cluster=``.

The app serves cluster "test" by default (the ``layout`` fixture); "east" writes into
the same bucket under the same prefix. Every answer is checked against /openapi.json
by the validating client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.lookup.auth import CachedAccessReviewer
from osiris.lookup.kubeaccess import KubeAccessReviewer
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.cluster import SimulatedCluster
from tests.lookup.archive_data import BASE_TIME, StoredBuild, make_log, store_build
from tests.lookup.conftest import ValidatingClient
from tests.lookup.openshift_auth import TOKENS, bearer, connector, policy

SHA = "5d41402abc4b2a76b9719d911017c592ae2b1e3f"
EAST = KeyLayout("osiris", "east")


def shop_build(n: int, *, log: bytes | None = None) -> StoredBuild:
    # The same names in both clusters: only the uids tell them apart.
    return StoredBuild(
        "shop",
        f"api-{n}",
        BASE_TIME + 60 * n,
        buildconfig="api",
        number=n,
        log=log if log is not None else make_log(f"api-{n}"),
        commit=SHA,
    )


@pytest.fixture
def two_clusters(local_store: LocalStore, layout: KeyLayout) -> dict[str, list[StoredBuild]]:
    home = [shop_build(n, log=f"home {n}\n".encode()) for n in (1, 2, 3)]
    east = [shop_build(n, log=f"east {n}\n".encode()) for n in (1, 2)]
    east.append(StoredBuild("ops", "deploy-1", BASE_TIME, buildconfig="deploy", log=b"ops\n"))
    for build in home:
        store_build(local_store, layout, build)
    for build in east:
        store_build(local_store, EAST, build)
    return {"test": home, "east": east}


def uids(builds: list[StoredBuild]) -> list[str]:
    return [b.uid for b in sorted(builds, key=lambda b: -b.created)]


def cluster_of(link: str) -> str | None:
    values = parse_qs(urlsplit(link).query).get("cluster")
    return None if values is None else values[0]


def test_clusters_lists_every_cluster_in_the_bucket_with_one_listing(
    client: ValidatingClient, two_clusters: dict[str, list[StoredBuild]]
) -> None:
    response, calls = client.s3_calls("/api/v1/clusters")
    assert response.status_code == 200 and calls == 1
    body = response.json
    assert body["default"] == "test"
    assert [(item["name"], item["default"]) for item in body["items"]] == [
        ("east", False),
        ("test", True),
    ]
    links = {item["name"]: item["links"]["namespaces"] for item in body["items"]}
    assert links == {"east": "/api/v1/namespaces?cluster=east", "test": "/api/v1/namespaces"}
    east = client.get(links["east"]).json
    assert east["cluster"] == "east" and [i["name"] for i in east["items"]] == ["ops", "shop"]


def test_each_cluster_has_its_own_namespaces_and_builds(
    client: ValidatingClient, two_clusters: dict[str, list[StoredBuild]]
) -> None:
    home = client.get("/api/v1/namespaces").json
    assert home["cluster"] == "test" and [i["name"] for i in home["items"]] == ["shop"]
    assert home["items"][0]["links"]["builds"] == "/api/v1/namespaces/shop/builds"

    east_shop = [b for b in two_clusters["east"] if b.namespace == "shop"]
    for query, expected in (("", two_clusters["test"]), ("?cluster=east", east_shop)):
        listing = client.get(f"/api/v1/namespaces/shop/builds{query}").json
        assert [item["uid"] for item in listing["items"]] == uids(expected)
    # Naming the default cluster explicitly is the same as naming none.
    explicit = client.get("/api/v1/namespaces/shop/builds?cluster=test").json
    assert [item["uid"] for item in explicit["items"]] == uids(two_clusters["test"])

    # "ops" exists only in east.
    assert client.get("/api/v1/namespaces/ops/builds").status_code == 404
    assert client.get("/api/v1/namespaces/ops/builds?cluster=east").status_code == 200
    assert client.get("/api/v1/namespaces/ops/buildconfigs/deploy/latest").status_code == 404

    latest = client.get("/api/v1/namespaces/shop/buildconfigs/api/latest?cluster=east").json
    assert latest["uid"] == uids(east_shop)[0]
    document = client.get("/api/v1/namespaces/shop/builds/api-1?cluster=east").json
    assert document["cluster"] == "east" and document["uid"] == east_shop[0].uid
    log = client.get("/api/v1/namespaces/shop/builds/api-1/log?cluster=east")
    assert log.data == b"east 1\n"
    assert client.get("/api/v1/namespaces/shop/builds/api-1/log").data == b"home 1\n"
    # A build of the default cluster is not found through east, even by its uid.
    home_uid = two_clusters["test"][2].uid
    by_uid = client.get(f"/api/v1/namespaces/shop/builds/api-3/log?uid={home_uid}&cluster=east")
    assert by_uid.status_code == 404

    commit = client.get(f"/api/v1/builds?commit={SHA[:9]}&cluster=east").json
    assert sorted(item["uid"] for item in commit["items"]) == sorted(b.uid for b in east_shop)
    commit_home = client.get(f"/api/v1/builds?commit={SHA}").json
    assert sorted(i["uid"] for i in commit_home["items"]) == sorted(uids(two_clusters["test"]))


def test_links_stay_in_the_cluster_they_came_from(
    client: ValidatingClient, two_clusters: dict[str, list[StoredBuild]]
) -> None:
    east_shop = [b for b in two_clusters["east"] if b.namespace == "shop"]
    namespaces = client.get("/api/v1/namespaces?cluster=east").json["items"]
    shop = next(item for item in namespaces if item["name"] == "shop")
    assert {cluster_of(link) for link in shop["links"].values()} == {"east"}

    builds = client.get(shop["links"]["builds"]).json["items"]
    assert [item["uid"] for item in builds] == uids(east_shop)
    first = builds[-1]
    assert {cluster_of(link) for link in first["links"].values()} == {"east"}
    assert client.get(first["links"]["self"]).json["uid"] == east_shop[0].uid
    assert client.get(first["links"]["log"]).data == b"east 1\n"
    assert client.get(first["links"]["buildConfig"]).json["uid"] == uids(east_shop)[0]

    configs = client.get(shop["links"]["buildConfigs"]).json["items"]
    assert [item["name"] for item in configs] == ["api"]
    assert {cluster_of(link) for link in configs[0]["links"].values()} == {"east"}
    by_config = client.get(configs[0]["links"]["builds"]).json["items"]
    assert [item["uid"] for item in by_config] == uids(east_shop)

    commit = client.get(f"/api/v1/builds?commit={SHA}&cluster=east").json["items"]
    assert {cluster_of(item["links"]["log"]) for item in commit} == {"east"}
    # Answers about the default cluster keep their links without the parameter.
    home = client.get("/api/v1/namespaces/shop/builds").json["items"]
    assert {cluster_of(link) for item in home for link in item["links"].values()} == {None}


@pytest.mark.parametrize(
    "cluster", ["Prod", "a_b", "-east", "east-", "e" * 64, "", "..%2fx", "east%2fshop"]
)
def test_an_invalid_cluster_name_is_400_and_not_echoed(
    client: ValidatingClient, two_clusters: dict[str, list[StoredBuild]], cluster: str
) -> None:
    for path in (
        "/api/v1/namespaces",
        "/api/v1/namespaces/shop/builds",
        "/api/v1/namespaces/shop/builds/api-1",
        "/api/v1/namespaces/shop/builds/api-1/log",
        "/api/v1/namespaces/shop/buildconfigs",
        "/api/v1/namespaces/shop/buildconfigs/api/latest",
        f"/api/v1/builds?commit={SHA}",
    ):
        separator = "&" if "?" in path else "?"
        response = client.get(f"{path}{separator}cluster={cluster}")
        assert response.status_code == 400, (path, cluster)
        assert response.json["detail"] == "cluster must be a DNS-1123 label (a-z, 0-9, '-')"
        if cluster:
            assert cluster not in response.get_data(as_text=True)


def test_cluster_given_twice_is_400(
    client: ValidatingClient, two_clusters: dict[str, list[StoredBuild]]
) -> None:
    response = client.get("/api/v1/namespaces?cluster=east&cluster=test")
    assert response.status_code == 400 and "only once" in response.json["detail"]


def test_an_unknown_cluster_is_empty(
    client: ValidatingClient, two_clusters: dict[str, list[StoredBuild]]
) -> None:
    body = client.get("/api/v1/namespaces?cluster=nowhere").json
    assert body == {"cluster": "nowhere", "items": []}
    assert client.get(f"/api/v1/builds?commit={SHA}&cluster=nowhere").json["items"] == []
    for path in (
        "/api/v1/namespaces/shop/builds",
        "/api/v1/namespaces/shop/buildconfigs",
        "/api/v1/namespaces/shop/buildconfigs/api/latest",
        "/api/v1/namespaces/shop/builds/api-1",
        "/api/v1/namespaces/shop/builds/api-1/log",
    ):
        response = client.get(f"{path}?cluster=nowhere")
        assert response.status_code == 404, path
        assert response.json["type"].endswith("#problem-not-found")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/namespaces/shop/builds?limit=1",
        "/api/v1/namespaces/shop/builds?limit=1&phase=Complete",
        "/api/v1/namespaces/shop/buildconfigs?limit=1",
        f"/api/v1/builds?commit={SHA}&limit=1",
    ],
)
def test_a_page_token_is_refused_in_another_cluster(
    client: ValidatingClient,
    local_store: LocalStore,
    two_clusters: dict[str, list[StoredBuild]],
    path: str,
) -> None:
    # A second BuildConfig in each cluster, so the BuildConfig listing has a next page.
    for layout in (KeyLayout("osiris", "test"), EAST):
        store_build(local_store, layout, StoredBuild("shop", "web-1", BASE_TIME, buildconfig="web"))
    token = client.get(f"{path}&cluster=east").json["nextPageToken"]
    assert token
    assert client.get(f"{path}&cluster=east&pageToken={token}").status_code == 200
    for other in (path, f"{path}&cluster=test"):
        refused = client.get(f"{other}&pageToken={token}")
        assert refused.status_code == 400
        assert "different query" in refused.json["detail"]
    home_token = client.get(path).json["nextPageToken"]
    assert client.get(f"{path}&cluster=east&pageToken={home_token}").status_code == 400


# ----------------------------------------------------------------- AUTH=openshift


@pytest.fixture
def secured(
    make_client: Callable[..., ValidatingClient],
    two_clusters: dict[str, list[StoredBuild]],
    tmp_path: Path,
) -> Iterator[tuple[ValidatingClient, SimulatedApiServer]]:
    with SimulatedApiServer(SimulatedCluster(), tokens=TOKENS, policy=policy(), tls=True) as api:
        reviewer = CachedAccessReviewer(KubeAccessReviewer(connector(api, tmp_path)), 10.0)
        yield make_client(reviewer), api


def test_openshift_auth_serves_only_its_own_cluster(
    secured: tuple[ValidatingClient, SimulatedApiServer],
    two_clusters: dict[str, list[StoredBuild]],
) -> None:
    client, api = secured
    alice = bearer("alice-token")  # may read "shop" in this cluster
    assert client.get("/api/v1/namespaces/shop/builds", headers=alice).status_code == 200
    assert (
        client.get("/api/v1/namespaces/shop/builds?cluster=test", headers=alice).status_code == 200
    )
    reviews_before = len(api.requests)
    for path in (
        "/api/v1/namespaces?cluster=east",
        "/api/v1/namespaces/shop/builds?cluster=east",
        "/api/v1/namespaces/shop/builds/api-1/log?cluster=east",
        "/api/v1/namespaces/shop/buildconfigs/api/latest?cluster=east",
        f"/api/v1/builds?commit={SHA}&cluster=east",
        "/api/v1/namespaces/shop/builds?cluster=nowhere",  # unknown or not: the same answer
    ):
        response = client.get(path, headers=alice)
        assert response.status_code == 403, path
        assert "cluster it runs in" in response.json["detail"]
    # Refused before any namespace is reviewed: the token was already cached.
    assert len(api.requests) == reviews_before

    listed = client.get("/api/v1/clusters", headers=alice).json
    assert listed == {
        "default": "test",
        "items": [{"name": "test", "default": True, "links": {"namespaces": "/api/v1/namespaces"}}],
    }


def test_openshift_auth_order_is_401_then_400_then_403(
    secured: tuple[ValidatingClient, SimulatedApiServer],
) -> None:
    client, _ = secured
    for path in ("/api/v1/clusters", "/api/v1/namespaces?cluster=Bad_Name"):
        assert client.get(path).status_code == 401
    assert (
        client.get("/api/v1/namespaces?cluster=Bad_Name", headers=bearer("bob-token")).status_code
        == 400
    )
    assert (
        client.get("/api/v1/namespaces?cluster=east", headers=bearer("bob-token")).status_code
        == 403
    )
    # bob may read no namespace here, and that says nothing about the cluster list.
    assert [
        i["name"] for i in client.get("/api/v1/clusters", headers=bearer("bob-token")).json["items"]
    ] == ["test"]
