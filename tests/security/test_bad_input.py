"""Hand-written attacks on the lookup API: each is a 400 problem document, and nothing
the store is asked for lies outside the bucket prefix (or, for a request about ``shop``,
outside ``shop``).

``..`` segments (plain and encoded), encoded slashes (``%2F``, and ``%252F`` which decodes
to a literal ``%2F``), overlong names (254+ characters, 64+ character labels), CR/LF and
NUL in query values, huge and forged page tokens (another namespace's, another query's,
positions that try to climb out of their prefix). At unit level the Flask app runs on a
recording wrapper around the local-disk store; over real HTTP the same requests go to
functions-framework's server on ``functions/main.py``, with raw bytes on the socket for
what an HTTP client library refuses to send.
"""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.dev.processes import FunctionProcess
from osiris.lookup import problems
from osiris.lookup.app import create_app
from tests.lookup.archive_data import BASE_TIME, StoredBuild, store_build
from tests.lookup.conftest import ValidatingClient
from tests.support.recording import RecordingStore

LAYOUT = KeyLayout("osiris", "test")
ROOT = LAYOUT.root  # osiris/v1/test/
SHA = "3f786850e387550fdab836ed7e6dc881de23001b"
BUILDS = "/api/v1/namespaces/shop/builds"

PATH_ATTACKS = [
    "/api/v1/namespaces/../builds",
    "/api/v1/namespaces/%2E%2E/builds",
    "/api/v1/namespaces/shop/builds/..",
    "/api/v1/namespaces/shop/builds/%2e%2e/log",
    "/api/v1/namespaces/shop/builds/..%2F..%2Fsecret%2Fbuilds%2Fapp-1/log",
    # Decoded, these name other resources (secret's builds, the log of api-1).
    "/api/v1/namespaces/shop%2F..%2Fsecret/builds",
    "/api/v1/namespaces/shop/builds/api-1%2Flog",
    "/api/v1/namespaces/shop/builds/api-1%2flog",
    "/api/v1/namespaces/a%2Fb/builds",
    "/api/v1/namespaces/shop%252F..%252Fsecret/builds",
    "/api/v1/namespaces/shop/buildconfigs/api%252Flatest/latest",
    "/api/v1/namespaces/shop/builds/api-1%252Flog",
    # Overlong: a namespace (a label) of 64 or 254, a build or BuildConfig name of 254.
    # (A build name may have a label longer than 63: Kubernetes checks subdomains' length
    # as a whole.)
    f"/api/v1/namespaces/{'a' * 64}/builds",
    f"/api/v1/namespaces/{'a' * 254}/builds",
    f"/api/v1/namespaces/shop/builds/{'a' * 254}",
    f"/api/v1/namespaces/{'a' * 64}/builds/api-1/log",
    f"/api/v1/namespaces/shop/buildconfigs/{'a.' * 127}a/latest",
    f"/api/v1/namespaces/{'a' * 10_000}/builds",
    # NUL, CR/LF and a look-alike letter (Cyrillic dze) in segments.
    "/api/v1/namespaces/sh%00op/builds",
    "/api/v1/namespaces/shop%0D%0AX-Injected:%201/builds",
    "/api/v1/namespaces/%D1%95hop/builds",
    "/api/v1/namespaces/shop/builds/api-1%00/log",
]
QUERY_ATTACKS = [
    f"{BUILDS}?phase=Complete%0D%0ASet-Cookie:%20x=1",
    f"{BUILDS}?buildconfig=api%0D%0AX-Injected:%201",
    f"{BUILDS}?buildconfig=..",
    f"{BUILDS}?buildconfig=api%2F..%2F..%2Fsecret",
    f"{BUILDS}?since=2026-01-01T00:00:00Z%0D%0A",
    f"{BUILDS}?until=%0A2026-01-01T00:00:00Z",
    f"{BUILDS}?limit=1%0A",
    f"{BUILDS}?limit=%00",
    f"{BUILDS}?cluster=test%0D%0A",
    f"{BUILDS}?cluster=..",
    f"{BUILDS}?cluster=test%2F..%2Fother",
    f"{BUILDS}?cluster={'a' * 64}",
    f"{BUILDS}?finding=..%2F..",
    f"{BUILDS}?pageToken=%00",
    f"{BUILDS}?pageToken=%0D%0A",
    f"{BUILDS}?pageToken={'A' * 3000}",
    f"{BUILDS}?pageToken={'A' * 100_000}",
    f"{BUILDS}/api-1?uid=..%2F..%2Fsecret",
    f"{BUILDS}/api-1/log?uid=00000000-0000-0000-0000-000000000000%00",
    f"{BUILDS}/api-1/log?tail=1%0D%0A",
    "/api/v1/builds?commit=..%2F..%2F",
    f"/api/v1/builds?commit={SHA}%00",
    "/api/v1/namespaces/shop/search?q=x&pageToken=%0A",
]


