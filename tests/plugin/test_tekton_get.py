"""``kubectl osiris`` for Tekton beyond logs: ``get taskruns|pipelineruns`` merged one row
per uid, ``describe``, errors (a run or step that exists nowhere, a pod gone, usage) and
shell completion."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from osiris.plugin.errors import EXIT_ERROR, EXIT_LOG_UNAVAILABLE, EXIT_NOT_FOUND, EXIT_USAGE
from tests.maintenance.archived import NAMESPACE
from tests.plugin.conftest import World
from tests.plugin.tekton_world import archive, children, ok, tekton

# ------------------------------------------------------------------------------- get


def test_get_taskruns_of_a_commit(world: World) -> None:
    run = tekton(world).run_pipeline(NAMESPACE, "shop-ci", tasks=("clone", "build"), seed=5)
    clone, build = children(world, run)
    archive(world, clone, build)
    tekton(world).delete_pipelinerun(NAMESPACE, run["metadata"]["name"])
    commit = next(r["value"] for r in clone["status"]["results"] if r["name"] == "commit")
    result = ok(world.kubectl("get", "taskruns", "--commit", commit[:8], "-o", "name"))
    assert result.decode().split() == [f"taskrun.tekton.dev/{clone['metadata']['name']}"]
    assert ok(world.kubectl("get", "builds", "--commit", commit[:8], "-o", "name")) == b""


def scenario(world: World) -> dict[str, str]:
    """TaskRuns: one pruned (archive only, Failed), one archived and still in the cluster,
    one not archived (cluster only). Returns their names by role."""
    pruned = tekton(world).run_task(NAMESPACE, "lint", outcome="Failed", seed=1)
    archive(world, pruned)
    tekton(world).delete_taskrun(NAMESPACE, pruned["metadata"]["name"])
    world.factory.clock.advance(60)
    both = tekton(world).run_task(NAMESPACE, "buildah", seed=2)
    archive(world, both)
    world.factory.clock.advance(60)
    fresh = tekton(world).run_task(NAMESPACE, "lint", outcome="TimedOut", seed=3)
    return {
        "pruned": pruned["metadata"]["name"],
        "both": both["metadata"]["name"],
        "fresh": fresh["metadata"]["name"],
    }


def rows(stdout: bytes) -> list[list[str]]:
    return [line.split() for line in stdout.decode().splitlines()]


def test_get_taskruns_merges_the_cluster_and_the_archive_one_row_per_uid(world: World) -> None:
    names = scenario(world)
    table = rows(ok(world.kubectl("get", "taskruns")))
    assert table[0] == ["NAME", "TASK", "STARTED", "DURATION", "STATUS", "ARCHIVED", "WHY"]
    assert [row[0] for row in table[1:]] == [names["fresh"], names["both"], names["pruned"]]
    by_name = {row[0]: row for row in table[1:]}
    # NAME TASK STARTED("1m ago" is two words) DURATION STATUS ARCHIVED WHY
    assert by_name[names["fresh"]][1] == "lint"
    assert by_name[names["fresh"]][-4:] == ["44s", "TimedOut", "no", "TaskRunTimeout"]
    assert by_name[names["both"]][1] == "buildah"
    assert by_name[names["both"]][-4:] == ["44s", "Succeeded", "yes", "<none>"]
    assert by_name[names["pruned"]][-3:-1] == ["Failed", "yes"]
    for alias in ("taskrun", "tr"):
        assert rows(ok(world.kubectl("get", alias))) == table

    listed = json.loads(ok(world.kubectl("get", "tr", "-o", "json")))
    assert listed["kind"] == "List"
    items = {item["name"]: item for item in listed["items"]}
    assert set(items) == set(names.values())
    assert {k: items[names["both"]][k] for k in ("kind", "task", "inCluster", "archived")} == {
        "kind": "TaskRun",
        "task": "buildah",
        "inCluster": True,
        "archived": True,
    }
    assert (items[names["pruned"]]["inCluster"], items[names["pruned"]]["archived"]) == (
        False,
        True,
    )
    assert (items[names["fresh"]]["inCluster"], items[names["fresh"]]["archived"]) == (True, False)
    assert len({item["uid"] for item in listed["items"]}) == 3
    assert yaml.safe_load(ok(world.kubectl("get", "tr", "-o", "yaml"))) == listed

    lint = ok(world.kubectl("get", "taskruns", "--task", "lint", "-o", "name"))
    assert lint.decode().split() == [f"taskrun.tekton.dev/{names[r]}" for r in ("fresh", "pruned")]
    failed = ok(world.kubectl("get", "taskruns", "--phase", "Failed", "-o", "name"))
    assert failed.decode().split() == [f"taskrun.tekton.dev/{names['pruned']}"]
    assert len(ok(world.kubectl("get", "taskruns", "--limit", "2", "-o", "name")).split()) == 2
    wide = rows(ok(world.kubectl("get", "taskruns", "-o", "wide")))
    assert wide[0][-3:] == ["IN", "CLUSTER", "COMMIT"]


def test_get_pipelineruns_and_all_namespaces(world: World) -> None:
    pruned = tekton(world).run_pipeline(NAMESPACE, "shop-ci", outcome="Failed", seed=1)
    archive(world, pruned, *children(world, pruned))
    tekton(world).delete_pipelinerun(NAMESPACE, pruned["metadata"]["name"])
    world.factory.clock.advance(60)
    live = tekton(world).run_pipeline(NAMESPACE, "deploy", tasks=("clone",), seed=2)
    table = rows(ok(world.kubectl("get", "pr")))
    assert table[0] == ["NAME", "PIPELINE", "STARTED", "DURATION", "STATUS", "ARCHIVED", "WHY"]
    assert [(row[0], row[1], row[-3], row[-2]) for row in table[1:]] == [
        (live["metadata"]["name"], "deploy", "Succeeded", "no"),
        (pruned["metadata"]["name"], "shop-ci", "Failed", "yes"),
    ]
    names = ok(world.kubectl("get", "pipelineruns", "--pipeline", "shop-ci", "-o", "name"))
    assert names.decode().split() == [f"pipelinerun.tekton.dev/{pruned['metadata']['name']}"]

    world.factory.cluster.create_namespace("other")
    elsewhere = tekton(world).run_task("other", "lint", seed=9)
    archive(world, elsewhere)
    tekton(world).delete_taskrun("other", elsewhere["metadata"]["name"])
    every = rows(ok(world.kubectl("get", "taskruns", "-A", token="admin-token")))
    assert every[0][:2] == ["NAMESPACE", "NAME"]
    assert ("other", elsewhere["metadata"]["name"]) in {(row[0], row[1]) for row in every[1:]}
    assert len(every) - 1 == 1 + len(pruned["status"]["childReferences"]) + 1


# ------------------------------------------------------------------------------- describe


def fields(text: bytes) -> dict[str, str]:
    return {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in text.decode().splitlines())
        if value and not key.startswith(" ")
    }


def test_describe_a_taskrun_and_a_pipelinerun(world: World) -> None:
    run = tekton(world).run_pipeline(NAMESPACE, "shop-ci", outcome="Failed", seed=3)
    taskruns = children(world, run)
    archive(world, run, *taskruns)
    failed = taskruns[-1]
    text = ok(world.kubectl("describe", f"taskrun/{failed['metadata']['name']}"))
    head = fields(text)
    assert head["Name"] == failed["metadata"]["name"]
    assert head["UID"] == failed["metadata"]["uid"]
    assert (head["Task"], head["Status"], head["Pipeline Run"]) == (
        "test",
        "Failed",
        run["metadata"]["name"],
    )
    assert head["Still In Cluster"] == "yes"
    steps = text.decode().split("\nSteps:\n", 1)[1].splitlines()
    assert steps[0].split() == ["NAME", "STATUS", "EXIT", "CODE", "DURATION", "LOG"]
    assert steps[1].split()[:4] == ["test", "Error", "1", "20s"]
    assert steps[1].split()[4] == "archived,"

    described = ok(world.kubectl("describe", f"pr/{run['metadata']['name']}")).decode()
    assert fields(described.encode())["Pipeline"] == "shop-ci"
    section = described.split("\nTaskRuns:\n", 1)[1].split("\n\n")[0].splitlines()
    assert [line.split()[1:3] for line in section[1:]] == [
        ["clone", "Succeeded"],
        ["build", "Succeeded"],
        ["test", "Failed"],
    ]
    assert "push" in described.split("\nSkipped Tasks:\n", 1)[1]


# ------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "args",
    [
        ["logs", "taskrun/ghost-1"],
        ["logs", "tr/ghost-1", "--step", "build"],
        ["logs", "pr/ghost-1"],
        ["describe", "taskrun/ghost-1"],
        ["describe", "pipelinerun/ghost-1"],
    ],
)
def test_a_run_that_exists_nowhere(world: World, args: list[str]) -> None:
    result = world.kubectl(*args)
    assert result.returncode == EXIT_NOT_FOUND, result.stderr
    assert result.stdout == b""
    kind = "pipelinerun" if args[1].startswith("p") else "taskrun"
    assert result.stderr.decode() == (
        f'error: {kind} "ghost-1" not found in namespace "{NAMESPACE}": neither the cluster '
        "nor the osiris archive has it\n"
    )


def test_a_step_that_the_taskrun_does_not_have(world: World) -> None:
    run = tekton(world).run_task(NAMESPACE, "buildah", steps=("build", "push"))
    name = run["metadata"]["name"]
    expected = (
        f'error: taskrun "{name}" in namespace "{NAMESPACE}" has no step "deploy" '
        "(its steps: build, push)\n"
    )
    live = world.kubectl("logs", f"tr/{name}", "--step", "deploy")
    assert (live.returncode, live.stdout, live.stderr.decode()) == (EXIT_NOT_FOUND, b"", expected)
    archive(world, run)
    tekton(world).delete_taskrun(NAMESPACE, name)
    pruned = world.kubectl("logs", f"tr/{name}", "--step", "deploy")
    assert (pruned.returncode, pruned.stdout, pruned.stderr.decode()) == (
        EXIT_NOT_FOUND,
        b"",
        expected,
    )


def test_a_taskrun_whose_pod_is_gone_before_it_was_archived(world: World) -> None:
    run = tekton(world).run_task(NAMESPACE, "buildah", steps=("build",))
    name = run["metadata"]["name"]
    tekton(world).delete_pod(NAMESPACE, name)
    for args in (["--step", "build"], []):
        result = world.kubectl("logs", f"tr/{name}", *args)
        assert result.returncode == EXIT_LOG_UNAVAILABLE, result.stderr
        assert result.stdout == b"" and name.encode() in result.stderr
    lonely = tekton(world).run_task(NAMESPACE, "lint", outcome="TimedOut", no_pod=True)
    result = world.kubectl("logs", f"tr/{lonely['metadata']['name']}")
    assert result.returncode == EXIT_LOG_UNAVAILABLE and b"never got a pod" in result.stderr


def test_describe_of_a_run_not_archived_yet_points_at_tkn(world: World) -> None:
    run = tekton(world).run_task(NAMESPACE, "lint")
    name = run["metadata"]["name"]
    result = world.kubectl("describe", f"tr/{name}")
    assert result.returncode == EXIT_NOT_FOUND and result.stdout == b""
    assert f"tkn taskrun describe {name} -n {NAMESPACE}".encode() in result.stderr


def test_usage_errors(world: World) -> None:
    step = world.kubectl("logs", "pr/x", "--step", "build")
    assert step.returncode == EXIT_ERROR and b"--step is for taskrun" in step.stderr
    for args in (
        ["get", "taskruns", "--buildconfig", "api"],
        ["get", "builds", "--task", "lint"],
        ["get", "pipelineruns", "--phase", "Complete"],
        ["get", "builds", "--phase", "Succeeded"],
    ):
        result = world.kubectl(*args)
        assert result.returncode == EXIT_USAGE and result.stdout == b"", args
        assert b"usage:" in result.stderr
    other = world.kubectl("logs", "job/x")
    assert other.returncode == EXIT_ERROR and b"taskrun/NAME" in other.stderr


def test_completion_knows_the_tekton_resources(world: World) -> None:
    script = ok(world.kubectl("completion", "bash", server=None))
    probe = (
        script
        + b'\nCOMP_WORDS=(kubectl-osiris get ""); COMP_CWORD=2; _kubectl_osiris; echo "${COMPREPLY[*]}"'
        + b'\nCOMP_WORDS=(kubectl-osiris logs t); COMP_CWORD=2; _kubectl_osiris; echo "${COMPREPLY[*]}"'
        + b'\nCOMP_WORDS=(kubectl-osiris get tr --phase T); COMP_CWORD=4; _kubectl_osiris; echo "${COMPREPLY[*]}"\n'
    )
    completed = subprocess.run(["bash", "-c", probe.decode()], capture_output=True, check=True)
    assert completed.stdout.decode().splitlines() == [
        "builds taskruns pipelineruns buildconfigs",
        "taskrun/ tr/ task/",
        "TimedOut",
    ]
    zsh = ok(world.kubectl("completion", "zsh", server=None))
    assert b"taskruns pipelineruns" in zsh and b"--step" in zsh
