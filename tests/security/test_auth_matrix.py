"""The auth matrix, one table: who asks (no token, a malformed header, a forged token, a
real user without rights, a user with rights in namespace A = ``shop`` but not B =
``secret``), what they ask (every API operation, in A, in B, in a namespace that does not
exist, across namespaces) and what they must get — over real HTTP, with
``OSIRIS_AUTH=openshift`` and the simulated API server answering TokenReview and
SubjectAccessReview over TLS.

Beyond ``tests/lookup/test_auth.py`` (which proves each rule once on the Flask test
client): every operation for every caller, B's builds, documents, logs, search hits and
commit-search hits invisible to A's user, the cluster API unreachable (refused
connections, 503 answers) → 503 and never data, and **no token in any log record**
(everything is captured at DEBUG, the app's own JSON lines included, for every row).
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.entrypoints.lookup import build_app
from osiris.logs import JsonFormatter
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.auth import AccessPolicy, User
from osiris.simulator.cluster import SimulatedCluster
from tests.lookup.archive_data import BASE_TIME, StoredBuild, store_build
from tests.lookup.contract import OpenApiContract
from tests.support.tekton_archive import TektonFactory

SERVICE_ACCOUNT = "system:serviceaccount:osiris:lookup"
TOKENS = {
    "sa-token-0123456789": User(SERVICE_ACCOUNT),
    "alice-token-0123456789": User("alice", uid="a-1", groups=("devs",)),
    "bob-token-0123456789": User("bob"),
}
FORGED = "forged-token-0123456789"
EVERY_TOKEN = (*TOKENS, FORGED)
SHA = "9c1185a5c5e9fc54612808977ee8f548b2258d31"
# The simulated cluster's names of a one-task pipeline "ci" and of its TaskRun.
PIPELINERUN_NAME = "ci-1"
TASKRUN_NAME = "ci-1-test"
A, B = "shop", "secret"

# ---------------------------------------------------------------- callers


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


ALICE = bearer("alice-token-0123456789")  # may read A only
BOB = bearer("bob-token-0123456789")  # authenticated, may read nothing
UNAUTHENTICATED: dict[str, dict[str, str]] = {
    "no token": {},
    "forged token": bearer(FORGED),
    "empty bearer": {"Authorization": "Bearer "},
    "basic auth": {"Authorization": "Basic YWxpY2U6cHc="},
    "two tokens": {"Authorization": "Bearer alice-token-0123456789 bob-token-0123456789"},
    "token with a tab": {"Authorization": "Bearer alice-token\t0123456789"},
    "token with a NUL-looking escape": {"Authorization": "Bearer alice%00token"},
    "huge token": {"Authorization": "Bearer " + "a" * 20_000},
    "token in another header": {"X-Auth-Token": "alice-token-0123456789"},
    "forwarded token, not trusted": {"X-Forwarded-Access-Token": "alice-token-0123456789"},
}

# ---------------------------------------------------------------- what is asked


def operations(namespace: str) -> dict[str, str]:
    ns = f"/api/v1/namespaces/{namespace}"
    name = "api-1" if namespace == A else "app-1"
    return {
        "builds": f"{ns}/builds",
        "build": f"{ns}/builds/{name}",
        "log": f"{ns}/builds/{name}/log",
        "tail": f"{ns}/builds/{name}/log?tail=1",
        "buildconfigs": f"{ns}/buildconfigs",
        "latest": f"{ns}/buildconfigs/api/latest",
        "search": f"{ns}/search?q=password",
        "taskruns": f"{ns}/taskruns",
        "taskrun": f"{ns}/taskruns/{TASKRUN_NAME}",
        "step log": f"{ns}/taskruns/{TASKRUN_NAME}/log?step=test",
        "steps log": f"{ns}/taskruns/{TASKRUN_NAME}/log",
        "tasks": f"{ns}/tasks",
        "task latest": f"{ns}/tasks/test/latest",
        "pipelineruns": f"{ns}/pipelineruns",
        "pipelinerun": f"{ns}/pipelineruns/{PIPELINERUN_NAME}",
        "pipelinerun log": f"{ns}/pipelineruns/{PIPELINERUN_NAME}/log",
        "pipelines": f"{ns}/pipelines",
        "pipeline latest": f"{ns}/pipelines/ci/latest",
    }


ACROSS = {
    "namespaces": "/api/v1/namespaces",
    "commit": f"/api/v1/builds?commit={SHA}",
    "commit prefix": f"/api/v1/builds?commit={SHA[:7]}",
    "clusters": "/api/v1/clusters",
    "runs by commit": f"/api/v1/runs?commit={SHA}",
    "runs by ref": "/api/v1/runs?ref=main",
}
EVERY_URL = [*operations(A).values(), *operations(B).values(), *ACROSS.values()]


@dataclass(frozen=True)
class Row:
    caller: str
    headers: dict[str, str]
    url: str
    status: int
    problem: str | None = None  # the problem type's slug
    visible: tuple[str, ...] | None = None  # for lists: the namespaces of the items

    @property
    def id(self) -> str:
        return f"{self.caller}: {self.url}"


def matrix() -> list[Row]:
    rows: list[Row] = []
    for caller, headers in UNAUTHENTICATED.items():
        rows += [Row(caller, headers, url, 401, "unauthenticated") for url in EVERY_URL]
    # Authenticated without any right: 403 in every namespace, empty lists across them.
    for namespace in (A, B, "does-not-exist"):
        rows += [Row("bob", BOB, url, 403, "forbidden") for url in operations(namespace).values()]
    rows += [
        Row("bob", BOB, ACROSS["namespaces"], 200, visible=()),
        Row("bob", BOB, ACROSS["commit"], 200, visible=()),
        Row("bob", BOB, ACROSS["commit prefix"], 200, visible=()),
        Row("bob", BOB, ACROSS["runs by commit"], 200, visible=()),
        Row("bob", BOB, ACROSS["runs by ref"], 200, visible=()),
    ]
    # Rights in A, not in B: everything of A, nothing of B, not even whether it exists.
    rows += [Row("alice", ALICE, url, 200) for url in operations(A).values()]
    for namespace in (B, "does-not-exist"):
        rows += [
            Row("alice", ALICE, url, 403, "forbidden") for url in operations(namespace).values()
        ]
    rows += [
        Row("alice", ALICE, f"{operations(A)['builds']}", 200, visible=(A,)),
        Row("alice", ALICE, f"{operations(A)['search']}", 200, visible=(A,)),
        Row("alice", ALICE, ACROSS["namespaces"], 200, visible=(A,)),
        Row("alice", ALICE, ACROSS["commit"], 200, visible=(A,)),
        Row("alice", ALICE, ACROSS["commit prefix"], 200, visible=(A,)),
        Row("alice", ALICE, ACROSS["runs by commit"], 200, visible=(A,)),
        Row("alice", ALICE, ACROSS["runs by ref"], 200, visible=(A,)),
        Row("alice", ALICE, operations(A)["taskruns"], 200, visible=(A,)),
        Row("alice", ALICE, operations(A)["pipelineruns"], 200, visible=(A,)),
        Row("alice", ALICE, ACROSS["clusters"], 200),
        # Another cluster's archives: this cluster's RBAC cannot vouch for them.
        Row("alice", ALICE, f"{operations(A)['builds']}?cluster=other", 403, "forbidden"),
        Row("alice", ALICE, f"{ACROSS['namespaces']}?cluster=other", 403, "forbidden"),
        # Order: 401, then 400, then 403.
        Row("no token", {}, "/api/v1/namespaces/Not_Valid/builds", 401, "unauthenticated"),
        Row("bob", BOB, "/api/v1/namespaces/Not_Valid/builds", 400, "bad-request"),
        Row("bob", BOB, f"{operations(B)['builds']}?limit=0", 403, "forbidden"),
    ]
    return rows


ROWS = matrix()

# ---------------------------------------------------------------- the served lookup


class LogCapture(logging.Handler):
    """Every record of every logger, formatted plainly and as osiris's JSON lines."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self._json = JsonFormatter()
        self._lock2 = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name} {record.getMessage()} {record.__dict__} {self._json.format(record)}"
        with self._lock2:
            self.lines.append(text)

    def take(self) -> str:
        with self._lock2:
            taken, self.lines = self.lines, []
        return "\n".join(taken)


