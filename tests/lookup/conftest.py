"""Lookup fixtures: the Flask test client over a local bucket, each answer checked against
the served spec; and for the end-to-end tests over Ceph, the entry point's environment on
the suite's S3 bucket and its app served over real HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.entrypoints.lookup import build_app
from osiris.lookup.app import create_app
from osiris.lookup.auth import AccessReviewer
from osiris.lookup.metrics import Metrics
from tests.lookup.contract import OpenApiContract
from tests.lookup.served_http import Http
from tests.support.s3 import S3Bucket


class ValidatingClient:
    """The Flask test client; every answer is checked against the served spec."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._client = app.test_client()
        spec = json.loads(self._client.get("/openapi.json").data)
        self.contract = OpenApiContract(spec)
        self.metrics: Metrics = app.extensions["osiris.metrics"]

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> TestResponse:
        response = self._client.open(url, method=method, **kwargs)
        body = response.get_data()
        self.contract.check(
            method, urlsplit(url).path, response.status_code, response.content_type, body
        )
        return response

    def s3_calls(self, url: str, **kwargs: Any) -> tuple[TestResponse, int]:
        before = self.metrics.s3_calls()
        response = self.get(url, **kwargs)
        return response, self.metrics.s3_calls() - before


@pytest.fixture
def layout() -> KeyLayout:
    return KeyLayout("osiris", "test")


@pytest.fixture
def local_store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "bucket")


@pytest.fixture
def make_client(local_store: LocalStore, layout: KeyLayout) -> Callable[..., ValidatingClient]:
    def build(reviewer: AccessReviewer | None = None, store: Any = None) -> ValidatingClient:
        chosen = local_store if store is None else store
        return ValidatingClient(create_app(lambda: chosen, layout, reviewer))

    return build


@pytest.fixture
def client(make_client: Callable[..., ValidatingClient]) -> ValidatingClient:
    return make_client()


@pytest.fixture
def environment(s3_bucket: S3Bucket) -> dict[str, str]:
    """The lookup entry point's environment: the suite's bucket, cluster "e2e", no auth."""
    return {**s3_bucket.environ(), "OSIRIS_CLUSTER": "e2e", "OSIRIS_AUTH": "none"}


@pytest.fixture
def served(environment: dict[str, str]) -> Iterator[Http]:
    """The app the entry point builds from ``environment``, served over real HTTP."""
    app = build_app(environment)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        spec = requests.get(base + "/openapi.json", timeout=10).json()
        yield Http(base, OpenApiContract(spec))
    finally:
        server.shutdown()
        thread.join()
