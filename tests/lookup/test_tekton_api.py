"""The lookup API for TaskRuns and PipelineRuns, over runs the real Archiver archived
from the simulated cluster into a local store; every answer checked against the spec."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any

import pytest

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.lookup.auth import User
from tests.lookup.conftest import ValidatingClient
from tests.support.tekton_archive import ArchivedPipeline, TektonFactory

API = "/api/v1/namespaces"


@pytest.fixture
def factory(local_store: LocalStore, layout: KeyLayout) -> TektonFactory:
    return TektonFactory(local_store, layout, "shop", "ci", "secret")


@pytest.fixture
def pipelines(factory: TektonFactory) -> list[ArchivedPipeline]:
    return [
        factory.pipeline("shop", "shop-ci", seed=1),
        factory.pipeline("shop", "shop-ci", outcome="Failed", failing_task="test", seed=2),
        factory.pipeline("shop", "release", seed=3),
    ]


def name(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["name"])


def prefixed(text: bytes, prefix: str) -> bytes:
    """How ``tkn`` prints a step's log: the prefix before every line."""
    lines = text.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return b"".join(prefix.encode() + line + b"\n" for line in lines)


def test_pipelineruns_newest_first_with_their_pipeline_and_filters(
    client: ValidatingClient, pipelines: list[ArchivedPipeline]
) -> None:
    answer = client.get(f"{API}/shop/pipelineruns").json
    assert [item["name"] for item in answer["items"]] == [name(p.run) for p in reversed(pipelines)]
    newest = answer["items"][0]
    assert newest["kind"] == "PipelineRun" and newest["pipeline"] == "release"
    assert newest["phase"] == "Succeeded" and newest["logAvailable"] is None
    assert newest["links"]["pipeline"] == f"{API}/shop/pipelines/release/latest"
    ci = client.get(f"{API}/shop/pipelineruns?pipeline=shop-ci").json["items"]
    assert [item["name"] for item in ci] == [name(pipelines[1].run), name(pipelines[0].run)]
    failed = client.get(f"{API}/shop/pipelineruns?phase=Failed").json["items"]
    assert [item["name"] for item in failed] == [name(pipelines[1].run)]
    wrong = client.get(f"{API}/shop/pipelineruns?phase=Complete")
    assert wrong.status_code == 400 and "Succeeded" in wrong.json["detail"]


def test_taskruns_list_with_task_filter_paging_and_step_log_sizes(
    client: ValidatingClient, factory: TektonFactory, pipelines: list[ArchivedPipeline]
) -> None:
    every = [tr for p in pipelines for tr in p.taskruns]
    listed: list[dict[str, Any]] = []
    url = f"{API}/shop/taskruns?limit=3"
    while True:
        page = client.get(url).json
        listed += page["items"]
        if page["nextPageToken"] is None:
            break
        url = f"{API}/shop/taskruns?limit=3&pageToken={page['nextPageToken']}"
    assert sorted(item["name"] for item in listed) == sorted(name(tr) for tr in every)
    created = [item["created"] for item in listed]
    assert created == sorted(created, reverse=True)
    by_name = {name(tr): tr for tr in every}
    for item in listed:
        taskrun = by_name[item["name"]]
        size = sum(len(factory.step_log(taskrun, step)) for step in factory.steps(taskrun))
        assert item["kind"] == "TaskRun" and item["logBytes"] == size
        assert item["task"] == taskrun["metadata"]["labels"]["tekton.dev/task"]
    tests = client.get(f"{API}/shop/taskruns?task=test").json["items"]
    assert {item["phase"] for item in tests} == {"Succeeded", "Failed"}
    assert all(item["task"] == "test" for item in tests)


def test_a_pipelinerun_document_names_its_taskruns_in_order_with_their_phases(
    client: ValidatingClient, pipelines: list[ArchivedPipeline]
) -> None:
    failed = pipelines[1]
    response, calls = client.s3_calls(f"{API}/shop/pipelineruns/{name(failed.run)}")
    document = response.json
    assert calls == 3  # resolve, read the document, the TaskRuns' index window
    assert document["phase"] == "Failed" and document["pipeline"] == "shop-ci"
    children = document["taskRuns"]
    assert [c["name"] for c in children] == [name(tr) for tr in failed.taskruns]
    assert [c["pipelineTask"] for c in children] == ["clone", "build", "test"]
    assert [c["phase"] for c in children] == ["Succeeded", "Succeeded", "Failed"]
    for child, taskrun in zip(children, failed.taskruns, strict=True):
        uid = taskrun["metadata"]["uid"]
        assert child["archived"] is True and child["uid"] == uid
        assert child["links"]["self"] == f"{API}/shop/taskruns/{name(taskrun)}?uid={uid}"
    assert [s["name"] for s in document["skippedTasks"]] == ["push"]
    assert document["links"]["log"].startswith(f"{API}/shop/pipelineruns/{name(failed.run)}/log")


