"""Build objects and ApiServerSource events → facts and decisions (pure core)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from osiris.core.events import IgnoredEvent, Mode, RunEvent, parse_event
from osiris.errors import InvalidEventError
from osiris.kinds.build import parse_build
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.source import make_event


@pytest.fixture
def build() -> dict[str, Any]:
    cluster = SimulatedCluster()
    cluster.create_namespace("shop")
    cluster.create_buildconfig("shop", "api", strategy="Docker")
    return cluster.start_build("shop", "api", outcome="Failed", log_size=10_000, seed=3)


def attributes_and_data(obj: dict[str, Any], action: str, mode: str) -> tuple[dict[str, Any], Any]:
    event = make_event(obj, action, mode=mode)
    return event.get_attributes(), event.get_data()


def test_facts_follow_the_build_object(build: dict[str, Any]) -> None:
    facts = parse_build(build)
    status, meta = build["status"], build["metadata"]
    assert (facts.ref.namespace, facts.ref.name, facts.ref.uid) == ("shop", "api-1", meta["uid"])
    assert facts.phase == "Failed" and facts.finished
    assert facts.buildconfig == "api" and facts.number == 1
    assert facts.reason == status["reason"] and facts.message == status["message"]
    assert facts.duration_seconds == status["duration"] / 1e9
    assert facts.git is not None and facts.git.commit == build["spec"]["revision"]["git"]["commit"]
    assert facts.strategy == "Docker"
    entry = facts.index_entry(123)
    assert (entry.phase, entry.number, entry.group, entry.log_bytes) == (
        "Failed",
        1,
        "api",
        123,
    )


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("metadata", "name"), "Bad_Name"),
        (("metadata", "namespace"), "../etc"),
        (("metadata", "uid"), "nope"),
        (("metadata", "creationTimestamp"), "yesterday"),
        (("metadata",), "not-an-object"),
        (("status",), ["list"]),
    ],
)
def test_unusable_builds_are_rejected(
    build: dict[str, Any], path: tuple[str, ...], value: Any
) -> None:
    broken = copy.deepcopy(build)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(InvalidEventError):
        parse_build(broken)


@pytest.mark.parametrize("mode", ["Resource", "Reference"])
@pytest.mark.parametrize("action", ["add", "update", "delete"])
def test_build_events_in_both_modes(build: dict[str, Any], mode: str, action: str) -> None:
    attributes, data = attributes_and_data(build, action, mode)
    event = parse_event(attributes, data)
    assert isinstance(event, RunEvent)
    assert (event.namespace, event.name, event.action) == ("shop", "api-1", action)
    assert event.mode is (Mode.RESOURCE if mode == "Resource" else Mode.REFERENCE)
    assert (event.obj is not None) == (mode == "Resource")


def test_other_kinds_and_types_are_ignored(build: dict[str, Any]) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"}}
    attributes, data = attributes_and_data(pod, "add", "Resource")
    assert isinstance(parse_event(attributes, data), IgnoredEvent)
    attributes, data = attributes_and_data(build, "add", "Resource")
    assert isinstance(parse_event({**attributes, "type": "com.example.other"}, data), IgnoredEvent)
    assert isinstance(
        parse_event({**attributes, "type": "dev.knative.apiserver.resource.patch"}, data),
        IgnoredEvent,
    )


@pytest.mark.parametrize(
    "mutate",
    [
        lambda a, d: ({k: v for k, v in a.items() if k != "id"}, d),
        lambda a, d: (a, "a string"),
        lambda a, d: (a, None),
        lambda a, d: (a, {**d, "metadata": {"name": "Bad Name", "namespace": "shop"}}),
        lambda a, d: ({**a, "kind": None}, {k: v for k, v in d.items() if k != "kind"}),
    ],
)
def test_malformed_events_are_invalid(build: dict[str, Any], mutate: Any) -> None:
    attributes, data = mutate(*attributes_and_data(build, "update", "Resource"))
    with pytest.raises(InvalidEventError):
        parse_event(attributes, data)
