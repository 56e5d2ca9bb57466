"""The lookup served over real HTTP, as its end-to-end tests read it: a client that takes
each body exactly as sent (no transparent gzip decoding) and checks every answer against
the served /openapi.json."""

from __future__ import annotations

import requests

from tests.lookup.contract import OpenApiContract


class Http:
    def __init__(self, base: str, contract: OpenApiContract) -> None:
        self.base = base
        self.contract = contract
        self.session = requests.Session()

    def get(self, path: str, headers: dict[str, str] | None = None) -> requests.Response:
        response = self.session.get(self.base + path, headers=headers or {}, stream=True)
        # The body exactly as sent (no transparent gzip decoding), then checked.
        body = response.raw.read(decode_content=False)
        response._content = body
        self.contract.check(
            "GET",
            path.split("?", maxsplit=1)[0],
            response.status_code,
            response.headers.get("Content-Type"),
            body,
        )
        return response