def test_a_taskrun_not_archived_yet_is_named_with_null_facts(
    client: ValidatingClient, factory: TektonFactory
) -> None:
    run = factory.pipeline("ci", "lint", archive_tasks=False, tasks=("clone", "lint"), seed=9)
    children = client.get(f"{API}/ci/pipelineruns/{name(run.run)}").json["taskRuns"]
    assert [c["archived"] for c in children] == [False, False]
    assert children[0]["phase"] is None and children[0]["links"] == {"self": None, "log": None}
    log = client.get(f"{API}/ci/pipelineruns/{name(run.run)}/log")
    assert log.status_code == 404 and log.content_type.startswith("application/problem+json")


def test_a_taskrun_document_links_each_steps_log_and_its_pipelinerun(
    client: ValidatingClient, pipelines: list[ArchivedPipeline]
) -> None:
    taskrun = pipelines[0].taskruns[1]
    uid = taskrun["metadata"]["uid"]
    document = client.get(f"{API}/shop/taskruns/{name(taskrun)}").json
    assert document["kind"] == "TaskRun" and document["pipelineTask"] == "build"
    path = f"{API}/shop/taskruns/{name(taskrun)}"
    for step in document["steps"]:
        assert step["links"]["log"] == f"{path}/log?uid={uid}&step={step['name']}"
    assert document["links"]["pipelineRun"] == f"{API}/shop/pipelineruns/{name(pipelines[0].run)}"
    assert document["links"]["task"] == f"{API}/shop/tasks/build/latest"


def test_one_steps_log_is_byte_exact_with_everything_a_build_log_has(
    client: ValidatingClient, factory: TektonFactory, pipelines: list[ArchivedPipeline]
) -> None:
    taskrun = pipelines[1].taskruns[2]  # the failed test task
    path = f"{API}/shop/taskruns/{name(taskrun)}/log"
    for step in factory.steps(taskrun):
        expected = factory.step_log(taskrun, step)
        plain = client.get(f"{path}?step={step}")
        assert plain.status_code == 200 and plain.data == expected
        zipped = client.get(f"{path}?step={step}", headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.data) == expected
        tail = client.get(f"{path}?step={step}&tail=3")
        lines = expected.splitlines(keepends=True)
        assert tail.data == b"".join(lines[-3:])
        assert tail.headers["Osiris-First-Line"] == str(len(lines) - 2)
        again = client.get(f"{path}?step={step}", headers={"If-None-Match": plain.headers["ETag"]})
        assert again.status_code == 304
    download = client.get(f"{path}?step={step}&download=1")
    assert f"{name(taskrun)}_{step}.log" in download.headers["Content-Disposition"]
    unknown = client.get(f"{path}?step=nope")
    assert unknown.status_code == 404 and "no step of this name" in unknown.json["detail"]


def test_every_step_together_is_prefixed_as_tkn_prints_it(
    client: ValidatingClient, factory: TektonFactory, pipelines: list[ArchivedPipeline]
) -> None:
    taskrun = pipelines[0].taskruns[0]
    expected = b"".join(
        prefixed(factory.step_log(taskrun, step), f"[{step}] ") for step in factory.steps(taskrun)
    )
    answer = client.get(f"{API}/shop/taskruns/{name(taskrun)}/log")
    assert answer.status_code == 200 and answer.data == expected
    tail = client.get(f"{API}/shop/taskruns/{name(taskrun)}/log?tail=5")
    assert tail.data == b"".join(expected.splitlines(keepends=True)[-5:])
    # Numbered from the steps' line counts in the document: no earlier step is read.
    assert tail.headers["Osiris-First-Line"] == str(len(expected.splitlines()) - 4)


def test_a_pipelineruns_log_is_every_taskrun_step_in_pipeline_order(
    client: ValidatingClient, factory: TektonFactory, pipelines: list[ArchivedPipeline]
) -> None:
    run = pipelines[1]
    tasks = [c["pipelineTaskName"] for c in run.run["status"]["childReferences"]]
    expected = b"".join(
        prefixed(factory.step_log(taskrun, step), f"[{task} : {step}] ")
        for task, taskrun in zip(tasks, run.taskruns, strict=True)
        for step in factory.steps(taskrun)
    )
    answer = client.get(f"{API}/shop/pipelineruns/{name(run.run)}/log")
    assert answer.status_code == 200 and answer.data == expected
    assert "Content-Length" not in answer.headers  # streamed, section by section
    lines = expected.splitlines(keepends=True)
    assert len(lines) < 10_000
    for count in (1, 7, 10_000):
        tail = client.get(f"{API}/shop/pipelineruns/{name(run.run)}/log?tail={count}")
        assert tail.data == b"".join(lines[-count:])
        assert tail.headers["Osiris-First-Line"] == str(max(len(lines) - count, 0) + 1)


