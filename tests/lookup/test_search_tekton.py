"""Search over every kind: TaskRun steps (and so PipelineRuns) beside Builds, over runs
the real Archiver archived from the simulated cluster; expected hits are computed from
the simulated cluster's own step logs, line by line, not from the search."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.lookup.app import create_app
from osiris.lookup.auth import User
from osiris.lookup.search import SEARCH_PIECE, SearchBudget
from tests.lookup.archive_data import BASE_TIME, StoredBuild, store_build
from tests.lookup.conftest import ValidatingClient
from tests.support.recording import RecordingStore
from tests.support.tekton_archive import ArchivedPipeline, TektonFactory

API = "/api/v1/namespaces"
SEARCH = f"{API}/shop/search"
PATTERN = "checkpoint 0000000[12]"
Hit = tuple[str, str, str | None, int]  # kind, run, step, line


@pytest.fixture
def factory(local_store: LocalStore, layout: KeyLayout) -> TektonFactory:
    return TektonFactory(local_store, layout, "shop", "secret")


@pytest.fixture
def archive(
    factory: TektonFactory, local_store: LocalStore, layout: KeyLayout
) -> tuple[list[ArchivedPipeline], list[dict[str, Any]], StoredBuild]:
    """An old Build, two PipelineRuns and a TaskRun of no pipeline, in shop; the same
    pipeline in secret."""
    build_log = b"".join(
        b"collected 1000 items / progress checkpoint %08d\n" % n for n in range(1, 4)
    )
    build = StoredBuild("shop", "api-1", BASE_TIME, "Failed", "api", 1, log=build_log)
    store_build(local_store, layout, build)
    pipelines = [
        factory.pipeline("shop", "shop-ci", seed=1, step_log_size=4000),
        factory.pipeline(
            "shop", "release", outcome="Failed", failing_task="test", seed=2, step_log_size=4000
        ),
    ]
    alone = [factory.task("shop", "lint", steps=("check", "report"), step_log_size=3000, seed=3)]
    factory.pipeline("secret", "shop-ci", seed=1, step_log_size=4000)
    return pipelines, alone, build


def name(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["name"])


def lines_matching(text: bytes, pattern: str) -> list[tuple[int, str]]:
    return [
        (number, line.decode())
        for number, line in enumerate(text.split(b"\n"), start=1)
        if re.search(pattern, line.decode())
    ]


def expected(
    client: ValidatingClient,
    factory: TektonFactory,
    taskruns: dict[str, dict[str, Any]],
    build: StoredBuild,
    pattern: str = PATTERN,
) -> list[Hit]:
    """Every matching line: TaskRuns in the order the API lists them (newest first),
    each step in step order, then the Build (the oldest run)."""
    listed = client.get(f"{API}/shop/taskruns?limit=1000").json["items"]
    out: list[Hit] = []
    for item in listed:
        taskrun = taskruns[item["name"]]
        for step in factory.steps(taskrun):
            log = factory.step_log(taskrun, step)
            out += [("TaskRun", item["name"], step, n) for n, _ in lines_matching(log, pattern)]
    assert build.log is not None
    out += [("Build", build.name, None, n) for n, _ in lines_matching(build.log, pattern)]
    return out


def got(items: list[dict[str, Any]]) -> list[Hit]:
    return [(i["kind"], i["run"]["name"], i.get("step"), i["line"]) for i in items]


def follow(
    client: ValidatingClient, url: str, token: str | None = None, **headers: str
) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    pages = 0
    while True:
        answer = client.get(url + (f"&pageToken={token}" if token else ""), headers=headers)
        assert answer.status_code == 200, answer.json
        items += answer.json["items"]
        pages += 1
        token = answer.json["nextPageToken"]
        if token is None:
            return items, pages


def by_name(archive: tuple[list[ArchivedPipeline], list[dict[str, Any]], StoredBuild]) -> dict:
    pipelines, alone, _ = archive
    runs = [tr for p in pipelines for tr in p.taskruns] + alone
    return {name(tr): tr for tr in runs}


def test_every_kind_newest_first_each_step_in_order_linked_to_its_line(
    client: ValidatingClient, factory: TektonFactory, archive: Any
) -> None:
    pipelines, alone, build = archive
    taskruns = by_name(archive)
    body = client.get(f"{SEARCH}?q={PATTERN}&limit=1000").json
    want = expected(client, factory, taskruns, build)
    assert len({hit[1] for hit in want}) == len(taskruns) + 1  # every run has a hit
    assert got(body["items"]) == want
    assert body["searched"] == {
        "builds": 1,
        "taskRuns": len(taskruns),
        "bytes": body["searched"]["bytes"],
    }
    pipeline_of = {name(tr): name(p.run) for p in pipelines for tr in p.taskruns}
    for item in body["items"]:
        if item["kind"] == "Build":
            assert item["build"] == item["run"] and "step" not in item
            continue
        run, step = item["run"], item["step"]
        assert item["pipelineRun"] == pipeline_of.get(run["name"])
        assert run["task"] == taskruns[run["name"]]["spec"]["taskRef"]["name"]
        path = f"/namespaces/shop/taskruns/{run['name']}"
        query = f"uid={run['uid']}&step={step}"
        assert item["links"]["line"] == f"{path}?{query}#L{item['line']}"
        assert item["links"]["log"] == f"/api/v1{path}/log?{query}"
        # The link serves the step's log, and its line is the line found.
        log = client.get(item["links"]["log"], headers={"Accept-Encoding": "identity"})
        assert log.get_data().split(b"\n")[item["line"] - 1].decode() == item["text"]
    assert alone[0]["metadata"]["name"] in {i["run"]["name"] for i in body["items"]}


def test_kind_and_group_filters(
    client: ValidatingClient, factory: TektonFactory, archive: Any
) -> None:
    pipelines, _, build = archive
    taskruns = by_name(archive)
    every = expected(client, factory, taskruns, build)

    def search(query: str) -> list[Hit]:
        return got(client.get(f"{SEARCH}?q={PATTERN}&limit=1000&{query}").json["items"])

    assert search("kind=build") == [hit for hit in every if hit[0] == "Build"]
    assert search("kind=taskrun") == [hit for hit in every if hit[0] == "TaskRun"]
    assert search("kind=build,taskrun") == every
    assert search("buildconfig=api") == [hit for hit in every if hit[0] == "Build"]
    tests = [hit for hit in every if hit[2] == "test"]
    assert tests and search("task=test") == tests
    release = {name(tr) for tr in pipelines[1].taskruns}
    assert search("pipeline=release") == [hit for hit in every if hit[1] in release]
    failed = {
        name(tr) for tr in taskruns.values() if tr["status"]["conditions"][0]["status"] == "False"
    }
    assert failed and search("phase=Failed") == [
        hit for hit in every if hit[1] in failed or hit[0] == "Build"
    ]
    assert search("phase=Succeeded") == [
        hit for hit in every if hit[0] == "TaskRun" and hit[1] not in failed
    ]
    assert search("phase=Complete") == []  # a Build phase: only Builds, and api-1 failed
    for bad in (
        "kind=pipelinerun",
        "kind=build&task=test",
        "buildconfig=api&task=test",
        "phase=Nope",
    ):
        answer = client.get(f"{SEARCH}?q=x&{bad}")
        assert answer.status_code == 400, bad


@pytest.mark.parametrize("limit", [1, 2, 7])
def test_paging_resumes_inside_a_step_and_across_kinds(
    client: ValidatingClient, factory: TektonFactory, archive: Any, limit: int
) -> None:
    want = expected(client, factory, by_name(archive), archive[2])
    items, pages = follow(client, f"{SEARCH}?q={PATTERN}&limit={limit}")
    assert got(items) == want
    assert pages >= len(want) // limit


def test_a_small_byte_budget_resumes_mid_step_without_losing_or_repeating_a_line(
    local_store: LocalStore, layout: KeyLayout, factory: TektonFactory, archive: Any
) -> None:
    big = factory.task("shop", "big", steps=("one", "two"), step_log_size=3 * SEARCH_PIECE)
    # One decoded piece per request: pages end inside the big TaskRun's steps.
    small = SearchBudget(SEARCH_PIECE, 60.0)
    client = ValidatingClient(create_app(lambda: local_store, layout, None, search_budget=small))
    runs = {**by_name(archive), name(big): big}
    want = expected(client, factory, runs, archive[2], "checkpoint")
    assert sum(1 for hit in want if hit[1] == name(big)) > 6
    items, pages = follow(client, f"{SEARCH}?q=checkpoint&limit=1000")
    assert got(items) == want
    assert pages >= 6  # two steps of three pieces each, one piece per page


def test_count_mode_counts_each_step(
    client: ValidatingClient, factory: TektonFactory, archive: Any
) -> None:
    want = expected(client, factory, by_name(archive), archive[2])
    counts: dict[tuple[str, str | None], int] = {}
    for _, run, step, _ in want:
        counts[(run, step)] = counts.get((run, step), 0) + 1
    items, _ = follow(client, f"{SEARCH}?q={PATTERN}&count=1")
    assert {(i["run"]["name"], i.get("step")): i["matches"] for i in items} == counts
    assert all(set(i["links"]) == {"run", "log"} for i in items)


class OnlyShop:
    """alice may read shop's logs, nothing else."""

    def authenticate(self, token: str) -> User:
        return User("alice", session=token)

    def may_read_logs(self, user: User, namespace: str) -> bool:
        return namespace == "shop"


