"""The archive target through functions-framework's own app (Flask test client).

Real CloudEvents in binary and structured mode, the local-directory store, and the
simulated API server for the cluster side.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import functions_framework
import pytest
from flask.testing import FlaskClient

from osiris.contract import FUNCTION_SOURCE
from osiris.core.keys import BuildRef, KeyLayout
from osiris.dev.processes import PROJECT_ROOT
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.buildlogs import read_all
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.source import encode, make_event

LAYOUT = KeyLayout("osiris", "unit")


@pytest.fixture
def cluster() -> SimulatedCluster:
    cluster = SimulatedCluster()
    cluster.create_namespace("shop")
    cluster.create_buildconfig("shop", "api", strategy="Docker")
    return cluster


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def client(
    cluster: SimulatedCluster, store_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FlaskClient]:
    with SimulatedApiServer(cluster) as apiserver:
        monkeypatch.setenv("KUBECONFIG", str(apiserver.write_kubeconfig(tmp_path / "kubeconfig")))
        monkeypatch.setenv("OSIRIS_STORAGE_URL", f"file://{store_root}")
        monkeypatch.setenv("OSIRIS_CLUSTER", "unit")
        monkeypatch.setenv("FUNCTION_TARGET", "archive")
        app = functions_framework.create_app(
            "archive", str(PROJECT_ROOT / FUNCTION_SOURCE), "cloudevent"
        )
        yield app.test_client()


def post(
    client: FlaskClient,
    obj: dict[str, Any],
    action: str = "update",
    mode: str = "Resource",
    encoding: str = "binary",
) -> Any:
    headers, body = encode(make_event(obj, action, mode=mode), encoding)  # type: ignore[arg-type]
    return client.post("/", data=body, headers=headers)


@pytest.mark.parametrize("encoding", ["binary", "structured"])
@pytest.mark.parametrize("mode", ["Resource", "Reference"])
def test_a_finished_build_is_archived(
    client: FlaskClient, cluster: SimulatedCluster, store_root: Path, mode: str, encoding: str
) -> None:
    build = cluster.start_build("shop", "api", log_size=200_000, seed=11)
    response = post(client, build, mode=mode, encoding=encoding)
    assert response.status_code == 200
    meta = build["metadata"]
    ref = BuildRef(meta["namespace"], meta["name"], meta["uid"])
    log = gzip.decompress((store_root / LAYOUT.log_key(ref)).read_bytes())
    assert log == read_all(cluster.log_spec("shop", "api-1"))
    document = json.loads((store_root / LAYOUT.metadata_key(ref)).read_text())
    assert document["eventType"].endswith(".update") and document["log"]["state"] == "archived"


def test_an_unfinished_build_is_acknowledged_without_writing(
    client: FlaskClient, cluster: SimulatedCluster, store_root: Path
) -> None:
    build = cluster.start_build("shop", "api", run=False)
    assert post(client, build, "add").status_code == 200
    assert not (store_root / "osiris").exists()


def _handled(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == "event handled"]


def test_each_event_logs_one_line_and_an_ignored_one_only_at_debug(
    client: FlaskClient, cluster: SimulatedCluster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "osiris")
    running = cluster.start_build("shop", "api", run=False)
    assert post(client, running, "add").status_code == 200
    assert _handled(caplog) == []

    caplog.set_level(logging.DEBUG, "osiris")
    assert post(client, running, "update").status_code == 200
    (ignored,) = _handled(caplog)
    assert (ignored.levelno, ignored.decision) == (logging.DEBUG, "ignored")  # type: ignore[attr-defined]

    caplog.clear()
    caplog.set_level(logging.INFO, "osiris")
    finished = cluster.start_build("shop", "api", log_size=1000, seed=3)
    assert post(client, finished).status_code == 200
    unusable = {**finished, "metadata": {**finished["metadata"], "uid": "1"}}
    assert post(client, unusable).status_code == 400
    archived, rejected = _handled(caplog)
    assert (archived.levelno, archived.decision) == (logging.INFO, "archived")  # type: ignore[attr-defined]
    assert (rejected.levelno, rejected.decision) == (logging.WARNING, "rejected")  # type: ignore[attr-defined]


def test_events_about_other_kinds_are_acknowledged(client: FlaskClient, store_root: Path) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "shop", "uid": "x"},
    }
    assert post(client, pod).status_code == 200
    assert not (store_root / "osiris").exists()


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            lambda b: {**b, "metadata": {**b["metadata"], "namespace": "Not/A/Namespace"}},
            b"namespace",
        ),
        (lambda b: {**b, "metadata": {**b["metadata"], "uid": "1"}}, b"uid"),
        (lambda b: {**b, "status": {**b["status"], "startTimestamp": "soon"}}, b"RFC 3339"),
    ],
)
def test_unusable_builds_get_400_with_a_short_reason(
    client: FlaskClient, cluster: SimulatedCluster, change: Any, fragment: bytes
) -> None:
    build = change(cluster.start_build("shop", "api"))
    response = post(client, build)
    assert response.status_code == 400
    assert fragment in response.data
    assert b"Not/A/Namespace" not in response.data


def test_not_a_cloudevent_gets_400(client: FlaskClient) -> None:
    assert (
        client.post("/", data=b"{}", headers={"Content-Type": "application/json"}).status_code
        == 400
    )
