"""Property-based: schemathesis generates requests from /openapi.json (valid and
invalid names, parameters, tokens; examples, coverage and fuzzing phases) and checks every
answer against it. No 5xx, no schema or content-type violation, on a bucket with real
archived data, through functions-framework's app as the image serves it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from unittest import mock

import functions_framework
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema

from osiris.adapters.localdisk import LocalStore
from osiris.contract import FUNCTION_SOURCE, LOOKUP_TARGET
from osiris.core.keys import KeyLayout
from osiris.entrypoints import lookup as entrypoint
from tests.lookup.archive_data import BASE_TIME, StoredBuild, make_log, store_build

# "No 5xx and no schema violation". Left out on purpose: the auth checks (this app
# runs with AUTH=none; test_auth.py covers auth) and "positive data acceptance" (a
# random pageToken is schema-valid but rightly refused: tokens are opaque).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


SOURCE = Path(__file__).resolve().parents[2] / FUNCTION_SOURCE
# Every generation phase, valid and invalid data: the fuzzing phase with negative data
# is what found the line feed functions-framework's routing answered with HTML.
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
        },
        "generation": {"mode": "all"},
    }
)


def _seed(root: Path) -> None:
    store = LocalStore(root)
    layout = KeyLayout("osiris", "test")
    for n, phase in enumerate(("Complete", "Failed", "Error", "Cancelled", "Complete")):
        store_build(
            store,
            layout,
            StoredBuild(
                "shop",
                f"api-{n + 1}",
                BASE_TIME + n * 60,
                phase=phase,
                buildconfig="api",
                number=n + 1,
                log=None if phase == "Error" else make_log(f"api-{n}", 30),
                commit="3f786850e387550fdab836ed7e6dc881de23001b",
            ),
        )


def _serve() -> tuple[BaseSchema, Flask]:
    """The schema served by functions-framework's app on functions/main.py (its routing
    in front of ours), and the lookup app the entry point built in it from the
    environment, as the image runs them."""
    root = Path(tempfile.mkdtemp(prefix="osiris-lookup-property-"))
    _seed(root)
    environ = {
        "FUNCTION_TARGET": LOOKUP_TARGET,
        "OSIRIS_STORAGE_URL": f"file://{root}",
        "OSIRIS_CLUSTER": "test",
        "OSIRIS_AUTH": "none",
        "OSIRIS_LOG_LEVEL": "ERROR",
    }
    with mock.patch.dict(os.environ, environ), mock.patch.object(entrypoint, "_app", None):
        server = functions_framework.create_app(LOOKUP_TARGET, str(SOURCE), "http")
        served = schemathesis.openapi.from_wsgi("/openapi.json", server, config=CONFIG)
        return served, entrypoint.app()


schema, LOOKUP_APP = _serve()


@pytest.fixture(autouse=True)
def _entry_point_serves_the_seeded_app(monkeypatch: pytest.MonkeyPatch) -> None:
    # The schema is loaded when pytest collects this module; other tests reset the entry
    # point's app, so each test here puts this one back.
    monkeypatch.setattr(entrypoint, "_app", LOOKUP_APP)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_every_answer_conforms(case: schemathesis.Case) -> None:
    response = case.call()
    case.validate_response(response, checks=CHECKS)
    assert response.status_code < 500, response.text


def test_the_property_run_covers_every_api_operation() -> None:
    operations = {op.ok().label for op in schema.get_all_operations()}
    documented = {f"GET {path}" for path in schema.raw_schema["paths"]}
    # schemathesis leaves out the path it loaded the schema from.
    assert operations == documented - {"GET /openapi.json"}
    assert "GET /api/v1/namespaces/{namespace}/builds/{name}/log" in operations