def test_with_auth_a_forbidden_namespace_never_leaks_a_tekton_line(
    make_client: Callable[..., ValidatingClient], factory: TektonFactory, archive: Any
) -> None:
    client = make_client(reviewer=OnlyShop())
    auth = {"Authorization": "Bearer t"}
    denied = client.get(f"{API}/secret/search?q={PATTERN}", headers=auth)
    assert denied.status_code == 403 and "checkpoint" not in denied.get_data(as_text=True)
    assert client.get(f"{API}/secret/search?q={PATTERN}").status_code == 401
    items, _ = follow(client, f"{SEARCH}?q={PATTERN}&limit=3", **auth)
    # secret's runs have shop's names (the same pipeline): told apart by their uids.
    secret_uids = {
        item["uid"] for item in make_client().get(f"{API}/secret/taskruns").json["items"]
    }
    assert secret_uids and items
    assert not {i["run"]["uid"] for i in items} & secret_uids
    assert all("/namespaces/shop/" in link for i in items for link in i["links"].values())


def _document(token: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    return loaded


def _token(document: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


def test_forged_tekton_tokens_stay_in_their_namespace(
    local_store: LocalStore, layout: KeyLayout, factory: TektonFactory, archive: Any
) -> None:
    store = RecordingStore(local_store)
    client = ValidatingClient(create_app(lambda: store, layout, None))
    url = f"?q={PATTERN}&limit=1"
    secret = _document(client.get(f"{API}/secret/search{url}").json["nextPageToken"])
    shop = _document(client.get(f"{SEARCH}{url}").json["nextPageToken"])
    assert "/" in secret["p"]  # inside a TaskRun: position, uid, step number, lines
    # secret's token as issued: bound to secret's query.
    answer = client.get(f"{SEARCH}{url}&pageToken={_token(secret)}")
    assert answer.status_code == 400 and "different query" in answer.json["detail"]
    # secret's position (its TaskRun's entry and uid) under shop's fingerprint: only ever
    # appended to shop's prefixes, and the uid names no run of shop's.
    secret_uids = {i["uid"] for i in client.get(f"{API}/secret/taskruns").json["items"]}
    store.clear()
    forged = _token({**shop, "p": secret["p"]})
    items, _ = follow(client, f"{SEARCH}{url}", forged)
    assert items and not {i["run"]["uid"] for i in items} & secret_uids
    assert [call for call in store.calls if "/shop/" not in call.key] == []
    for position in ("start/x/0/0/0", "start/uid/-1/0", "start/uid/a/b", "a/../../secret/0/0"):
        answer = client.get(f"{SEARCH}{url}&pageToken={_token({**shop, 'p': position})}")
        assert answer.status_code == 400, position