def _seed(store: LocalStore) -> None:
    for namespace in ("shop", "secret"):
        for n in range(3):
            store_build(
                store,
                LAYOUT,
                StoredBuild(
                    namespace,
                    f"api-{n + 1}" if namespace == "shop" else f"app-{n + 1}",
                    BASE_TIME + n * 60,
                    buildconfig="api",
                    number=n + 1,
                    log=b"line\n",
                    commit=SHA,
                ),
            )


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[ValidatingClient, RecordingStore]:
    local = LocalStore(tmp_path / "bucket")
    _seed(local)
    store = RecordingStore(local)
    app: Flask = create_app(lambda: store, LAYOUT, None)
    return ValidatingClient(app), store


def assert_problem_400(status: int, content_type: str | None, body: bytes) -> None:
    assert status == 400, (status, body[:300])
    assert content_type == problems.CONTENT_TYPE
    document = json.loads(body)
    assert document["status"] == 400 and document["type"].endswith("#problem-bad-request")
    # The detail names the rule, never the value sent.
    for echoed in ("secret", "X-Injected", "Set-Cookie", "AAAA", "\x00"):
        assert echoed not in document["detail"]


def assert_stays_inside(store: RecordingStore, namespace: str | None = "shop") -> None:
    for call in store.calls:
        assert call.key.startswith(ROOT), call
        assert call.start_after is None or call.start_after.startswith(call.key), call
        if namespace is not None:
            assert "/secret/" not in call.key and "/secret/" not in (call.start_after or "")
    assert store.writes() == []


@pytest.mark.parametrize("url", PATH_ATTACKS + QUERY_ATTACKS)
def test_an_attack_is_a_400_problem_and_reads_nothing_outside(
    recorded: tuple[ValidatingClient, RecordingStore], url: str
) -> None:
    client, store = recorded
    response = client.get(url)
    assert_problem_400(response.status_code, response.content_type, response.get_data())
    assert "X-Injected" not in response.headers and "Set-Cookie" not in response.headers
    # Refused before any key was built: the store was not asked for anything.
    assert store.calls == [], store.calls


def test_an_encoded_slash_never_reaches_the_resource_its_decoding_names(
    recorded: tuple[ValidatingClient, RecordingStore],
) -> None:
    client, _ = recorded
    assert client.get(f"{BUILDS}/api-1/log").status_code == 200
    assert client.get(f"{BUILDS}/api-1%2Flog").status_code == 400


# ------------------------------------------------------------------- page tokens


