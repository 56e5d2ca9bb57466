"""schemathesis over every lookup operation, beyond ``tests/lookup/test_property.py``
(AUTH=none, stateless):

* **stateful**: the links schemathesis infers from the schemas (a list's items → the
  build, its log, a BuildConfig's latest) drive sequences of calls through
  functions-framework's app on ``functions/main.py``, so the generated names are real ones
  and the 200 paths are exercised, not just 400 and 404;
* **AUTH=openshift over real HTTP**: the entry point's app, served by a threaded server,
  reviews tokens with the simulated API server (TokenReview and SubjectAccessReview over
  TLS). Each case goes with a token that may read ``shop``, one that may read nothing, a
  forged one or none (or what schemathesis generates for the bearer scheme); every phase,
  valid and invalid data; checks add ``ignored_auth`` (an operation that declares the
  bearer scheme must refuse a request without it).

Checks everywhere: no 5xx, status codes, content types, response schemas and headers as
documented.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from schemathesis.checks import ignored_auth
from werkzeug.serving import make_server

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.entrypoints import lookup as entrypoint
from osiris.entrypoints.lookup import build_app
from osiris.lookup import problems
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.auth import AccessPolicy, User
from osiris.simulator.cluster import SimulatedCluster
from tests.lookup.archive_data import BASE_TIME, StoredBuild, make_log, store_build
from tests.lookup.schemathesis_app import CHECKS, CONFIG, serve_seeded_lookup

SPEC_PATH = Path(problems.__file__).parent / "openapi.json"
SERVICE_ACCOUNT = "system:serviceaccount:osiris:lookup"
TOKENS = {
    "sa-token": User(SERVICE_ACCOUNT),
    "alice-token": User("alice"),
    "bob-token": User("bob"),
}
SHA = "3f786850e387550fdab836ed7e6dc881de23001b"

# ------------------------------------------------------------------ stateful, AUTH=none

STATEFUL_SCHEMA, STATEFUL_APP = serve_seeded_lookup()


def test_schemathesis_infers_links_between_the_operations() -> None:
    machine = STATEFUL_SCHEMA.as_state_machine()
    rules = [name for name in dir(machine) if "__GET_" in name and not name.startswith("RANDOM")]
    targets = {rule.rsplit("__GET_", 1)[1] for rule in rules}
    # From lists to one build, its log, and a BuildConfig's latest build.
    assert {
        "api_v1_namespaces_namespace_builds_name_",
        "api_v1_namespaces_namespace_builds_name_log",
        "api_v1_namespaces_namespace_buildconfigs_buildconfig_latest",
    } <= targets, rules


class _Workflow(STATEFUL_SCHEMA.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        # Other tests reset the entry point's app; the schema's server must find this one.
        entrypoint._app = STATEFUL_APP

    def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
        case.validate_response(response, checks=CHECKS)
        assert response.status_code < 500, response.text
        event(f"{case.operation.label} → {response.status_code}")


TestStatefulWorkflows = _Workflow.TestCase
TestStatefulWorkflows.settings = settings(
    max_examples=40,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


# ------------------------------------------------------- AUTH=openshift, real HTTP


def _seed(root: Path) -> None:
    store = LocalStore(root)
    layout = KeyLayout("osiris", "test")
    for n, (namespace, phase) in enumerate(
        [("shop", "Complete"), ("shop", "Failed"), ("web", "Complete"), ("secret", "Error")]
    ):
        store_build(
            store,
            layout,
            StoredBuild(
                namespace,
                f"api-{n + 1}",
                BASE_TIME + n * 60,
                phase=phase,
                buildconfig="api",
                number=n + 1,
                log=None if phase == "Error" else make_log(f"api-{n}", 20),
                commit=SHA,
            ),
        )


@pytest.fixture(scope="module")
def secured_lookup() -> Iterator[str]:
    """The lookup app as the entry point builds it with AUTH=openshift, over HTTP."""
    policy = (
        AccessPolicy()
        .allow(
            SERVICE_ACCOUNT, resources=["tokenreviews", "subjectaccessreviews"], verbs=["create"]
        )
        .allow("alice", namespaces=["shop"], resources=["builds/log"], verbs=["get"])
    )
    directory = Path(tempfile.mkdtemp(prefix="osiris-schemathesis-auth-"))
    _seed(directory / "bucket")
    with SimulatedApiServer(SimulatedCluster(), tokens=TOKENS, policy=policy, tls=True) as api:
        environment = {
            "OSIRIS_STORAGE_URL": f"file://{directory / 'bucket'}",
            "OSIRIS_CLUSTER": "test",
            "OSIRIS_AUTH": "openshift",
            "OSIRIS_LOG_LEVEL": "ERROR",
            "KUBECONFIG": str(api.write_kubeconfig(directory / "kubeconfig", token="sa-token")),
        }
        server = make_server("127.0.0.1", 0, build_app(environment), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join()


SECURED_SCHEMA = schemathesis.openapi.from_path(SPEC_PATH, config=CONFIG)
# None: the case's own headers (schemathesis's bearer tokens, valid or not, or none).
CALLERS = st.sampled_from(["alice-token", "bob-token", "forged-token", None])
SESSION = requests.Session()


@SECURED_SCHEMA.parametrize()
@SECURED_SCHEMA.given(token=CALLERS)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_with_openshift_auth_every_answer_conforms(
    secured_lookup: str, case: schemathesis.Case, token: str | None
) -> None:
    headers = None if token is None else {"Authorization": f"Bearer {token}"}
    response = case.call(base_url=secured_lookup, headers=headers, session=SESSION)
    case.validate_response(response, checks=[*CHECKS, ignored_auth])
    assert response.status_code < 500, response.text
    event(f"{response.status_code}")
    if response.status_code != 200 or not case.path.startswith("/api/v1/"):
        return
    # Whatever was sent, only alice reads, and only shop: nothing of web or secret leaks.
    if "namespace" in (case.path_parameters or {}):
        assert token == "alice-token" and case.path_parameters["namespace"] == "shop"
    # schemathesis's Response: lower-case header names, each with its list of values.
    media = response.headers.get("content-type", [""])[0]
    body = json.loads(response.content) if media.startswith("application/json") else {}
    items = body.get("items", []) if isinstance(body, dict) else []
    if case.path == "/api/v1/namespaces":
        assert [item["name"] for item in items] == (["shop"] if token == "alice-token" else [])
    for item in items:
        assert item.get("namespace", "shop") == "shop", item
