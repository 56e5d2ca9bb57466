"""The simulated cluster's Build objects, phases, events, deletion and log faults."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from osiris.simulator.buildlogs import last_lines
from osiris.simulator.clock import ManualClock
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.errors import ClusterError
from osiris.simulator.faults import LogFault

SCHEMA = (
    Path(__file__).parents[1] / "data" / "schemas" / "openshift-build" / "build-v1.openapi.json"
)
TYPES_PHASES = {"New", "Pending", "Running", "Complete", "Failed", "Error", "Cancelled"}
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def build_validator() -> Draft4Validator:
    doc = json.loads(SCHEMA.read_text())
    return Draft4Validator(
        {
            "definitions": doc["definitions"],
            "$ref": "#/definitions/com.github.openshift.api.build.v1.Build",
        }
    )


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("outcome", ["Complete", "Failed", "Error", "Cancelled"])
@pytest.mark.parametrize("strategy", ["Docker", "Source"])
def test_builds_validate_against_the_upstream_openapi(outcome: Any, strategy: Any) -> None:
    cluster = SimulatedCluster(clock=ManualClock())
    cluster.create_namespace("shop")
    cluster.create_buildconfig(
        "shop", "api", strategy=strategy, node_selector={"kubernetes.io/os": "linux"}
    )
    build = cluster.start_build("shop", "api", outcome=outcome, trigger="GitHub")
    errors = [error.message for error in build_validator().iter_errors(build)]
    assert errors == []
    # The OpenAPI has no enums; these are the values build/v1/types.go allows.
    assert build["status"]["phase"] in TYPES_PHASES
    assert build["spec"]["strategy"]["type"] in {"Docker", "Source", "Custom", "JenkinsPipeline"}
    assert build["spec"]["source"]["type"] in {"Git", "Dockerfile", "Binary", "Image", "None"}


def test_a_buildconfig_without_node_selector_serializes_null_like_go(
    cluster: SimulatedCluster,
) -> None:
    build = cluster.start_build("shop", "api")
    assert build["spec"]["nodeSelector"] is None  # `json:"nodeSelector"` has no omitempty
    # ...which the OpenAPI (no `nullable`) is the only thing to object to.
    errors = [(list(error.path), error.message) for error in build_validator().iter_errors(build)]
    assert errors == [(["spec", "nodeSelector"], "None is not of type 'object'")]


def test_build_metadata_follows_openshift_conventions(cluster: SimulatedCluster) -> None:
    bc = cluster.get_buildconfig("shop", "api")
    first = cluster.start_build("shop", "api")
    second = cluster.start_build("shop", "api")
    meta = second["metadata"]
    assert (first["metadata"]["name"], meta["name"]) == ("api-1", "api-2")
    assert meta["namespace"] == "shop"
    assert uuid.UUID(meta["uid"]).version == 4
    assert int(meta["resourceVersion"]) > int(first["metadata"]["resourceVersion"])
    assert RFC3339.fullmatch(meta["creationTimestamp"])
    assert meta["labels"] == {
        "app": "api",
        "buildconfig": "api",
        "openshift.io/build-config.name": "api",
        "openshift.io/build.start-policy": "Serial",
    }
    assert meta["annotations"] == {
        "openshift.io/build-config.name": "api",
        "openshift.io/build.number": "2",
        "openshift.io/build.pod-name": "api-2-build",
    }
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "build.openshift.io/v1",
            "kind": "BuildConfig",
            "name": "api",
            "uid": bc["metadata"]["uid"],
            "controller": True,
        }
    ]
    assert [entry["manager"] for entry in meta["managedFields"]] == [
        "openshift-apiserver",
        "openshift-controller-manager",
    ]
    assert (second["kind"], second["apiVersion"]) == ("Build", "build.openshift.io/v1")
    assert cluster.get_buildconfig("shop", "api")["status"]["lastVersion"] == 2


def test_spec_revision_matches_what_the_log_says(cluster: SimulatedCluster) -> None:
    build = cluster.start_build("shop", "web", seed=4)
    spec = cluster.log_spec("shop", "web-1")
    git = build["spec"]["revision"]["git"]
    assert build["spec"]["revision"]["type"] == "Git"
    assert git["commit"] == spec.commit and git["message"] == spec.commit_message
    assert git["author"] == {"name": spec.author_name, "email": spec.author_email}
    assert build["spec"]["source"]["git"] == {
        "uri": "https://github.com/example/web",
        "ref": "main",
    }
    assert build["spec"]["strategy"]["sourceStrategy"]["from"]["kind"] == "ImageStreamTag"
    assert build["status"]["output"]["to"]["imageDigest"] == spec.image_digest
    assert build["status"]["outputDockerImageReference"] == spec.output_image


def test_terminal_status_per_outcome(cluster: SimulatedCluster) -> None:
    complete = cluster.start_build("shop", "api", outcome="Complete", duration=42)["status"]
    failed = cluster.start_build("shop", "api", outcome="Failed", duration=7)["status"]
    error = cluster.start_build("shop", "web", outcome="Error")["status"]
    cancelled = cluster.start_build("shop", "web", outcome="Cancelled")["status"]

    assert complete["phase"] == "Complete" and "reason" not in complete
    assert complete["duration"] == 42_000_000_000
    assert (
        parse_time(complete["completionTimestamp"]) - parse_time(complete["startTimestamp"])
    ).seconds == 42
    assert [stage["name"] for stage in complete["stages"]] == [
        "FetchInputs",
        "PullImages",
        "Build",
        "PushImage",
    ]

    assert (failed["reason"], failed["message"]) == (
        "DockerBuildFailed",
        "Docker build strategy has failed.",
    )
    assert failed["duration"] == 7_000_000_000 and failed["output"] == {}
    assert failed["logSnippet"] == "\n".join(last_lines(cluster.log_spec("shop", "api-2"), 5))
    assert failed["logSnippet"].endswith("while running runtime: exit status 1")

    assert (error["reason"], error["message"]) == (
        "CannotCreateBuildPod",
        "Failed creating build pod.",
    )
    assert error["startTimestamp"] == error["completionTimestamp"] and "duration" not in error

    assert cancelled["cancelled"] is True and cancelled["reason"] == "CancelledBuild"
    for status in (complete, failed, error, cancelled):
        assert [c["type"] for c in status["conditions"] if c["status"] == "True"] == [
            status["phase"]
        ]
        assert RFC3339.fullmatch(status["completionTimestamp"])


def test_phases_are_announced_in_order_with_growing_resource_versions(
    cluster: SimulatedCluster,
) -> None:
    seen: list[tuple[str, str, int]] = []
    cluster.subscribe(
        lambda action, obj: seen.append(
            (action, obj["status"]["phase"], int(obj["metadata"]["resourceVersion"]))
        )
    )
    cluster.start_build("shop", "api")
    cluster.start_build("shop", "web", outcome="Error")
    assert [(action, phase) for action, phase, _ in seen] == [
        ("add", "New"),
        ("update", "Pending"),
        ("update", "Running"),
        ("update", "Complete"),
        ("add", "New"),
        ("update", "Error"),
    ]
    versions = [version for *_, version in seen]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)


def test_step_mode_follows_the_manual_clock(cluster: SimulatedCluster, clock: ManualClock) -> None:
    build = cluster.start_build("shop", "api", run=False)
    assert build["status"]["phase"] == "New" and "startTimestamp" not in build["status"]
    clock.advance(3)
    assert cluster.advance_build("shop", "api-1")["status"]["phase"] == "Pending"
    clock.advance(2)
    running = cluster.advance_build("shop", "api-1")
    assert running["status"]["startTimestamp"] == "2025-03-01T09:00:05Z"
    clock.advance(60)
    done = cluster.finish_build("shop", "api-1")
    assert done["status"]["phase"] == "Complete"
    assert done["status"]["completionTimestamp"] == "2025-03-01T09:01:05Z"
    assert done["status"]["duration"] == 60_000_000_000
    with pytest.raises(ClusterError) as raised:
        cluster.advance_build("shop", "api-1")
    assert raised.value.code == 400


def test_delete_announces_the_last_object_and_forgets_the_build(cluster: SimulatedCluster) -> None:
    build = cluster.start_build("shop", "api")
    deleted: list[dict[str, Any]] = []
    cluster.subscribe(lambda action, obj: deleted.append(obj) if action == "delete" else None)
    cluster.delete_build("shop", "api-1")
    assert deleted == [build]
    with pytest.raises(ClusterError) as raised:
        cluster.get_build("shop", "api-1")
    assert (raised.value.code, raised.value.reason) == (404, "NotFound")
    assert raised.value.message == 'builds.build.openshift.io "api-1" not found'


def test_pruning_keeps_the_newest_five_of_each_kind(cluster: SimulatedCluster) -> None:
    for _ in range(7):
        cluster.start_build("shop", "api")
    cluster.start_build("shop", "api", outcome="Failed")
    assert cluster.prune_builds("shop", "api") == ["api-1", "api-2"]
    assert [b["metadata"]["name"] for b in cluster.list_builds("shop")] == [
        "api-3",
        "api-4",
        "api-5",
        "api-6",
        "api-7",
        "api-8",
    ]


def test_log_faults_apply_in_order_then_clear(cluster: SimulatedCluster) -> None:
    cluster.start_build("shop", "api")
    cluster.add_log_fault("shop", "api-1", LogFault(status=503, times=2))
    cluster.add_log_fault("shop", "api-1", LogFault(cut_after=100, times=1))
    faults = [cluster.open_log("shop", "api-1").fault for _ in range(4)]
    assert [(f.status, f.cut_after) for f in faults] == [
        (503, None),
        (503, None),
        (None, 100),
        (None, None),
    ]
    assert cluster.log_requests("shop", "api-1") == 4


def test_unreadable_logs_fail_like_openshift_apiserver(cluster: SimulatedCluster) -> None:
    cluster.start_build("shop", "api", outcome="Error")
    cluster.start_build("shop", "api", outcome="Cancelled")
    cluster.start_build("shop", "api")
    cluster.delete_build_pod("shop", "api-3")
    messages = {}
    for name in ("api-1", "api-2", "api-3"):
        with pytest.raises(ClusterError) as raised:
            cluster.open_log("shop", name)
        assert (raised.value.code, raised.value.reason) == (400, "BadRequest")
        messages[name] = raised.value.message
    assert messages == {
        "api-1": "build api-1 is in an error state. No logs are available.",
        "api-2": "build api-2 was cancelled. No logs are available.",
        "api-3": 'pod "api-3-build" not found',
    }
