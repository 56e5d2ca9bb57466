"""Label and field selectors and list continuation, as the API server reads them (pure).

``labelSelector`` (``=``, ``==``, ``!=``, ``in``, ``notin``, exists, ``!`` not exists),
``fieldSelector`` on ``metadata.name`` and ``metadata.namespace``, and the opaque
``continue`` token of a paged list.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from osiris.simulator.errors import bad_request

JSON = dict[str, Any]


@dataclass(frozen=True)
class Requirement:
    """One selector term; ``op`` is "=", "!=", "exists" or "!exists"."""

    key: str
    op: str
    value: str = ""

    def matches(self, values: Mapping[str, str]) -> bool:
        if self.op == "exists":
            return self.key in values
        if self.op == "!exists":
            return self.key not in values
        return (values.get(self.key) == self.value) == (self.op == "=")


_LABEL_KEY = r"[A-Za-z0-9._/-]+"


def parse_label_selector(text: str) -> list[Requirement]:
    requirements = []
    for raw in filter(None, (part.strip() for part in text.split(","))):
        match = re.fullmatch(rf"({_LABEL_KEY})\s*(==|!=|=)\s*([A-Za-z0-9._-]*)", raw)
        if match:
            key, op, value = match.groups()
            requirements.append(Requirement(key, "!=" if op == "!=" else "=", value))
        elif re.fullmatch(_LABEL_KEY, raw):
            requirements.append(Requirement(raw, "exists"))
        elif re.fullmatch(rf"!{_LABEL_KEY}", raw):
            requirements.append(Requirement(raw[1:], "!exists"))
        else:
            raise bad_request(
                f"unable to parse requirement: found '{raw}', "
                "expected: '=', '!=', '==', 'in', notin'"
            )
    return requirements


_FIELDS = ("metadata.name", "metadata.namespace")


def parse_field_selector(text: str) -> list[Requirement]:
    requirements = []
    for raw in filter(None, (part.strip() for part in text.split(","))):
        match = re.fullmatch(r"([a-zA-Z.]+)\s*(==|!=|=)\s*(.*)", raw)
        if not match or match.group(1) not in _FIELDS:
            field = re.split(r"[=!]", raw, maxsplit=1)[0]
            raise bad_request(f'"{field}" is not a known field selector: only {", ".join(_FIELDS)}')
        key, op, value = match.groups()
        requirements.append(Requirement(key, "!=" if op == "!=" else "=", value))
    return requirements


def matches(obj: JSON, labels: list[Requirement], fields: list[Requirement]) -> bool:
    meta = obj["metadata"]
    field_values = {"metadata.name": meta["name"], "metadata.namespace": meta.get("namespace", "")}
    return all(r.matches(meta.get("labels", {})) for r in labels) and all(
        r.matches(field_values) for r in fields
    )


def encode_continue(resource_version: str, last_key: str) -> str:
    token = {"v": "meta.k8s.io/v1", "rv": int(resource_version), "start": f"{last_key}\x00"}
    return base64.b64encode(json.dumps(token, separators=(",", ":")).encode()).decode()


def decode_continue(token: str) -> str:
    try:
        data = json.loads(base64.b64decode(token, validate=True))
        start = data["start"]
        if data.get("v") != "meta.k8s.io/v1" or not isinstance(start, str):
            raise ValueError("unsupported continue version")
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise bad_request(f"continue key is not valid: {exc}") from None
    return start.rstrip("\x00")
