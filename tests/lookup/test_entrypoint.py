"""The functions-framework ``lookup`` target, as Knative runs it."""

from __future__ import annotations

import logging
from pathlib import Path

import functions_framework
import pytest

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.entrypoints import lookup as entrypoint
from osiris.errors import ConfigError
from tests.lookup.archive_data import BASE_TIME, StoredBuild, store_build

SOURCE = Path(entrypoint.__file__)


def test_functions_framework_serves_the_lookup_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = LocalStore(tmp_path)
    store_build(
        store, KeyLayout("osiris", "dev"), StoredBuild("shop", "api-1", BASE_TIME, log=b"hello\n")
    )
    monkeypatch.setenv("OSIRIS_STORAGE_URL", f"file://{tmp_path}")
    monkeypatch.setenv("OSIRIS_CLUSTER", "dev")
    monkeypatch.setenv("OSIRIS_AUTH", "none")
    monkeypatch.setattr(entrypoint, "_app", None)
    caplog.set_level(logging.WARNING, "osiris.lookup")
    app = functions_framework.create_app("lookup", str(SOURCE), "http")
    client = app.test_client()
    builds = client.get("/api/v1/namespaces/shop/builds")
    assert builds.status_code == 200 and builds.json["items"][0]["name"] == "api-1"
    assert client.get("/api/v1/namespaces/shop/builds/api-1/log").data == b"hello\n"
    assert client.get("/nope").status_code == 404
    assert any("OSIRIS_AUTH=none" in record.message for record in caplog.records)


def test_bad_configuration_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="OSIRIS_AUTH"):
        entrypoint.build_app({"OSIRIS_STORAGE_URL": "file:///tmp/x", "OSIRIS_AUTH": "maybe"})
