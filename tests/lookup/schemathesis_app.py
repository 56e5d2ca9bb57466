"""The lookup as the schemathesis tests run it: a bucket seeded with archived builds,
served by functions-framework's app on functions/main.py as the image serves it, with its
schema loaded from /openapi.json; and the checks and generation config those tests use
(``tests/lookup/test_property.py``, ``tests/fuzz/test_lookup_schemathesis.py``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from unittest import mock

import functions_framework
import schemathesis
from flask import Flask
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
# runs with AUTH=none; tests/lookup/test_auth.py covers auth) and "positive data
# acceptance" (a random pageToken is schema-valid but rightly refused: tokens are opaque).
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


def serve_seeded_lookup() -> tuple[BaseSchema, Flask]:
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
