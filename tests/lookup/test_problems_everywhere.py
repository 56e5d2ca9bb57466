"""Every answer under /api is a problem document when it is an error: control characters
in any path segment of any API route, unmatched routes and methods, doubled slashes.

Checked on the Flask app (unit level) and over real HTTP on the lookup served the way
the image serves it (functions-framework's gunicorn on ``functions/main.py``), where
functions-framework's own routing used to answer a line feed with Werkzeug's HTML 404.
"""

from __future__ import annotations

import http.client
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.dev.processes import FunctionProcess
from osiris.entrypoints.serving import route_every_path
from osiris.lookup import problems
from tests.lookup.archive_data import BASE_TIME, StoredBuild, store_build
from tests.lookup.conftest import ValidatingClient

SPEC = json.loads((Path(problems.__file__).parent / "openapi.json").read_text())
API_TEMPLATES = sorted(path for path in SPEC["paths"] if path.startswith("/api/"))
# Values that exist in the seeded bucket, so only the control character is wrong.
EXISTING = {"namespace": "shop", "name": "api-1", "buildconfig": "api"}
CONTROL_CHARACTERS = [*range(0x20), 0x7F]


@dataclass(frozen=True)
class BadPath:
    url: str
    label: str


def _bad_paths(character: int) -> list[BadPath]:
    """One URL per path segment of every API route with ``character`` inside it."""
    encoded = f"%{character:02X}"
    paths = []
    for template in API_TEMPLATES:
        segments = template.split("/")
        for index, segment in enumerate(segments):
            if not segment or segment in ("api", "v1"):
                continue
            value = EXISTING.get(segment.strip("{}"), segment)
            spoiled = value[:1] + encoded + value[1:]
            url = "/".join(
                spoiled if n == index else EXISTING.get(part.strip("{}"), part)
                for n, part in enumerate(segments)
            )
            paths.append(BadPath(url, f"{template}[{segment}]"))
    return paths


BAD_PATHS = [
    pytest.param(bad.url, id=f"{character:#04x}-{bad.label}")
    for character in CONTROL_CHARACTERS
    for bad in _bad_paths(character)
]
UNMATCHED = [
    ("GET", "/api"),
    ("GET", "/api/v2/namespaces"),
    ("GET", "/api/v1/namespaces/"),
    ("GET", "/api//v1/namespaces"),
    ("GET", "/api/v1/namespaces/shop//builds"),
    ("GET", "/api/v1/namespaces/shop/builds/api-1/log/more"),
    ("GET", "/api/v1/namespaces/a%2Fb/builds"),
    *[
        (method, "/api/v1/namespaces/shop/builds")
        for method in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND")
    ],
    ("OPTIONS", "/api/v1/namespaces/shop/builds/api-1/log"),
]


def _seed(store: LocalStore, layout: KeyLayout) -> None:
    store_build(
        store,
        layout,
        StoredBuild("shop", "api-1", BASE_TIME, buildconfig="api", number=1, log=b"hello\n"),
    )


def assert_problem(status: int, content_type: str | None, body: bytes) -> None:
    assert 400 <= status < 500, (status, body[:200])
    assert content_type == problems.CONTENT_TYPE, (status, content_type, body[:200])
    document = json.loads(body)
    assert document["status"] == status
    assert document["type"].startswith(problems.TYPE_BASE)
    assert document["title"] and document["detail"]


def test_the_cases_reach_every_api_route_and_segment() -> None:
    urls = [bad.url for bad in _bad_paths(0x0A)]
    assert {re.sub("[^/]*%0A[^/]*", "*", url) for url in urls} >= {
        "/api/v1/namespaces/*/builds",
        "/api/v1/namespaces/shop/builds/*/log",
        "/api/v1/namespaces/shop/buildconfigs/*/latest",
        "/api/v1/*",
    }
    # Every segment but /api/v1 of every documented API path, nothing else.
    assert len(urls) == sum(len(t.split("/")) - 3 for t in API_TEMPLATES)


# Unit level: the Flask app itself.


@pytest.mark.parametrize("url", BAD_PATHS)
def test_a_control_character_in_a_segment_is_a_problem(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout, url: str
) -> None:
    _seed(local_store, layout)
    response = client.get(url)
    assert_problem(response.status_code, response.content_type, response.get_data())


@pytest.mark.parametrize(("method", "url"), UNMATCHED)
def test_unmatched_routes_and_methods_are_problems(
    client: ValidatingClient, method: str, url: str
) -> None:
    response = client.request(method, url)
    assert_problem(response.status_code, response.content_type, response.get_data())
    if response.status_code == 405:
        assert response.headers["Allow"] == "GET, HEAD"


def test_the_server_route_converter_matches_line_feeds() -> None:
    """What functions-framework's catch-all rule does with and without the fix."""
    plain = Map([Rule("/<path:path>", endpoint="run")]).bind("localhost")
    with pytest.raises(NotFound):
        plain.match("/api/v1/namespaces/a\nb/builds")

    server = Flask("server")
    route_every_path(server)
    server.url_map.add(Rule("/<path:path>", endpoint="run"))
    adapter = server.url_map.bind("localhost")
    for path in ("a\nb", "api/v1/namespaces/a\nb/builds", "x/\n/\n\n", "plain/path"):
        assert adapter.match("/" + path) == ("run", {"path": path})


# Over real HTTP: functions-framework's production server on functions/main.py.


@pytest.fixture(scope="module")
def served_lookup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FunctionProcess]:
    root = tmp_path_factory.mktemp("bucket")
    _seed(LocalStore(root), KeyLayout("osiris", "test"))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "OSIRIS_STORAGE_URL": f"file://{root}",
        "OSIRIS_CLUSTER": "test",
        "OSIRIS_AUTH": "none",
    }
    with FunctionProcess("lookup", env, root.parent / "lookup.log") as process:
        yield process


@pytest.fixture(scope="module")
def connection(served_lookup: FunctionProcess) -> Iterator[http.client.HTTPConnection]:
    connection = http.client.HTTPConnection("127.0.0.1", served_lookup.port, timeout=10)
    yield connection
    connection.close()


def _send(
    connection: http.client.HTTPConnection, method: str, url: str
) -> tuple[int, str | None, bytes]:
    connection.request(method, url)
    response = connection.getresponse()
    return response.status, response.getheader("Content-Type"), response.read()


def test_the_served_lookup_answers_over_http(connection: http.client.HTTPConnection) -> None:
    status, content_type, body = _send(connection, "GET", "/api/v1/namespaces/shop/builds")
    assert (status, content_type) == (200, "application/json")
    assert json.loads(body)["items"][0]["name"] == "api-1"


@pytest.mark.parametrize("url", BAD_PATHS)
def test_served_a_control_character_in_a_segment_is_a_problem(
    connection: http.client.HTTPConnection, url: str
) -> None:
    assert_problem(*_send(connection, "GET", url))


@pytest.mark.parametrize(("method", "url"), UNMATCHED)
def test_served_unmatched_routes_and_methods_are_problems(
    connection: http.client.HTTPConnection, method: str, url: str
) -> None:
    assert_problem(*_send(connection, method, url))