def _seed(root: Path) -> None:
    store = LocalStore(root)
    layout = KeyLayout("osiris", "test")
    for namespace, name in ((A, "api-1"), (B, "app-1")):
        store_build(
            store,
            layout,
            StoredBuild(
                namespace,
                name,
                BASE_TIME,
                buildconfig="api",
                number=1,
                log=f"{namespace}: password accepted\n".encode(),
                commit=SHA,
            ),
        )
        _seed_tekton(store, layout, namespace)


def _seed_tekton(store: LocalStore, layout: KeyLayout, namespace: str) -> None:
    """A one-task PipelineRun whose step logs what the namespace's build log says."""
    factory = TektonFactory(store, layout, namespace)
    tekton = factory.cluster.tekton
    run = tekton.run_pipeline(namespace, "ci", tasks=("test",), seed=1)
    assert run["metadata"]["name"] == PIPELINERUN_NAME
    tekton.replace_step_log(
        namespace, TASKRUN_NAME, "test", lambda: [f"{namespace}: password accepted\n".encode()]
    )
    factory.archive(tekton.get_taskrun(namespace, TASKRUN_NAME))
    factory.archive(run)


@dataclass
class Served:
    url: str
    api: SimulatedApiServer
    logs: LogCapture
    contract: OpenApiContract
    session: requests.Session

    def get(self, url: str, headers: dict[str, str]) -> requests.Response:
        response = self.session.get(self.url + url, headers=headers, timeout=30)
        path = url.partition("?")[0]
        self.contract.check(
            "GET",
            path,
            response.status_code,
            response.headers.get("Content-Type"),
            response.content,
        )
        return response


