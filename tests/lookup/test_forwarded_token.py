"""X-Forwarded-Access-Token: the oauth-proxy sidecar's token, trusted only when configured
and only from a loopback peer; the Authorization header always wins.

The unit tests choose the peer address with the test client's ``REMOTE_ADDR``; the HTTP
test serves the entry point's app on 127.0.0.1 (as behind the sidecar) against the
simulated API server, so the forwarded token goes through TokenReview and
SubjectAccessReview like a bearer token."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import functions_framework
import pytest
import requests
from werkzeug.serving import make_server

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.entrypoints import lookup as entrypoint
from osiris.entrypoints.lookup import build_app
from osiris.errors import AuthenticationError
from osiris.lookup.app import create_app
from osiris.lookup.auth import (
    FORWARDED_TOKEN_HEADER,
    SCOPES_EXTRA,
    CachedAccessReviewer,
    Credential,
    User,
    is_loopback,
    proxy_session_user,
    request_token,
)
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.auth import User as SimUser
from osiris.simulator.cluster import SimulatedCluster
from tests.lookup.archive_data import BASE_TIME, StoredBuild, store_build
from tests.lookup.conftest import ValidatingClient
from tests.lookup.contract import OpenApiContract
from tests.lookup.openshift_auth import TOKENS, policy
from tests.lookup.served_http import Http

BUILDS = "/api/v1/namespaces/shop/builds"
PROXY_SCOPES = ("user:info", "user:check-access")
# alice's login through the sidecar: an OAuth token with the proxy's scopes.
SIDECAR_TOKENS = {
    **TOKENS,
    "alice-proxy-token": SimUser("alice", uid="a-1", groups=("devs",), scopes=PROXY_SCOPES),
}


class TokenRecorder:
    """Accepts the token "good" (and "other") and remembers every token it was asked about."""

    def __init__(self) -> None:
        self.tokens: list[str] = []

    def authenticate(self, token: str) -> User:
        self.tokens.append(token)
        if token not in {"good", "other"}:
            raise AuthenticationError("rejected")
        return User(token)

    def may_read_logs(self, user: User, namespace: str) -> bool:
        return namespace == "shop"


@pytest.fixture
def recorder() -> TokenRecorder:
    return TokenRecorder()


@pytest.fixture
def gated(
    recorder: TokenRecorder, local_store: LocalStore, layout: KeyLayout
) -> Callable[[bool], ValidatingClient]:
    store_build(local_store, layout, StoredBuild("shop", "app-1", BASE_TIME, log=b"hi\n"))

    def build(trust: bool) -> ValidatingClient:
        app = create_app(lambda: local_store, layout, recorder, trust_forwarded_token=trust)
        return ValidatingClient(app)

    return build


def _get(client: ValidatingClient, peer: str, headers: dict[str, str]) -> int:
    return client.get(BUILDS, headers=headers, environ_base={"REMOTE_ADDR": peer}).status_code


@pytest.mark.parametrize("peer", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_trusted_forwarded_token_from_loopback_is_reviewed(
    gated: Callable[[bool], ValidatingClient], recorder: TokenRecorder, peer: str
) -> None:
    client = gated(True)
    assert _get(client, peer, {FORWARDED_TOKEN_HEADER: "good"}) == 200
    assert recorder.tokens == ["good"]
    # Reviewed, not believed: a token the cluster rejects is a 401.
    assert _get(client, peer, {FORWARDED_TOKEN_HEADER: "forged"}) == 401
    assert recorder.tokens == ["good", "forged"]


@pytest.mark.parametrize("peer", ["10.128.2.17", "192.0.2.2", "fd00::2", "::ffff:10.0.0.1", ""])
def test_trusted_forwarded_token_from_another_peer_is_ignored(
    gated: Callable[[bool], ValidatingClient], recorder: TokenRecorder, peer: str
) -> None:
    client = gated(True)
    # X-Forwarded-For claiming loopback changes nothing: the peer is the socket's.
    headers = {FORWARDED_TOKEN_HEADER: "good", "X-Forwarded-For": "127.0.0.1"}
    response = client.get(BUILDS, headers=headers, environ_base={"REMOTE_ADDR": peer})
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json["detail"]
    assert recorder.tokens == []  # never even sent for review
    assert _get(client, peer, {"Authorization": "Bearer good"}) == 200


def test_forwarded_token_is_ignored_unless_configured(
    gated: Callable[[bool], ValidatingClient], recorder: TokenRecorder
) -> None:
    client = gated(False)
    assert _get(client, "127.0.0.1", {FORWARDED_TOKEN_HEADER: "good"}) == 401
    assert recorder.tokens == []
    assert _get(client, "127.0.0.1", {"Authorization": "Bearer good"}) == 200


@pytest.mark.parametrize(
    ("authorization", "forwarded", "status", "reviewed"),
    [
        ("Bearer other", "good", 200, ["other"]),  # both valid: the caller's own wins
        ("Bearer good", "forged", 200, ["good"]),
        ("Bearer forged", "good", 401, ["forged"]),  # no fallback to the forwarded one
        ("Basic Z29vZDp4", "good", 401, []),  # why the sidecar runs --pass-basic-auth=false
    ],
)
def test_the_authorization_header_wins(
    gated: Callable[[bool], ValidatingClient],
    recorder: TokenRecorder,
    authorization: str,
    forwarded: str,
    status: int,
    reviewed: list[str],
) -> None:
    headers = {"Authorization": authorization, FORWARDED_TOKEN_HEADER: forwarded}
    assert _get(gated(True), "127.0.0.1", headers) == status
    assert recorder.tokens == reviewed


@pytest.mark.parametrize("forwarded", ["a b", "<script>", "Bearer good", "t" * 20000])
def test_a_malformed_forwarded_token_is_401_without_review(
    gated: Callable[[bool], ValidatingClient], recorder: TokenRecorder, forwarded: str
) -> None:
    response = gated(True).get(BUILDS, headers={FORWARDED_TOKEN_HEADER: forwarded})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert FORWARDED_TOKEN_HEADER in response.json["detail"]
    assert forwarded not in response.get_data(as_text=True)
    assert recorder.tokens == []


def test_request_token_rules() -> None:
    assert request_token(None, " sha256~Ab-9_x ", trust_forwarded=True) == Credential(
        "sha256~Ab-9_x", forwarded=True
    )
    assert request_token("Bearer mine", "theirs", trust_forwarded=True) == Credential(
        "mine", forwarded=False
    )
    assert request_token("", "theirs", trust_forwarded=True).token == "theirs"  # empty = absent
    for authorization, forwarded, trusted in [
        (None, "theirs", False),
        (None, "", True),
        (None, None, True),
    ]:
        with pytest.raises(AuthenticationError, match="Authorization: Bearer"):
            request_token(authorization, forwarded, trust_forwarded=trusted)


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("128.0.0.1", False),
        ("10.0.0.1", False),
        ("::2", False),
        ("::ffff:10.0.0.1", False),
        ("localhost", False),  # a name is not a peer address
        ("", False),
        (None, False),
    ],
)
def test_is_loopback(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def _scoped(*scopes: str) -> User:
    return User(
        "alice",
        groups=("devs",),
        extra=(("other.example/key", ("v",)), (SCOPES_EXTRA, scopes)),
        session="digest",
    )


def test_the_proxys_scopes_are_dropped_for_the_namespace_review() -> None:
    unscoped = proxy_session_user(_scoped(*PROXY_SCOPES))
    assert unscoped.extra == (("other.example/key", ("v",)),)
    assert (unscoped.username, unscoped.groups) == ("alice", ("devs",))
    # A separate cache key: never the decision of the same token sent as a bearer token.
    assert unscoped.session == "digest:check-access"
    assert proxy_session_user(_scoped("user:check-access")).session == "digest:check-access"


@pytest.mark.parametrize(
    "scopes",
    [("user:info",), ("user:info", "user:check-access", "role:admin:shop"), ("user:full",)],
)
def test_any_other_scopes_are_kept(scopes: tuple[str, ...]) -> None:
    user = _scoped(*scopes)
    assert proxy_session_user(user) == user
    unscoped = User("alice", session="digest")
    assert proxy_session_user(unscoped) == unscoped


class ScopeRecorder(TokenRecorder):
    """Like the proxy's OAuth tokens: "good" carries the proxy's scopes."""

    def __init__(self) -> None:
        super().__init__()
        self.reviewed: list[User] = []

    def authenticate(self, token: str) -> User:
        super().authenticate(token)
        return User("alice", extra=((SCOPES_EXTRA, PROXY_SCOPES),))

    def may_read_logs(self, user: User, namespace: str) -> bool:
        self.reviewed.append(user)
        return not dict(user.extra).get(SCOPES_EXTRA)


def test_only_the_forwarded_channel_reviews_the_unscoped_user(
    local_store: LocalStore, layout: KeyLayout
) -> None:
    store_build(local_store, layout, StoredBuild("shop", "app-1", BASE_TIME, log=b"hi\n"))
    inner = ScopeRecorder()
    reviewer = CachedAccessReviewer(inner, 60.0)
    client = ValidatingClient(
        create_app(lambda: local_store, layout, reviewer, trust_forwarded_token=True)
    )
    assert _get(client, "127.0.0.1", {FORWARDED_TOKEN_HEADER: "good"}) == 200
    # The same token as a bearer token keeps its scopes, and the cached "allowed" of the
    # forwarded channel does not leak into it.
    assert _get(client, "127.0.0.1", {"Authorization": "Bearer good"}) == 403
    assert [dict(user.extra).get(SCOPES_EXTRA) for user in inner.reviewed] == [None, PROXY_SCOPES]


# --------------------------------------------------------------------------- over HTTP


@pytest.fixture
def behind_sidecar(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> Iterator[tuple[Http, SimulatedApiServer]]:
    """The entry point's app with the sidecar template's settings, on 127.0.0.1."""
    caplog.set_level(logging.DEBUG)
    with SimulatedApiServer(
        SimulatedCluster(), tokens=SIDECAR_TOKENS, policy=policy(), tls=True
    ) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig", token="sa-token")
        store = LocalStore(tmp_path / "bucket")
        store_build(
            store, KeyLayout("osiris", "test"), StoredBuild("shop", "app-1", BASE_TIME, log=b"hi\n")
        )
        environment = {
            "OSIRIS_STORAGE_URL": f"file://{tmp_path / 'bucket'}",
            "OSIRIS_CLUSTER": "test",
            "OSIRIS_AUTH": "openshift",
            "OSIRIS_TRUST_FORWARDED_TOKEN": "true",
            "OSIRIS_AUTH_CACHE_TTL": "0",  # every request is reviewed again
            "OSIRIS_LOG_LEVEL": "DEBUG",
            "KUBECONFIG": str(kubeconfig),
        }
        server = make_server("127.0.0.1", 0, build_app(environment), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            base = f"http://127.0.0.1:{server.server_port}"
            spec = requests.get(base + "/openapi.json", timeout=10).json()
            yield Http(base, OpenApiContract(spec)), api
        finally:
            server.shutdown()
            thread.join()


def test_forwarded_token_over_http_is_reviewed_by_the_cluster_and_never_logged(
    behind_sidecar: tuple[Http, SimulatedApiServer], caplog: pytest.LogCaptureFixture
) -> None:
    http, api = behind_sidecar

    def reviews() -> list[str]:
        return [
            r.path.rsplit("/", 1)[1]
            for r in api.requests
            if r.path.endswith(("tokenreviews", "subjectaccessreviews"))
        ]

    alice = {FORWARDED_TOKEN_HEADER: "alice-proxy-token"}
    assert http.get(BUILDS, alice).status_code == 200
    assert reviews() == ["tokenreviews", "subjectaccessreviews"]
    # The same scoped token as a bearer token may only check access, not read logs.
    assert http.get(BUILDS, {"Authorization": "Bearer alice-proxy-token"}).status_code == 403
    # An unscoped token works through the header as well.
    assert http.get(BUILDS, {FORWARDED_TOKEN_HEADER: "alice-token"}).status_code == 200
    plain = {**alice, "Accept-Encoding": "identity"}
    assert http.get(BUILDS + "/app-1/log", plain).content == b"hi\n"
    # bob is a real user without the right in shop; "stolen" is no user at all.
    assert http.get(BUILDS, {FORWARDED_TOKEN_HEADER: "bob-token"}).status_code == 403
    stolen = http.get(BUILDS, {FORWARDED_TOKEN_HEADER: "stolen-token"})
    assert stolen.status_code == 401 and stolen.headers["WWW-Authenticate"].startswith("Bearer")
    namespaces = http.get("/api/v1/namespaces", alice).json()
    assert [item["name"] for item in namespaces["items"]] == ["shop"]
    assert reviews().count("tokenreviews") == 7  # one per request: TTL 0

    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in records)
    # Everything was captured at DEBUG: start-up, every request line, the API client.
    assert "X-Forwarded-Access-Token from loopback" in logged
    served = [r.getMessage() for r in records if r.name == "werkzeug"]
    assert sum("GET /api/v1/namespaces/shop/builds HTTP/1.1" in line for line in served) == 5
    assert "/apis/authentication.k8s.io/v1/tokenreviews" in logged
    for token in ("alice-proxy-token", "alice-token", "bob-token", "stolen-token", "sa-token"):
        assert token not in logged


def test_functions_framework_passes_the_socket_peer_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As Knative runs it: nothing between functions-framework and the app rewrites
    REMOTE_ADDR from X-Forwarded-For. With no cluster to ask, a header that is honoured
    goes to review (503), an ignored one is a 401 at once."""
    monkeypatch.setenv("OSIRIS_STORAGE_URL", f"file://{tmp_path}")
    monkeypatch.setenv("OSIRIS_AUTH", "openshift")
    monkeypatch.setenv("OSIRIS_TRUST_FORWARDED_TOKEN", "true")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    monkeypatch.setattr(entrypoint, "_app", None)
    app = functions_framework.create_app("lookup", str(Path(entrypoint.__file__)), "http")
    client = app.test_client()
    spoofed = {FORWARDED_TOKEN_HEADER: "good", "X-Forwarded-For": "127.0.0.1"}
    remote = client.get(BUILDS, headers=spoofed, environ_base={"REMOTE_ADDR": "10.128.0.9"})
    assert remote.status_code == 401
    local = client.get(BUILDS, headers=spoofed, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert local.status_code == 503
    assert local.json["type"].endswith("#problem-cluster-unavailable")
