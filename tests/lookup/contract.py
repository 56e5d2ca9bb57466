"""Every response the lookup tests see is checked against the served /openapi.json.

:class:`OpenApiContract` finds the operation of a request path, requires the status to
be documented for it, the media type to be one the spec names, and a JSON body to
validate against the schema (with ``$ref`` resolved inside the spec).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:osiris:lookup-openapi"
JSON_TYPES = ("application/json", "application/problem+json")


class ContractViolationError(AssertionError):
    pass


@dataclass(frozen=True)
class _Route:
    template: str
    pattern: re.Pattern[str]
    literal_segments: int


class OpenApiContract:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._registry: Registry = Registry().with_resource(
            SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
        )
        routes = []
        for template in spec["paths"]:
            regex = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
            literal = sum(1 for part in template.split("/") if part and "{" not in part)
            routes.append(_Route(template, re.compile(regex), literal))
        # The most literal template wins (none overlap today; this keeps it so).
        self._routes = sorted(routes, key=lambda route: -route.literal_segments)

    def template_of(self, path: str) -> str | None:
        for route in self._routes:
            if route.pattern.match(path):
                return route.template
        return None

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def validate_json(self, pointer: str, document: Any) -> None:
        validator = Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=self._registry)
        errors = sorted(validator.iter_errors(document), key=lambda error: error.path)
        if errors:
            raise ContractViolationError(
                f"{pointer}: {errors[0].message} at {list(errors[0].path)}"
            )

    def check(
        self, method: str, path: str, status: int, content_type: str | None, body: bytes
    ) -> None:
        media = (content_type or "").split(";")[0].strip()
        template = self.template_of(path)
        if template is None:
            # Not an API path (e.g. "/" or a typo): only problem answers are allowed
            # besides the HTML page.
            if status >= 400:
                self._check_problem(media, body, status)
            return
        operation = self.spec["paths"][template].get(method.lower())
        if operation is None:
            if status != 405:
                raise ContractViolationError(
                    f"{method} {template} is not in the spec but got {status}"
                )
            self._check_problem(media, body, status)
            return
        responses = operation["responses"]
        if str(status) not in responses:
            raise ContractViolationError(f"{method} {template}: status {status} is not documented")
        response = self._resolve(responses[str(status)])
        content = response.get("content")
        if not content:
            if body:
                raise ContractViolationError(f"{method} {template} {status}: unexpected body")
            return
        if media not in content:
            raise ContractViolationError(
                f"{method} {template} {status}: media type {media!r} not in {sorted(content)}"
            )
        if media in JSON_TYPES:
            document = json.loads(body)
            pointer = self._pointer_of(responses[str(status)], media, template, method, status)
            self.validate_json(pointer, document)

    def _pointer_of(
        self, response: dict[str, Any], media: str, template: str, method: str, status: int
    ) -> str:
        if "$ref" in response:
            base = response["$ref"].removeprefix("#")
        else:
            escaped = template.replace("~", "~0").replace("/", "~1")
            base = f"/paths/{escaped}/{method.lower()}/responses/{status}"
        return f"{base}/content/{media.replace('/', '~1')}/schema"

    def _check_problem(self, media: str, body: bytes, status: int) -> None:
        if media != "application/problem+json":
            raise ContractViolationError(f"status {status} answered with {media!r}, not a problem")
        document = json.loads(body)
        self.validate_json("/components/schemas/Problem", document)
        if document["status"] != status:
            raise ContractViolationError("problem status differs from the HTTP status")
