"""Hypothesis strategies for what an ApiServerSource (or anybody who can reach the
archive function) might send: CloudEvent attributes, Build objects with one field spoiled,
and whole HTTP requests in binary, structured and batch mode or with a wrong content type.

Everything starts from a real event (the simulated cluster's finished Build, encoded by
the simulator's ApiServerSource emulation) and changes one to a few things, so the
examples stay close to the code paths a real event takes instead of failing at the first
check.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from cloudevents.http import CloudEvent
from hypothesis import assume
from hypothesis import strategies as st

from osiris.simulator.source import encode, make_event, reference

JSON = dict[str, Any]

# Strings that have broken parsers before, or sit at the edges of what the key layout and
# the time parsing accept.
AWKWARD_TEXT = [
    "",
    " ",
    "..",
    "../../etc/passwd",
    "a/b",
    "a%2Fb",
    "a\x00b",
    "a\nb",
    "a\r\nX-Injected: 1",
    "é€𝄞",
    "\ud800",  # a lone surrogate: not encodable as UTF-8
    "Shop",
    "x" * 64,
    "x" * 254,
    "a." * 127,
    "x" * 100_000,
    "²",
    "١٢٣",  # Arabic-Indic digits: str.isdigit() is true, int() may still refuse others
    "9" * 5000,  # more digits than int() converts by default
    "-1",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59Z",
    "1969-12-31T23:59:59Z",
    "2300-01-01T00:00:00Z",
    "2026-01-01T00:00:00",
    "2026-13-01T00:00:00Z",
    "2026-01-01T00:00:00.123456789Z",
    "soon",
    "Complete",
    "Failed",
    "Running",
    "New",
    "Build",
    "build.openshift.io/v1",
    "build.openshift.io/v2",
    "dev.knative.apiserver.resource.update",
    "dev.knative.apiserver.ref.delete",
    "dev.knative.apiserver.resource.",
    "dev.knative.apiserver.",
]

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(AWKWARD_TEXT),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=10), children, max_size=4),
    ),
    max_leaves=8,
)
# A replacement for a string field: mostly strings, some other JSON.
field_values = st.one_of(st.sampled_from(AWKWARD_TEXT), st.text(max_size=80), json_values)

# RFC 3339 times anywhere in datetime's range, in any offset: the edges overflow when
# converted to UTC, and most of the range lies outside the key layout's 1970-2286.
offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
timestamps = st.one_of(
    st.datetimes(timezones=offsets).map(lambda moment: moment.isoformat()),
    st.datetimes(
        min_value=datetime(1969, 1, 1), max_value=datetime(2300, 1, 1), timezones=st.just(UTC)
    ).map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.sampled_from([t for t in AWKWARD_TEXT if t[:1].isdigit()]),
)
# Digit strings as str.isdigit() sees them: any script, any length.
digit_strings = st.one_of(
    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=10**6).map(str),
    st.sampled_from(["9" * 5000, "0" * 20, "-1", "1.5", " 1"]),
)
TYPED_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "creationTimestamp": timestamps,
    "startTimestamp": timestamps,
    "completionTimestamp": timestamps,
    "openshift.io/build.number": digit_strings,
    "duration": st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70), st.floats(), st.sampled_from(["5s"])
    ),
}

# Where a Build can be spoiled: every field osiris reads, and a few containers.
BUILD_PATHS: list[tuple[str, ...]] = [
    ("kind",),
    ("apiVersion",),
    ("metadata",),
    ("metadata", "name"),
    ("metadata", "namespace"),
    ("metadata", "uid"),
    ("metadata", "resourceVersion"),
    ("metadata", "creationTimestamp"),
    ("metadata", "annotations"),
    ("metadata", "annotations", "openshift.io/build-config.name"),
    ("metadata", "annotations", "openshift.io/build.number"),
    ("metadata", "labels"),
    ("metadata", "labels", "openshift.io/build-config.name"),
    ("metadata", "labels", "buildconfig"),
    ("spec",),
    ("spec", "strategy"),
    ("spec", "strategy", "type"),
    ("spec", "source"),
    ("spec", "source", "git"),
    ("spec", "source", "git", "uri"),
    ("spec", "source", "contextDir"),
    ("spec", "revision"),
    ("spec", "revision", "git"),
    ("spec", "revision", "git", "commit"),
    ("spec", "revision", "git", "author"),
    ("spec", "triggeredBy"),
    ("status",),
    ("status", "phase"),
    ("status", "reason"),
    ("status", "message"),
    ("status", "startTimestamp"),
    ("status", "completionTimestamp"),
    ("status", "duration"),
    ("status", "config"),
    ("status", "config", "name"),
    ("status", "output"),
    ("status", "output", "to"),
    ("status", "output", "to", "imageDigest"),
    ("status", "outputDockerImageReference"),
]

_MISSING = object()


def spoil(obj: JSON, path: tuple[str, ...], value: Any) -> JSON:
    """A deep copy of ``obj`` with ``path`` set to ``value`` (removed for ``_MISSING``);
    containers on the way that are not objects are replaced by objects."""
    spoiled = copy.deepcopy(obj)
    node: Any = spoiled
    for part in path[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    if value is _MISSING:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return spoiled


@st.composite
def spoiled_builds(draw: st.DrawFn, build: JSON) -> JSON:
    """``build`` with one to three fields replaced or removed."""
    spoiled = build
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(BUILD_PATHS))
        typed = TYPED_VALUES.get(path[-1])
        value = draw(
            st.one_of(st.just(_MISSING), field_values)
            if typed is None or draw(st.integers(0, 3)) == 0
            else typed
        )
        spoiled = spoil(spoiled, path, value)
    return spoiled


ATTRIBUTE_NAMES = [
    "specversion",
    "id",
    "source",
    "type",
    "subject",
    "time",
    "datacontenttype",
    "kind",
    "apiversion",
    "name",
    "namespace",
]


@st.composite
def spoiled_attributes(draw: st.DrawFn, attributes: JSON) -> JSON:
    """CloudEvent attributes with some removed, emptied, retyped or replaced."""
    spoiled = dict(attributes)
    for name in draw(st.lists(st.sampled_from(ATTRIBUTE_NAMES), max_size=3, unique=True)):
        change = draw(st.sampled_from(["remove", "empty", "value"]))
        if change == "remove":
            spoiled.pop(name, None)
        elif change == "empty":
            spoiled[name] = ""
        else:
            spoiled[name] = draw(field_values)
    return spoiled


# ---------------------------------------------------------------- whole HTTP requests


@dataclass(frozen=True)
class Delivery:
    """One HTTP request to the archive function; ``label`` says how it was made."""

    label: str
    headers: dict[str, str]
    body: bytes

    def __repr__(self) -> str:  # hypothesis prints it for a failing example
        head = self.body[:300]
        return f"Delivery({self.label!r}, headers={self.headers!r}, body[:300]={head!r}, len={len(self.body)})"


def _header_safe(value: str) -> bool:
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return "\r" not in value and "\n" not in value and "\x00" not in value


header_values = st.one_of(
    st.sampled_from([t for t in AWKWARD_TEXT if _header_safe(t) and len(t) < 6000]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60),
)


def _mangle_body(draw: st.DrawFn, body: bytes) -> tuple[str, bytes]:
    how = draw(
        st.sampled_from(
            [
                "as is",
                "truncated",
                "invalid utf-8",
                "huge",
                "random bytes",
                "not an object",
                "deeply nested",
            ]
        )
    )
    if how == "truncated":
        return how, body[: draw(st.integers(min_value=0, max_value=max(0, len(body) - 1)))]
    if how == "invalid utf-8":
        at = draw(st.integers(min_value=0, max_value=len(body)))
        bad = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80"]))
        return how, body[:at] + bad + body[at:]
    if how == "huge":
        # A Build with a 2 MB annotation: far larger than any real one, still JSON.
        padding = "p" * draw(st.sampled_from([1 << 16, 2 << 20]))
        try:
            document = json.loads(body)
        except ValueError:
            return how, body + padding.encode()
        # The spoiled Build (or its envelope) may be any JSON: pad what is there.
        target = document
        if isinstance(document, dict) and isinstance(document.get("data"), dict):
            target = document["data"]
        if not isinstance(target, dict):
            return how, json.dumps([document, padding]).encode()
        if not isinstance(target.get("metadata"), dict):
            target["metadata"] = {}
        target["metadata"]["annotations"] = {"pad": padding}
        return how, json.dumps(document).encode()
    if how == "deeply nested":
        depth = draw(st.sampled_from([100, 100_000]))
        return how, b"[" * depth + b"]" * depth
    if how == "random bytes":
        return how, draw(st.binary(max_size=200))
    if how == "not an object":
        return how, json.dumps(draw(json_scalars | st.lists(json_scalars, max_size=3))).encode()
    return how, body


def _utf8_encodable(data: Any) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


@st.composite
def deliveries(draw: st.DrawFn, build: JSON) -> Delivery:
    """A request in binary, structured or batch mode, or with a wrong content type, made
    from an event about ``build`` (itself possibly spoiled)."""
    mode = draw(st.sampled_from(["Resource", "Reference"]))
    action = draw(st.sampled_from(["add", "update", "delete"]))
    attributes = make_event(build, action, mode=mode).get_attributes()  # type: ignore[arg-type]
    data = build if mode == "Resource" else reference(build)
    event = CloudEvent(dict(attributes), draw(st.one_of(st.just(data), spoiled_builds(data))))
    # A lone surrogate cannot be sent as UTF-8 at all (the unit-level tests have them).
    assume(_utf8_encodable(event.get_data()))
    encoding = draw(st.sampled_from(["binary", "structured", "batch", "wrong content type"]))
    if encoding == "binary":
        headers, body = encode(event, "binary")
        for name in draw(st.lists(st.sampled_from(ATTRIBUTE_NAMES), max_size=3, unique=True)):
            header = f"ce-{name}" if name != "datacontenttype" else "content-type"
            change = draw(st.sampled_from(["remove", "empty", "value"]))
            if change == "remove":
                headers.pop(header, None)
            else:
                headers[header] = "" if change == "empty" else draw(header_values)
        how, body = _mangle_body(draw, body)
        return Delivery(f"binary/{how}", headers, body)
    if encoding in ("structured", "batch"):
        _, raw = encode(event, "structured")
        document = json.loads(raw)
        document = draw(spoiled_attributes(document))
        if draw(st.booleans()) and "data" in document:
            # data_base64 instead of data: valid base64, or not.
            data = document.pop("data")
            document["data_base64"] = draw(
                st.sampled_from(["!!!", "", "eyJhIjoxfQ", json.dumps(data)[:20]])
            )
        body = json.dumps(document).encode()
        how, body = _mangle_body(draw, body)
        if encoding == "batch":
            body = b"[" + body + b"]" if draw(st.booleans()) else body
            return Delivery(
                f"batch/{how}", {"Content-Type": "application/cloudevents-batch+json"}, body
            )
        content_type = draw(
            st.sampled_from(
                [
                    "application/cloudevents+json",
                    "application/cloudevents+json; charset=utf-8",
                    "APPLICATION/CLOUDEVENTS+JSON",
                ]
            )
        )
        return Delivery(f"structured/{how}", {"Content-Type": content_type}, body)
    headers, body = encode(event, draw(st.sampled_from(["binary", "structured"])))
    wrong = draw(
        st.sampled_from(
            [
                None,
                "text/plain",
                "application/xml",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/octet-stream",
                "application/cloudevents+xml",
                "application/json; charset=latin-1",
                "",
            ]
        )
    )
    headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    if wrong is not None:
        headers["Content-Type"] = wrong
    if draw(st.booleans()):
        headers = {k: v for k, v in headers.items() if not k.lower().startswith("ce-")}
    how, body = _mangle_body(draw, body)
    return Delivery(f"content-type {wrong!r}/{how}", headers, body)