def _serve(api: SimulatedApiServer, directory: Path, logs: LogCapture) -> Iterator[Served]:
    environment = {
        "OSIRIS_STORAGE_URL": f"file://{directory / 'bucket'}",
        "OSIRIS_CLUSTER": "test",
        "OSIRIS_AUTH": "openshift",
        "OSIRIS_AUTH_CACHE_TTL": "0",  # every request is reviewed by the cluster
        "OSIRIS_LOG_LEVEL": "DEBUG",
        "KUBECONFIG": str(
            api.write_kubeconfig(directory / "kubeconfig", token="sa-token-0123456789")
        ),
    }
    server = make_server("127.0.0.1", 0, build_app(environment), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with requests.Session() as session:
            spec = session.get(base + "/openapi.json", timeout=10).json()
            yield Served(base, api, logs, OpenApiContract(spec), session)
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture(scope="module")
def logs() -> Iterator[LogCapture]:
    capture = LogCapture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    yield capture
    root.removeHandler(capture)
    root.setLevel(previous)


def _policy() -> AccessPolicy:
    return (
        AccessPolicy()
        .allow(
            SERVICE_ACCOUNT, resources=["tokenreviews", "subjectaccessreviews"], verbs=["create"]
        )
        .allow("alice", namespaces=[A], resources=["builds/log"], verbs=["get"])
    )


@pytest.fixture(scope="module")
def served(logs: LogCapture) -> Iterator[Served]:
    directory = Path(tempfile.mkdtemp(prefix="osiris-auth-matrix-"))
    _seed(directory / "bucket")
    with SimulatedApiServer(SimulatedCluster(), tokens=TOKENS, policy=_policy(), tls=True) as api:
        yield from _serve(api, directory, logs)


def assert_no_token_logged(logged: str) -> None:
    for token in EVERY_TOKEN:
        assert token not in logged, token
    assert "0123456789" not in logged  # no part of one either (a prefix, a suffix)


def _namespaces_of(body: dict[str, Any], url: str) -> list[str]:
    if url.startswith("/api/v1/namespaces?") or url == "/api/v1/namespaces":
        return [item["name"] for item in body["items"]]
    if "/search" in url:
        return [body["namespace"]] if body["items"] else []
    return [item["namespace"] for item in body["items"]]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_the_auth_matrix(served: Served, row: Row) -> None:
    served.logs.take()
    response = served.get(row.url, {**row.headers, "Accept-Encoding": "identity"})
    assert response.status_code == row.status, (response.status_code, response.text[:300])
    if row.problem is not None:
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json()["type"].endswith(f"#problem-{row.problem}")
        # Nothing about B, not even that it exists; never the credential.
        assert B not in response.text.replace("secret/builds", "")
        assert not any(token in response.text for token in EVERY_TOKEN)
    if row.status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if row.status == 200 and "/log" in row.url:
        # One log as stored; several with each line prefixed by its task and step.
        prefix = {"/taskruns/": "[test] ", "/pipelineruns/": "[test : test] "}
        kind = next((k for k in prefix if k in row.url and "step=" not in row.url), None)
        assert response.text == (prefix[kind] if kind else "") + f"{A}: password accepted\n"
    if row.visible is not None:
        assert _namespaces_of(response.json(), row.url) == list(row.visible)
        assert f"{B}: " not in response.text
    if row.status in (200, 403) and row.caller in ("alice", "bob"):
        reviews = [r for r in served.api.requests if r.path.endswith("tokenreviews")]
        assert reviews, "the token was reviewed by the cluster"
    logged = served.logs.take()
    # The capture works: the request line, and for reviewed callers the API client's.
    assert row.url.partition("?")[0] in logged
    if row.caller in ("alice", "bob", "forged token"):
        assert "/apis/authentication.k8s.io/v1/tokenreviews" in logged
    assert_no_token_logged(logged)


def test_search_hits_of_every_kind_come_from_the_callers_namespace_only(served: Served) -> None:
    """alice's search of A finds A's Build and TaskRun lines; of B, a 403 with no line."""
    mine = served.get(f"/api/v1/namespaces/{A}/search?q=password&limit=1000", ALICE)
    assert mine.status_code == 200
    items = mine.json()["items"]
    assert {item["kind"] for item in items} == {"Build", "TaskRun"}
    assert {item["text"] for item in items} == {f"{A}: password accepted"}
    assert all(f"/namespaces/{A}/" in link for i in items for link in i["links"].values())
    for kind in ("", "&kind=taskrun", "&task=test", "&pipeline=ci"):
        theirs = served.get(f"/api/v1/namespaces/{B}/search?q=password{kind}", ALICE)
        assert theirs.status_code == 403 and f"{B}: " not in theirs.text


def test_the_matrix_covers_every_api_operation(served: Served) -> None:
    templates = {served.contract.template_of(url.partition("?")[0]) for url in EVERY_URL}
    documented = {path for path in served.contract.spec["paths"] if path.startswith("/api/v1/")}
    assert templates == documented - {"/api/v1/docs", "/api/v1/openapi.json"}


# ---------------------------------------------------- the cluster API unreachable


@pytest.mark.parametrize("mode", ["refuse", "unavailable"])
def test_cluster_api_down_is_503_and_never_data(logs: LogCapture, mode: str) -> None:
    directory = Path(tempfile.mkdtemp(prefix="osiris-auth-down-"))
    _seed(directory / "bucket")
    with SimulatedApiServer(SimulatedCluster(), tokens=TOKENS, policy=_policy(), tls=True) as api:
        # Down before the first review: the function has no kept-alive connection yet
        # (the simulator's "refuse" still serves established ones, a real outage would not).
        api.set_down(mode)  # type: ignore[arg-type]
        for served in _serve(api, directory, logs):
            logs.take()
            for headers in (ALICE, BOB, bearer(FORGED)):
                for url in EVERY_URL:
                    response = served.get(url, headers)
                    assert response.status_code == 503, (url, response.status_code)
                    assert response.json()["type"].endswith("#problem-cluster-unavailable")
                    assert response.headers["Retry-After"]
                    assert "password" not in response.text and A not in response.text
            # Back up: the same caller is served (nothing was cached while down).
            api.set_down(None)
            assert served.get(operations(A)["log"], ALICE).text == f"{A}: password accepted\n"
            assert served.get(operations(B)["log"], ALICE).status_code == 403
            assert_no_token_logged(logs.take())
