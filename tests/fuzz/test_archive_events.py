"""Property-based fuzzing of the archive function's input: CloudEvents (attributes and
data) and whole HTTP requests (binary, structured, batch, wrong content types).

The archive contract (``osiris.entrypoints.archive``): 2xx when the event is handled or
not ours, 400 for an event that can never be handled (Knative does not redeliver it),
503 for a transient failure (redelivered). So for any input:

* never a 500, and no status but 200, 400 and 503;
* a rejected event (400 or 503) leaves nothing in the store;
* nothing is ever written outside ``<prefix>/v1/<cluster>/``.

Three levels: :func:`~osiris.core.events.parse_event` alone; the
:class:`~osiris.entrypoints.archive.ArchiveFunction` on the in-process cluster with a
recording wrapper around the local-disk store; and functions-framework's own app on
``functions/main.py`` (as the image serves it) with the simulated API server over HTTP.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import functions_framework
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import BadRequest, ServiceUnavailable

from osiris.adapters.localdisk import LocalStore
from osiris.archive.service import Archiver, StreamSettings
from osiris.contract import FUNCTION_SOURCE
from osiris.core import names
from osiris.core.events import IgnoredEvent, RunEvent, parse_event
from osiris.core.keys import KeyLayout
from osiris.dev.processes import PROJECT_ROOT
from osiris.entrypoints.archive import ArchiveFunction
from osiris.errors import InvalidEventError
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.source import make_event, reference
from tests.fuzz.strategies import (
    JSON,
    Delivery,
    deliveries,
    json_values,
    spoil,
    spoiled_attributes,
    spoiled_builds,
)
from tests.support.inprocess import InProcessBuilds
from tests.support.recording import RecordingStore

PREFIX, CLUSTER = "osiris", "fuzz"
LAYOUT = KeyLayout(PREFIX, CLUSTER)
OUR_KEYS = f"{PREFIX}/v1/{CLUSTER}/"
SETTINGS = StreamSettings(part_size=5 * 1024 * 1024)
DOCUMENTED = {200, 400, 503}
FUZZ = settings(
    max_examples=150,
    deadline=None,
    # Explaining a failure re-runs it thousands of times; the shrunk example is enough.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _cluster() -> tuple[SimulatedCluster, list[JSON]]:
    cluster = SimulatedCluster()
    cluster.create_namespace("shop")
    cluster.create_buildconfig("shop", "api", strategy="Docker")
    builds = [
        cluster.start_build("shop", "api", outcome="Complete", log_size=2000, seed=1),
        cluster.start_build("shop", "api", outcome="Failed", log_size=2000, seed=2),
        cluster.start_build("shop", "api", outcome="Error"),
        cluster.start_build("shop", "api", run=False),
    ]
    return cluster, builds


CLUSTER_SIM, BUILDS = _cluster()
FINISHED = BUILDS[0]
# Tekton runs read their times with the same parser (osiris.kinds.fields.time).
TASKRUN_RUN = CLUSTER_SIM.tekton.run_task("shop", "lint", step_log_size=500, seed=3)
PIPELINERUN_RUN = CLUSTER_SIM.tekton.run_pipeline(
    "shop", "shop-ci", tasks=("build",), step_log_size=500, seed=4
)


def attributes_of(build: JSON, action: str = "update", mode: str = "Resource") -> JSON:
    return dict(make_event(build, action, mode=mode).get_attributes())  # type: ignore[arg-type]


def event_data(build: JSON) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.just(build),
        spoiled_builds(build),
        st.just(reference(build)),
        spoiled_builds(reference(build)),
        json_values,
        st.binary(max_size=50),
    )


def published(root: Path) -> set[str]:
    """Every object key in a local-disk store (its staging directories left out)."""
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and not path.relative_to(root).parts[0].startswith(".")
    }


# ------------------------------------------------------------------- parse_event


@FUZZ
@given(
    st.sampled_from(BUILDS).flatmap(
        lambda build: st.tuples(
            spoiled_attributes(attributes_of(build)) | st.just(attributes_of(build)),
            event_data(build),
        )
    )
)
def test_parse_event_classifies_every_event_or_rejects_it(sent: tuple[JSON, Any]) -> None:
    attributes, data = sent
    try:
        parsed = parse_event(attributes, data)
    except InvalidEventError as exc:
        assert exc.message and len(exc.message) < 300
        return
    assert isinstance(parsed, RunEvent | IgnoredEvent)
    if isinstance(parsed, RunEvent):
        # Only validated names get as far as a key.
        assert names.is_label(parsed.namespace) and names.is_subdomain(parsed.name)


# ---------------------------------------------------------- the archive function


@pytest.fixture(scope="module")
def function_under_test() -> Iterator[tuple[ArchiveFunction, RecordingStore, Path]]:
    root = Path(tempfile.mkdtemp(prefix="osiris-fuzz-archive-"))
    store = RecordingStore(LocalStore(root))
    archiver = Archiver(store, InProcessBuilds(CLUSTER_SIM), LAYOUT, SETTINGS)
    yield ArchiveFunction(archiver), store, root
    shutil.rmtree(root, ignore_errors=True)


@FUZZ
@given(
    st.sampled_from(BUILDS).flatmap(
        lambda build: st.tuples(
            st.sampled_from(["Resource", "Reference"]),
            st.sampled_from(["add", "update", "delete"]),
            st.booleans(),
            spoiled_builds(build),
        )
    )
)
def test_the_archive_function_rejects_bad_builds_without_writing(
    function_under_test: tuple[ArchiveFunction, RecordingStore, Path],
    sent: tuple[str, str, bool, JSON],
) -> None:
    function, store, root = function_under_test
    mode, action, spoil_attributes, build = sent
    attributes = attributes_of(BUILDS[0], action, mode)
    if spoil_attributes:
        # The extensions repeat the object's (spoiled) kind and name.
        meta = build.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        attributes.update(
            kind=build.get("kind"),
            apiversion=build.get("apiVersion"),
            name=meta.get("name"),
            namespace=meta.get("namespace"),
        )
    data = build if mode == "Resource" else reference(BUILDS[0]) | {"name": attributes["name"]}
    shutil.rmtree(root / PREFIX, ignore_errors=True)
    store.clear()
    try:
        function(attributes, data)
        event("written" if store.writes() else "acknowledged")
    except (BadRequest, ServiceUnavailable) as exc:
        event(f"{exc.code}")
        assert store.writes() == [], exc
        assert published(root) == set()
        assert exc.description and len(exc.description) < 300
    for call in store.calls:
        assert call.key.startswith(OUR_KEYS), call


# ------------------------------------------------ functions-framework's app, HTTP


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FlaskClient, Path]]:
    """functions-framework's app on functions/main.py, the local-disk store and the
    simulated API server (over HTTP) as the cluster, as ``osiris dev`` runs them."""
    directory = tmp_path_factory.mktemp("archive-served")
    root = directory / "store"
    environment = {
        "OSIRIS_STORAGE_URL": f"file://{root}",
        "OSIRIS_PREFIX": PREFIX,
        "OSIRIS_CLUSTER": CLUSTER,
        "OSIRIS_LOG_LEVEL": "ERROR",
        "FUNCTION_TARGET": "archive",
    }
    with SimulatedApiServer(CLUSTER_SIM) as apiserver, pytest.MonkeyPatch.context() as patch:
        patch.setenv("KUBECONFIG", str(apiserver.write_kubeconfig(directory / "kubeconfig")))
        for name, value in environment.items():
            patch.setenv(name, value)
        app = functions_framework.create_app(
            "archive", str(PROJECT_ROOT / FUNCTION_SOURCE), "cloudevent"
        )
        yield app.test_client(), root


def check_delivery(status: int, body: bytes, before: set[str], after: set[str]) -> None:
    assert status in DOCUMENTED, (status, body[:500])
    if status != 200:
        assert after == before, sorted(after - before)
    assert all(key.startswith(OUR_KEYS) for key in after), sorted(after)


@settings(FUZZ, max_examples=250)
@given(st.sampled_from(BUILDS[:3]).flatmap(deliveries))
def test_any_request_gets_a_documented_status_and_a_rejection_writes_nothing(
    served: tuple[FlaskClient, Path], delivery: Delivery
) -> None:
    client, root = served
    shutil.rmtree(root / PREFIX, ignore_errors=True)
    before = published(root)
    response = client.post("/", data=delivery.body, headers=delivery.headers)
    event(f"{delivery.label.split('/')[0]} → {response.status_code}")
    check_delivery(response.status_code, response.get_data(), before, published(root))


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/cloudevents-batch+json", b"[]"),
        ("application/cloudevents-batch+json", b'[{"specversion":"1.0"}]'),
        ("application/cloudevents+json", b"\xff\xfe"),
        ("application/cloudevents+json", b'{"specversion":"1.0","id":"\xff"}'),
        ("application/cloudevents+json", b"[" * 100_000 + b"]" * 100_000),
        ("application/cloudevents+json", b'{"foo": 1}'),
        (None, b""),
        ("application/x-www-form-urlencoded", b"a=b"),
        ("text/plain", b"hello"),
    ],
)
def test_requests_the_fuzzer_found_are_400_without_echo(
    served: tuple[FlaskClient, Path], content_type: str | None, body: bytes
) -> None:
    """Each was a 500 (invalid UTF-8, batch, deep nesting), a 415 or a 400 that echoed
    the request's headers and body, before the server app read the envelope itself."""
    client, root = served
    shutil.rmtree(root / PREFIX, ignore_errors=True)
    headers = {"Authorization": "Bearer secret-token"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = client.post("/", data=body, headers=headers)
    assert response.status_code == 400, response.get_data()[:300]
    assert b"secret-token" not in response.get_data()
    assert len(response.get_data()) < 1000
    assert published(root) == set()


def test_a_deeply_nested_binary_event_is_400(served: tuple[FlaskClient, Path]) -> None:
    client, _ = served
    headers = dict.fromkeys(("ce-id", "ce-source"), "x")
    headers.update({"ce-specversion": "1.0", "ce-type": "dev.knative.apiserver.resource.update"})
    headers["Content-Type"] = "application/json"
    response = client.post("/", data=b"[" * 100_000 + b"]" * 100_000, headers=headers)
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("metadata", "creationTimestamp"), "0001-01-01T00:00:00+01:00"),  # OverflowError
        (("metadata", "creationTimestamp"), "9999-12-31T23:59:59-01:00"),  # OverflowError
        (("metadata", "creationTimestamp"), "2300-01-01T00:00:00Z"),  # after the log upload
        (("status", "startTimestamp"), "1969-12-31T23:59:59Z"),  # after the log upload
        (("status", "completionTimestamp"), "1960-01-01T00:00:00Z"),  # after the log upload
    ],
)
def test_times_the_key_layout_cannot_hold_are_400_before_any_write(
    function_under_test: tuple[ArchiveFunction, RecordingStore, Path],
    path: tuple[str, ...],
    value: str,
) -> None:
    function, store, root = function_under_test
    shutil.rmtree(root / PREFIX, ignore_errors=True)
    store.clear()
    with pytest.raises(BadRequest, match="outside 1970-2286"):
        function(attributes_of(FINISHED), spoil(FINISHED, path, value))
    assert store.writes() == [] and published(root) == set()