def _token_document(token: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(
        base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    )
    return loaded


def _token(document: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


def _first_token(client: ValidatingClient, url: str) -> str:
    page = client.get(url).json
    assert page is not None and page["nextPageToken"], page
    token: str = page["nextPageToken"]
    return token


@pytest.mark.parametrize(
    "position",
    [
        "../secret/x",
        "x/../../../secret",
        "/etc/passwd",
        "%2e%2e/secret",
        "a\x00b",
        "a\r\nb",
        "a" * 1002,
        "",
        "..",
        "ok/..",
    ],
)
def test_a_forged_position_is_refused(
    recorded: tuple[ValidatingClient, RecordingStore], position: str
) -> None:
    client, store = recorded
    real = _token_document(_first_token(client, f"{BUILDS}?limit=1"))
    store.clear()
    forged = _token({**real, "p": position})
    response = client.get(f"{BUILDS}?limit=1&pageToken={forged}")
    assert_problem_400(response.status_code, response.content_type, response.get_data())
    assert store.calls == []


@pytest.mark.parametrize(
    "document",
    [
        {"v": 2},
        {"v": 1, "p": 5, "f": "x"},
        {"v": 1, "p": ["a"], "f": "x"},
        [1, 2],
        "string",
        None,
    ],
)
def test_a_token_that_is_not_ours_is_refused(
    recorded: tuple[ValidatingClient, RecordingStore], document: object
) -> None:
    client, store = recorded
    response = client.get(f"{BUILDS}?pageToken={_token(document)}")
    assert_problem_400(response.status_code, response.content_type, response.get_data())
    assert store.calls == []


@pytest.mark.parametrize(
    ("issued_by", "used_for"),
    [
        ("/api/v1/namespaces/secret/builds?limit=1", f"{BUILDS}?limit=1"),  # another namespace
        (f"{BUILDS}?limit=1&phase=Complete", f"{BUILDS}?limit=1"),  # another filter
        (f"/api/v1/builds?commit={SHA}&limit=1", f"{BUILDS}?limit=1"),  # another kind of list
        ("/api/v1/namespaces/secret/buildconfigs?limit=1", "/api/v1/namespaces/shop/buildconfigs"),
        (f"{BUILDS}?limit=1", f"{BUILDS}?limit=1&cluster=other"),  # another cluster
    ],
)
def test_a_token_from_another_query_is_refused(
    recorded: tuple[ValidatingClient, RecordingStore], issued_by: str, used_for: str
) -> None:
    client, store = recorded
    if "buildconfigs" in issued_by:
        # One BuildConfig per namespace, so no second page: a position with another
        # query's fingerprint.
        token = _token({"v": 1, "p": "api", "f": "0" * 16})
    else:
        token = _first_token(client, issued_by)
    store.clear()
    separator = "&" if "?" in used_for else "?"
    response = client.get(f"{used_for}{separator}pageToken={token}")
    assert_problem_400(response.status_code, response.content_type, response.get_data())
    assert "different query" in response.json["detail"] or "issued" in response.json["detail"]
    assert store.calls == []


def test_a_position_from_another_namespace_stays_in_its_own_prefix(
    recorded: tuple[ValidatingClient, RecordingStore],
) -> None:
    """A well-formed position copied from secret's listing, with shop's fingerprint: it is
    only appended to shop's prefix, so the answer is shop's builds after that point."""
    client, store = recorded
    shop = _token_document(_first_token(client, f"{BUILDS}?limit=1"))
    secret = _token_document(_first_token(client, "/api/v1/namespaces/secret/builds?limit=1"))
    store.clear()
    forged = _token({**shop, "p": secret["p"]})
    response = client.get(f"{BUILDS}?limit=1&pageToken={forged}")
    assert response.status_code == 200
    assert response.json is not None
    assert {item["namespace"] for item in response.json["items"]} <= {"shop"}
    assert_stays_inside(store)
    shop_prefix = LAYOUT.namespace_index_prefix("shop")
    assert all(
        call.key.startswith(shop_prefix) for call in store.calls if call.operation == "list_objects"
    )


def test_every_list_stays_inside_its_prefix_while_paging(
    recorded: tuple[ValidatingClient, RecordingStore],
) -> None:
    client, store = recorded
    for url in (f"{BUILDS}?limit=1", f"/api/v1/builds?commit={SHA[:8]}&limit=1"):
        store.clear()
        token: str | None = None
        pages = 0
        while True:
            page = client.get(url if token is None else f"{url}&pageToken={token}").json
            assert page is not None
            token = page["nextPageToken"]
            pages += 1
            if token is None or pages > 10:
                break
        assert pages > 1
        assert_stays_inside(store, "shop" if "namespaces" in url else None)


# ------------------------------------------------------------------ over real HTTP


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FunctionProcess]:
    root = tmp_path_factory.mktemp("bucket")
    _seed(LocalStore(root))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "OSIRIS_STORAGE_URL": f"file://{root}",
        "OSIRIS_CLUSTER": "test",
        "OSIRIS_AUTH": "none",
    }
    with FunctionProcess("lookup", env, root.parent / "lookup.log") as process:
        yield process


def raw_request(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are; the status, headers (lower-case names) and body back."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def get(port: int, target: str, extra: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    return raw_request(
        port,
        b"GET "
        + target.encode("latin-1")
        + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + extra
        + b"\r\n",
    )


# Request lines longer than gunicorn's limit (4094 bytes) are refused by gunicorn itself.
SERVED_ATTACKS = [url for url in PATH_ATTACKS + QUERY_ATTACKS if len(url) < 4000]


@pytest.mark.parametrize("url", SERVED_ATTACKS)
def test_served_an_attack_is_a_400_problem(served: FunctionProcess, url: str) -> None:
    status, headers, body = get(served.port, url)
    assert_problem_400(status, headers.get("content-type"), body)
    assert "x-injected" not in headers and "set-cookie" not in headers


@pytest.mark.parametrize(
    "request_bytes",
    [
        # A CR or NUL inside a header value, a bare LF inside the request line, an
        # obsolete line folding trying to smuggle a second header, a huge request line.
        b"GET /api/v1/namespaces/shop/builds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\rX-Injected: 1\r\nConnection: close\r\n\r\n",
        b"GET /api/v1/namespaces/shop/builds HTTP/1.1\r\nHost: x\r\nX-Note: a\x00b\r\nConnection: close\r\n\r\n",
        b"GET /api/v1/namespaces/shop\n/builds HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /api/v1/namespaces/shop/builds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\n X-Injected: 1\r\nConnection: close\r\n\r\n",
        b"GET /api/v1/namespaces/shop/builds?pageToken="
        + b"A" * 100_000
        + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ],
)
def test_served_malformed_requests_are_refused_never_a_5xx(
    served: FunctionProcess, request_bytes: bytes
) -> None:
    status, headers, _ = raw_request(served.port, request_bytes)
    # gunicorn refuses these itself, before the app: 400 (or 414 for the request line).
    assert status in (400, 414), status
    assert "x-injected" not in headers
