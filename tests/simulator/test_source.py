"""ApiServerSource emulation: event attributes, encodings, sequential delivery and retries."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
from cloudevents.http import from_http

from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.source import EventSender, encode, make_event

from .conftest import RecordingSink

SOURCE = "https://172.30.0.1:443"
CE_HEADERS = {
    "ce-specversion",
    "ce-id",
    "ce-source",
    "ce-type",
    "ce-subject",
    "ce-time",
    "ce-kind",
    "ce-apiversion",
    "ce-name",
    "ce-namespace",
}


def test_resource_mode_binary_event(cluster: SimulatedCluster) -> None:
    build = cluster.start_build("shop", "api")
    headers, body = encode(make_event(build, "update", "Resource", SOURCE))
    assert set(headers) == CE_HEADERS | {"content-type"}
    assert headers["content-type"] == "application/json"
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-type"] == "dev.knative.apiserver.resource.update"
    assert headers["ce-source"] == SOURCE
    assert headers["ce-subject"] == "/apis/build.openshift.io/v1/namespaces/shop/builds/api-1"
    assert (headers["ce-kind"], headers["ce-apiversion"]) == ("Build", "build.openshift.io/v1")
    assert (headers["ce-name"], headers["ce-namespace"]) == ("api-1", "shop")
    assert uuid.UUID(headers["ce-id"])
    assert datetime.fromisoformat(headers["ce-time"].replace("Z", "+00:00")).tzinfo is not None
    assert json.loads(body) == build  # the whole object, managedFields included
    assert b'", "' not in body  # compact like Go's encoding/json


def test_reference_mode_structured_event(cluster: SimulatedCluster) -> None:
    build = cluster.start_build("shop", "web")
    headers, body = encode(make_event(build, "delete", "Reference", SOURCE), "structured")
    assert headers == {"content-type": "application/cloudevents+json"}
    envelope = json.loads(body)
    assert set(envelope) == {
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
        "data",
    }
    assert envelope["type"] == "dev.knative.apiserver.ref.delete"
    assert envelope["datacontenttype"] == "application/json"
    assert list(envelope["data"].items()) == [
        ("kind", "Build"),
        ("namespace", "shop"),
        ("name", "web-1"),
        ("apiVersion", "build.openshift.io/v1"),
    ]


@pytest.mark.parametrize("encoding", ["binary", "structured"])
@pytest.mark.parametrize("mode", ["Resource", "Reference"])
def test_events_parse_back_with_the_cloudevents_sdk(
    cluster: SimulatedCluster, encoding: str, mode: str
) -> None:
    build = cluster.start_build("shop", "api")
    event = make_event(build, "add", mode, SOURCE)  # type: ignore[arg-type]
    headers, body = encode(event, encoding)  # type: ignore[arg-type]
    parsed = from_http(headers, body)
    assert parsed.get_attributes() == event.get_attributes()
    assert parsed.data == event.data


def test_the_sender_posts_every_change_in_order(
    cluster: SimulatedCluster, sink: RecordingSink
) -> None:
    with EventSender(cluster, sink.url, source_url=SOURCE) as sender:
        cluster.start_build("shop", "api")
        cluster.delete_build("shop", "api-1")
        assert sender.wait_idle(timeout=30)
    deliveries = sender.deliveries
    assert [(d.event_type.rsplit(".", 1)[1], d.phase) for d in deliveries] == [
        ("add", "New"),
        ("update", "Pending"),
        ("update", "Running"),
        ("update", "Complete"),
        ("delete", "Complete"),
    ]
    assert all(d.delivered and d.attempts == 1 for d in deliveries)
    assert [body["status"]["phase"] for body in sink.bodies()] == [
        "New",
        "Pending",
        "Running",
        "Complete",
        "Complete",
    ]
    assert [event.headers["ce-id"] for event in sink.received] == [d.event_id for d in deliveries]


def test_retries_follow_the_direct_sink_policy(
    cluster: SimulatedCluster, sink: RecordingSink
) -> None:
    sender = EventSender(cluster, sink.url, backoff_delay=0.001)
    build = cluster.start_build("shop", "api")
    cases = {503: [503, 503, 200], 500: [500], 404: [404] * 6, 429: [429, 200], 400: [400]}
    outcomes = {}
    for code, script in cases.items():
        sink.script[:] = script
        outcomes[code] = sender.send(make_event(build, "update"))
    assert {code: (d.status, d.attempts) for code, d in outcomes.items()} == {
        503: (200, 3),
        500: (500, 1),
        404: (404, 6),
        429: (200, 2),
        400: (400, 1),
    }
    assert len(sink.received) == 3 + 1 + 6 + 2 + 1


def test_an_unreachable_sink_is_retried_then_recorded(cluster: SimulatedCluster) -> None:
    sender = EventSender(cluster, "http://127.0.0.1:9/", backoff_delay=0.001)
    delivery = sender.send(make_event(cluster.start_build("shop", "api"), "add"))
    assert (delivery.status, delivery.attempts, delivery.delivered) == (None, 6, False)
    assert delivery.error is not None and "Connection" in delivery.error
