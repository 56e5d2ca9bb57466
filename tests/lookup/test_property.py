"""Property-based: schemathesis generates requests from /openapi.json (valid and
invalid names, parameters, tokens; examples, coverage and fuzzing phases) and checks every
answer against it. No 5xx, no schema or content-type violation, on a bucket with real
archived data, through functions-framework's app as the image serves it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from osiris.entrypoints import lookup as entrypoint
from tests.lookup.schemathesis_app import CHECKS, serve_seeded_lookup

schema, LOOKUP_APP = serve_seeded_lookup()


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