def _with_step_time(run: JSON, key: str, value: str) -> JSON:
    spoiled = copy.deepcopy(run)
    spoiled["status"]["steps"][0]["terminated"][key] = value
    return spoiled


@pytest.mark.parametrize(
    ("run", "spoiled"),
    [
        pytest.param(
            TASKRUN_RUN,
            spoil(TASKRUN_RUN, ("metadata", "creationTimestamp"), "0001-01-01T00:00:00+01:00"),
            id="taskrun-created-overflow",
        ),
        pytest.param(
            TASKRUN_RUN,
            spoil(TASKRUN_RUN, ("status", "startTime"), "1969-12-31T23:59:59Z"),
            id="taskrun-started-1969",
        ),
        pytest.param(
            TASKRUN_RUN,
            spoil(TASKRUN_RUN, ("status", "completionTime"), "2300-01-01T00:00:00Z"),
            id="taskrun-completed-2300",
        ),
        pytest.param(
            TASKRUN_RUN,
            _with_step_time(TASKRUN_RUN, "finishedAt", "9999-12-31T23:59:59-01:00"),
            id="taskrun-step-finished-overflow",
        ),
        pytest.param(
            PIPELINERUN_RUN,
            spoil(PIPELINERUN_RUN, ("status", "completionTime"), "2300-01-01T00:00:00Z"),
            id="pipelinerun-completed-2300",
        ),
    ],
)
def test_tekton_times_the_key_layout_cannot_hold_are_400_before_any_write(
    function_under_test: tuple[ArchiveFunction, RecordingStore, Path], run: JSON, spoiled: JSON
) -> None:
    function, store, root = function_under_test
    shutil.rmtree(root / PREFIX, ignore_errors=True)
    store.clear()
    function(attributes_of(run), copy.deepcopy(run))  # the run as it is archives
    assert store.writes()
    shutil.rmtree(root / PREFIX, ignore_errors=True)
    store.clear()
    with pytest.raises(BadRequest, match="outside 1970-2286"):
        function(attributes_of(run), spoiled)
    assert store.writes() == [] and published(root) == set()


@pytest.mark.parametrize("number", ["\u1369", "\u00b2", "9" * 5000, "\uff11\uff12"])
def test_a_build_number_that_is_not_ascii_digits_is_left_out(
    function_under_test: tuple[ArchiveFunction, RecordingStore, Path], number: str
) -> None:
    """``str.isdigit()`` accepts these; ``int()`` raised (a 500) or read another number."""
    function, store, root = function_under_test
    shutil.rmtree(root / PREFIX, ignore_errors=True)
    build = spoil(FINISHED, ("metadata", "annotations", "openshift.io/build.number"), number)
    function(attributes_of(FINISHED), build)
    index_keys = [call.key for call in store.writes() if "/index/" in call.key]
    assert index_keys
    assert {LAYOUT.parse_index_key(key)[1].number for key in index_keys} == {None}
