"""Property-based: schemathesis generates requests from /openapi.json (valid and
invalid names, parameters, tokens) and checks every answer against it. No 5xx, no
schema violation, on a bucket with real archived data."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.lookup.app import create_app
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


def _app() -> object:
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="osiris-lookup-property-"))
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
    return create_app(lambda: store, layout, None)


schema = schemathesis.openapi.from_wsgi("/openapi.json", _app())


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