def test_a_step_without_a_pod_says_why_and_the_others_are_served(
    client: ValidatingClient, factory: TektonFactory
) -> None:
    run = factory.pipeline("ci", "build", tasks=("clone", "build"), pod_gone=("build",), seed=4)
    gone = run.taskruns[1]
    step = factory.steps(gone)[0]
    answer = client.get(f"{API}/ci/taskruns/{name(gone)}/log?step={step}")
    assert answer.status_code == 404 and "was not archived" in answer.json["detail"]
    whole = client.get(f"{API}/ci/pipelineruns/{name(run.run)}/log").data
    assert whole.startswith(b"[clone : ") and b"[build : " not in whole


def test_tasks_pipelines_and_their_latest_runs(
    client: ValidatingClient, pipelines: list[ArchivedPipeline]
) -> None:
    assert [p["name"] for p in client.get(f"{API}/shop/pipelines").json["items"]] == [
        "release",
        "shop-ci",
    ]
    tasks = client.get(f"{API}/shop/tasks").json["items"]
    assert [t["name"] for t in tasks] == ["build", "clone", "push", "test"]
    assert tasks[0]["links"]["taskRuns"] == f"{API}/shop/taskruns?task=build"
    latest = client.get(f"{API}/shop/pipelines/shop-ci/latest").json
    assert latest["name"] == name(pipelines[1].run)
    succeeded = client.get(f"{API}/shop/pipelines/shop-ci/latest?phase=Succeeded").json
    assert succeeded["name"] == name(pipelines[0].run)
    none = client.get(f"{API}/shop/tasks/test/latest?phase=TimedOut")
    assert none.status_code == 404
    assert none.json["detail"] == "this Task has no archived TaskRun in the phase asked for"


def test_namespaces_with_only_tekton_runs_are_listed(
    client: ValidatingClient, factory: TektonFactory
) -> None:
    factory.task("ci", "lint", seed=3)
    items = client.get("/api/v1/namespaces").json["items"]
    assert [item["name"] for item in items] == ["ci"]
    assert items[0]["links"]["taskRuns"] == f"{API}/ci/taskruns"
    assert items[0]["links"]["pipelines"] == f"{API}/ci/pipelines"
    assert client.get(f"{API}/ci/builds").status_code == 404


def test_runs_of_every_kind_by_commit_and_by_ref(
    client: ValidatingClient, pipelines: list[ArchivedPipeline]
) -> None:
    document = client.get(f"{API}/shop/pipelineruns/{name(pipelines[0].run)}").json
    commit = document["git"]["commit"]
    assert commit is not None
    found = client.get(f"/api/v1/runs?commit={commit[:10]}").json["items"]
    kinds = {(item["kind"], item["name"]) for item in found}
    assert ("PipelineRun", name(pipelines[0].run)) in kinds
    assert all(item["commit"] == commit for item in found)
    by_ref = client.get("/api/v1/runs?ref=refs/heads/main").json
    assert by_ref["ref"] == "main"
    assert {name(p.run) for p in pipelines} <= {item["name"] for item in by_ref["items"]}
    assert client.get(f"/api/v1/builds?commit={commit}").json["items"] == []
    for bad in ("/api/v1/runs", f"/api/v1/runs?commit={commit}&ref=main", "/api/v1/runs?ref=a..b"):
        answer = client.get(bad)
        assert answer.status_code == 400, bad


class OnlyShop:
    """A reviewer of our own: alice may read shop's logs, nothing else."""

    def authenticate(self, token: str) -> User:
        return User("alice", session=token)

    def may_read_logs(self, user: User, namespace: str) -> bool:
        return namespace == "shop"


def test_with_auth_another_namespaces_runs_stay_invisible(
    make_client: Callable[..., ValidatingClient], factory: TektonFactory
) -> None:
    mine = factory.pipeline("shop", "shop-ci", tasks=("clone",), seed=7)
    theirs = factory.pipeline("secret", "shop-ci", tasks=("clone",), seed=7)
    client = make_client(reviewer=OnlyShop())
    auth = {"Authorization": "Bearer t"}
    assert client.get(f"{API}/secret/taskruns", headers=auth).status_code == 403
    assert (
        client.get(f"{API}/secret/pipelineruns/{name(theirs.run)}/log", headers=auth).status_code
        == 403
    )
    names = [item["name"] for item in client.get("/api/v1/namespaces", headers=auth).json["items"]]
    assert names == ["shop"]
    commit = client.get(f"{API}/shop/pipelineruns/{name(mine.run)}", headers=auth).json["git"][
        "commit"
    ]
    found = client.get(f"/api/v1/runs?commit={commit}", headers=auth).json["items"]
    assert found and {item["namespace"] for item in found} == {"shop"}
