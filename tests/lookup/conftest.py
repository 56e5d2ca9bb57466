from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.lookup.app import create_app
from osiris.lookup.auth import AccessReviewer
from osiris.lookup.metrics import Metrics
from tests.lookup.contract import OpenApiContract


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
