"""AUTH=openshift: TokenReview + SubjectAccessReview against the simulated API server
(real HTTP, TLS with its CA), and the decision cache with an injected clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.errors import AuthenticationError, ClusterUnavailableError
from osiris.lookup.auth import CachedAccessReviewer, User, bearer_token
from osiris.lookup.kubeaccess import KubeAccessReviewer
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.auth import AccessPolicy
from osiris.simulator.cluster import SimulatedCluster
from tests.lookup.archive_data import BASE_TIME, StoredBuild, store_build
from tests.lookup.conftest import ValidatingClient
from tests.lookup.openshift_auth import TOKENS, bearer, connector, policy

SHA = "9c1185a5c5e9fc54612808977ee8f548b2258d31"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[SimulatedApiServer]:
    with SimulatedApiServer(SimulatedCluster(), tokens=TOKENS, policy=policy(), tls=True) as api:
        yield api


@pytest.fixture
def secured(
    server: SimulatedApiServer,
    make_client: Callable[..., ValidatingClient],
    local_store: LocalStore,
    layout: KeyLayout,
    tmp_path: Path,
) -> tuple[ValidatingClient, Clock]:
    for namespace in ("shop", "web", "secret"):
        store_build(
            local_store,
            layout,
            StoredBuild(namespace, "app-1", BASE_TIME, buildconfig="app", log=b"hi\n", commit=SHA),
        )
    clock = Clock()
    reviewer = CachedAccessReviewer(
        KubeAccessReviewer(connector(server, tmp_path)), 10.0, clock=clock
    )
    return make_client(reviewer), clock


def test_allowed_user_reads_builds_and_logs(secured: tuple[ValidatingClient, Clock]) -> None:
    client, _ = secured
    builds = client.get("/api/v1/namespaces/shop/builds", headers=bearer("alice-token"))
    assert builds.status_code == 200 and len(builds.json["items"]) == 1
    log = client.get("/api/v1/namespaces/shop/builds/app-1/log", headers=bearer("alice-token"))
    assert log.status_code == 200 and log.data == b"hi\n"
    # Through her group as well.
    assert (
        client.get("/api/v1/namespaces/web/builds", headers=bearer("alice-token")).status_code
        == 200
    )


def test_denied_user_gets_403_everywhere_in_that_namespace(
    secured: tuple[ValidatingClient, Clock],
) -> None:
    client, _ = secured
    for path in (
        "/api/v1/namespaces/secret/builds",
        "/api/v1/namespaces/secret/builds/app-1",
        "/api/v1/namespaces/secret/builds/app-1/log",
        "/api/v1/namespaces/secret/buildconfigs/app/latest",
        "/api/v1/namespaces/unknown/builds",  # no hint whether it exists
    ):
        response = client.get(path, headers=bearer("alice-token"))
        assert response.status_code == 403, path
        assert response.json["type"].endswith("#problem-forbidden")


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("stolen"), {"Authorization": "Basic YWxpY2U6cHc="}, {"Authorization": "Bearer "}],
)
def test_missing_or_invalid_token_gets_401(
    secured: tuple[ValidatingClient, Clock], headers: dict[str, str]
) -> None:
    client, _ = secured
    response = client.get("/api/v1/namespaces/shop/builds", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "stolen" not in response.get_data(as_text=True)


def test_namespaces_and_commit_search_show_only_permitted(
    secured: tuple[ValidatingClient, Clock],
) -> None:
    client, _ = secured
    alice = client.get("/api/v1/namespaces", headers=bearer("alice-token")).json
    assert [item["name"] for item in alice["items"]] == ["shop", "web"]
    bob = client.get("/api/v1/namespaces", headers=bearer("bob-token")).json
    assert bob["items"] == []
    found = client.get(f"/api/v1/builds?commit={SHA[:8]}", headers=bearer("alice-token")).json
    assert sorted(item["namespace"] for item in found["items"]) == ["shop", "web"]
    assert (
        client.get(f"/api/v1/builds?commit={SHA}", headers=bearer("bob-token")).json["items"] == []
    )


@pytest.mark.parametrize("mode", ["refuse", "unavailable"])
def test_api_down_is_503_never_an_open_door(
    secured: tuple[ValidatingClient, Clock], server: SimulatedApiServer, mode: str
) -> None:
    client, _ = secured
    # Down before the first review: the function's connection pool is fresh. (The
    # simulator's "refuse" stops listening but still serves established keep-alive
    # connections, which a real outage would not.)
    server.set_down(mode)  # type: ignore[arg-type]
    for token in ("alice-token", "bob-token", "stolen"):
        response = client.get("/api/v1/namespaces/shop/builds", headers=bearer(token))
        assert response.status_code == 503, token
        assert response.json["type"].endswith("#problem-cluster-unavailable")
        assert response.headers["Retry-After"]
    assert client.get("/api/v1/namespaces", headers=bearer("alice-token")).status_code == 503
    server.set_down(None)
    ok = client.get("/api/v1/namespaces/shop/builds", headers=bearer("alice-token"))
    assert ok.status_code == 200


def test_decisions_are_cached_for_the_ttl(
    secured: tuple[ValidatingClient, Clock], server: SimulatedApiServer
) -> None:
    client, clock = secured

    def reviews() -> int:
        return sum(
            1 for r in server.requests if r.path.endswith(("tokenreviews", "subjectaccessreviews"))
        )

    client.get("/api/v1/namespaces/shop/builds", headers=bearer("alice-token"))
    first = reviews()
    assert first == 2
    for _ in range(3):
        client.get("/api/v1/namespaces/shop/builds", headers=bearer("alice-token"))
    assert reviews() == first
    clock.now += 10.5
    client.get("/api/v1/namespaces/shop/builds", headers=bearer("alice-token"))
    assert reviews() == first + 2


def test_the_service_account_lacking_rights_is_503(
    tmp_path: Path,
    make_client: Callable[..., ValidatingClient],
    local_store: LocalStore,
    layout: KeyLayout,
) -> None:
    store_build(local_store, layout, StoredBuild("shop", "app-1", BASE_TIME, log=b"x\n"))
    no_rights = AccessPolicy().allow("alice", resources=["builds/log"], verbs=["get"])
    with SimulatedApiServer(SimulatedCluster(), tokens=TOKENS, policy=no_rights) as api:
        reviewer = KubeAccessReviewer(connector(api, tmp_path))
        client = make_client(CachedAccessReviewer(reviewer, 10))
        response = client.get("/api/v1/namespaces/shop/builds", headers=bearer("alice-token"))
        assert response.status_code == 503


class Recording:
    """An in-memory reviewer that counts how often it is asked."""

    def __init__(self) -> None:
        self.authentications = 0
        self.reviews = 0
        self.down = False

    def authenticate(self, token: str) -> User:
        self.authentications += 1
        if self.down:
            raise ClusterUnavailableError("down")
        if token != "good":
            raise AuthenticationError("rejected")
        return User("alice")

    def may_read_logs(self, user: User, namespace: str) -> bool:
        self.reviews += 1
        if self.down:
            raise ClusterUnavailableError("down")
        return namespace == "shop"


def test_cache_keys_by_token_and_namespace_and_never_caches_outages() -> None:
    inner, clock = Recording(), Clock()
    cache = CachedAccessReviewer(inner, 5.0, clock=clock)
    user = cache.authenticate("good")
    assert cache.authenticate("good") == user and inner.authentications == 1
    assert "good" not in repr(user)
    assert cache.may_read_logs(user, "shop") and not cache.may_read_logs(user, "web")
    assert cache.may_read_logs(user, "shop") and inner.reviews == 2
    with pytest.raises(AuthenticationError):
        cache.authenticate("bad")
    with pytest.raises(AuthenticationError):
        cache.authenticate("bad")
    assert inner.authentications == 2  # the rejection is cached too
    clock.now += 5
    inner.down = True
    with pytest.raises(ClusterUnavailableError):
        cache.authenticate("good")
    with pytest.raises(ClusterUnavailableError):
        cache.may_read_logs(user, "shop")
    inner.down = False
    assert cache.may_read_logs(user, "shop") and inner.reviews == 4


def test_cache_is_bounded() -> None:
    inner, clock = Recording(), Clock()
    cache = CachedAccessReviewer(inner, 60.0, clock=clock, max_entries=3)
    user = cache.authenticate("good")
    for namespace in ("a", "b", "c", "d", "shop"):
        cache.may_read_logs(user, namespace)
    assert len(cache._decisions) <= 3


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer abc.def-ghi_~+/=", "abc.def-ghi_~+/="), ("bearer  xyz ", "xyz")],
)
def test_bearer_token_parsing(header: str, token: str) -> None:
    assert bearer_token(header) == token


@pytest.mark.parametrize("header", [None, "", "Token abc", "Bearer a b", "Bearer " + "a" * 20000])
def test_bearer_token_rejects(header: str | None) -> None:
    with pytest.raises(AuthenticationError):
        bearer_token(header)
