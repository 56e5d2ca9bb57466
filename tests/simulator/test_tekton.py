"""The simulated cluster's Tekton runs: shapes (against the CRDs), outcomes, pod logs, events."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import urllib3

from osiris.kinds import kind_of
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.faults import LogFault
from osiris.simulator.source import make_event
from tests.deploy.schemas import validate


def every_object(cluster: SimulatedCluster) -> list[dict[str, Any]]:
    return cluster.tekton.list_taskruns() + cluster.tekton.list_pipelineruns()


def test_objects_validate_against_the_tekton_crds(cluster: SimulatedCluster) -> None:
    runs = cluster.tekton
    runs.run_pipeline("shop", "shop-ci")
    runs.run_pipeline("shop", "shop-ci", outcome="Failed", failing_task="test")
    runs.run_pipeline("shop", "shop-ci", outcome="Cancelled", failing_task="build")
    runs.run_pipeline("shop", "shop-ci", outcome="TimedOut")
    runs.run_task("shop", "buildah", labels={"build.shipwright.io/name": "api"})
    runs.run_task("shop", "lint", outcome="Failed", no_pod=True)
    objects = every_object(cluster)
    # TaskRuns: 4 + 3 (failed at test) + 2 (cancelled at build) + 3 (timed out at test) + 2;
    # and the 4 PipelineRuns.
    assert len(objects) == 4 + 3 + 2 + 3 + 2 + 4
    for obj in objects:
        assert "tekton/300-" in validate(obj)[0]


@pytest.mark.parametrize(
    ("outcome", "reason", "children", "last_reason"),
    [
        ("Succeeded", "Succeeded", ["clone", "build", "test", "push"], "Succeeded"),
        ("Failed", "Failed", ["clone", "build", "test"], "Failed"),
        ("Cancelled", "Cancelled", ["clone", "build", "test"], "TaskRunCancelled"),
        ("TimedOut", "PipelineRunTimeout", ["clone", "build", "test"], "TaskRunTimeout"),
    ],
)
def test_a_pipeline_runs_its_tasks_in_order_and_stops_at_the_failing_one(
    cluster: SimulatedCluster, outcome: Any, reason: str, children: list[str], last_reason: str
) -> None:
    run = cluster.tekton.run_pipeline("shop", "shop-ci", outcome=outcome, failing_task="test")
    condition = run["status"]["conditions"][0]
    assert (condition["status"], condition["reason"]) == (
        "True" if outcome == "Succeeded" else "False",
        reason,
    )
    refs = run["status"]["childReferences"]
    assert [ref["pipelineTaskName"] for ref in refs] == children
    last = cluster.tekton.get_taskrun("shop", refs[-1]["name"])
    assert last["status"]["conditions"][0]["reason"] == last_reason
    assert last["metadata"]["labels"]["tekton.dev/pipelineRun"] == run["metadata"]["name"]
    assert last["metadata"]["ownerReferences"][0]["uid"] == run["metadata"]["uid"]
    if outcome == "Failed":
        assert run["status"]["skippedTasks"] == [
            {"name": "push", "reason": "PipelineRun was stopping"}
        ]
        assert last["status"]["steps"][-1]["terminated"]["exitCode"] == 1


def test_the_clone_task_reports_its_commit_and_the_pipeline_passes_it_on(
    cluster: SimulatedCluster,
) -> None:
    run = cluster.tekton.run_pipeline("shop", "shop-ci", seed=3)
    clone = cluster.tekton.get_taskrun("shop", run["status"]["childReferences"][0]["name"])
    commit = {r["name"]: r["value"] for r in clone["status"]["results"]}["commit"]
    assert len(commit) == 40
    assert {"name": "commit", "value": commit} in run["status"]["results"]
    facts = kind_of("tekton.dev/v1", "PipelineRun").parse(run)  # type: ignore[union-attr]
    assert (facts.commit, facts.git_ref, facts.phase) == (commit, "main", "Succeeded")


def get(server: SimulatedApiServer, path: str) -> urllib3.BaseHTTPResponse:
    return urllib3.request(
        "GET",
        server.url + path,
        headers={"Authorization": "Bearer sha256~archiver-token"},
        preload_content=True,
    )


def test_step_logs_stream_chunked_and_byte_exact_over_http(
    cluster: SimulatedCluster, server: SimulatedApiServer
) -> None:
    server.policy.allow("system:serviceaccount:osiris:archive", resources=["taskruns", "pods/log"])
    run = cluster.tekton.run_task(
        "shop", "buildah", steps=("build", "push"), step_log_size={"build": 300_000}
    )
    pod = run["status"]["podName"]
    response = get(server, f"/api/v1/namespaces/shop/pods/{pod}/log?container=step-build")
    assert response.status == 200 and response.headers.get("Transfer-Encoding") == "chunked"
    expected = cluster.tekton.step_log("shop", run["metadata"]["name"], "build")
    assert len(expected) == 300_000 and response.data == expected
    assert hashlib.sha256(response.data).hexdigest() == hashlib.sha256(expected).hexdigest()
    listed = get(server, "/apis/tekton.dev/v1/namespaces/shop/taskruns").json()
    assert listed["kind"] == "TaskRunList" and [i["metadata"]["name"] for i in listed["items"]] == [
        run["metadata"]["name"]
    ]


def test_pod_log_errors_are_the_core_apis(
    cluster: SimulatedCluster, server: SimulatedApiServer
) -> None:
    server.policy.allow("system:serviceaccount:osiris:archive", resources=["pods/log"])
    run = cluster.tekton.run_task("shop", "buildah", steps=("build", "push"))
    pod = run["status"]["podName"]
    unknown = get(server, f"/api/v1/namespaces/shop/pods/{pod}/log?container=step-nope")
    assert unknown.status == 400
    assert unknown.json()["message"] == f"container step-nope is not valid for pod {pod}"
    unnamed = get(server, f"/api/v1/namespaces/shop/pods/{pod}/log")
    assert (
        unnamed.status == 400 and "a container name must be specified" in unnamed.json()["message"]
    )
    cluster.tekton.add_log_fault("shop", pod, "step-push", LogFault(status=503))
    assert get(server, f"/api/v1/namespaces/shop/pods/{pod}/log?container=step-push").status == 503
    cluster.tekton.delete_pod("shop", run["metadata"]["name"])
    gone = get(server, f"/api/v1/namespaces/shop/pods/{pod}/log?container=step-build")
    assert gone.status == 404 and gone.json()["message"] == f'pods "{pod}" not found'


def test_reading_pod_logs_needs_the_right(
    cluster: SimulatedCluster, server: SimulatedApiServer
) -> None:
    run = cluster.tekton.run_task("shop", "buildah")
    path = f"/api/v1/namespaces/shop/pods/{run['status']['podName']}/log?container=step-build"
    denied = get(server, path)
    assert denied.status == 403 and 'cannot get resource "pods/log"' in denied.json()["message"]


def test_discovery_lists_the_tekton_resources(server: SimulatedApiServer) -> None:
    names = [r["name"] for r in get(server, "/apis/tekton.dev/v1").json()["resources"]]
    assert {"taskruns", "pipelineruns"} <= set(names)
    assert "pods/log" in [r["name"] for r in get(server, "/api/v1").json()["resources"]]


def test_events_carry_the_apiserversource_attributes(cluster: SimulatedCluster) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    cluster.subscribe(lambda action, obj: seen.append((action, obj)))
    run = cluster.tekton.run_pipeline("shop", "shop-ci", tasks=("clone",))
    assert [(a, o["kind"]) for a, o in seen] == [
        ("add", "PipelineRun"),
        ("add", "TaskRun"),
        ("update", "TaskRun"),
        ("update", "PipelineRun"),
    ]
    event = make_event(seen[-1][1], "update")
    assert (
        event["subject"]
        == f"/apis/tekton.dev/v1/namespaces/shop/pipelineruns/{run['metadata']['name']}"
    )
    assert (event["kind"], event["apiversion"]) == ("PipelineRun", "tekton.dev/v1")
    cluster.tekton.delete_pipelinerun("shop", run["metadata"]["name"])
    assert [(a, o["kind"]) for a, o in seen[-2:]] == [
        ("delete", "TaskRun"),
        ("delete", "PipelineRun"),
    ]
    assert cluster.tekton.list_taskruns("shop") == []
