"""``kubectl osiris logs`` for Tekton: TaskRun and PipelineRun logs (a step byte-exact,
every step prefixed as ``tkn`` prints them) from the archive and, for runs not archived,
from the cluster; a step archived without its log."""

from __future__ import annotations

from osiris.plugin.errors import EXIT_LOG_UNAVAILABLE
from tests.maintenance.archived import NAMESPACE
from tests.plugin.conftest import World
from tests.plugin.tekton_world import (
    archive,
    children,
    ok,
    pipelinerun_text,
    prefixed,
    tail,
    tekton,
)

AWKWARD = b"\x1b[1;32mok\x1b[0m step 1\r\n\xff\xfe not utf-8 \xc3\x28\nlast line, no newline"


def test_a_pruned_taskrun_from_the_archive_a_step_byte_exact_and_every_step_prefixed(
    world: World,
) -> None:
    run = tekton(world).run_task(NAMESPACE, "buildah", steps=("build", "push"), seed=3)
    name = run["metadata"]["name"]
    tekton(world).replace_step_log(NAMESPACE, name, "build", lambda: [AWKWARD])
    archive(world, run)
    push = tekton(world).step_log(NAMESPACE, name, "push")
    tekton(world).delete_taskrun(NAMESPACE, name)  # pruned: only the archive has it
    for target in (f"taskrun/{name}", f"tr/{name}", f"taskruns/{name}"):
        assert ok(world.kubectl("logs", target, "--step", "build")) == AWKWARD
    assert ok(world.kubectl("logs", f"tr/{name}", "--step", "push")) == push
    every = ok(world.kubectl("logs", f"taskrun/{name}"))
    assert every == prefixed(b"[build] ", AWKWARD) + prefixed(b"[push] ", push)
    assert every.startswith(b"[build] \x1b[1;32mok\x1b[0m step 1\r\n[build] \xff\xfe not utf-8")
    assert b"[build] last line, no newline\n[push] " in every
    assert ok(world.kubectl("logs", f"tr/{name}", "--tail", "3")) == tail(every, 3)
    assert ok(world.kubectl("logs", f"tr/{name}", "--step", "push", "--tail", "2")) == tail(push, 2)
    assert not [r for r in world.api.requests if "/pods/" in r.path]  # the cluster was not read


def test_a_taskrun_not_archived_yet_comes_from_its_pod(world: World) -> None:
    run = tekton(world).run_task(NAMESPACE, "buildah", steps=("build", "push"), seed=4)
    name = run["metadata"]["name"]
    tekton(world).replace_step_log(NAMESPACE, name, "push", lambda: [AWKWARD])
    assert ok(world.kubectl("logs", f"tr/{name}", "--step", "push")) == AWKWARD
    build = tekton(world).step_log(NAMESPACE, name, "build")
    assert ok(world.kubectl("logs", f"tr/{name}", "--step", "build")) == build
    every = ok(world.kubectl("logs", f"taskrun/{name}"))
    assert every == prefixed(b"[build] ", build) + prefixed(b"[push] ", AWKWARD)
    assert ok(world.kubectl("logs", f"tr/{name}", "--tail", "4")) == tail(every, 4)
    pod = run["status"]["podName"]
    asked = [r for r in world.api.requests if f"/pods/{pod}/log?" in r.path]
    assert asked and all(r.status == 200 and r.user == "alice" for r in asked)


def test_a_pruned_pipelinerun_is_read_from_the_archive_in_pipeline_order(world: World) -> None:
    run = tekton(world).run_pipeline(
        NAMESPACE, "shop-ci", outcome="Failed", failing_task="test", seed=2
    )
    archive(world, run, *children(world, run))
    expected = pipelinerun_text(world, run)
    name = run["metadata"]["name"]
    tekton(world).delete_pipelinerun(NAMESPACE, name)  # its TaskRuns and pods go with it
    assert tekton(world).list_taskruns(NAMESPACE) == []
    for target in (f"pipelinerun/{name}", f"pr/{name}", f"pipelineruns/{name}"):
        assert ok(world.kubectl("logs", target)) == expected
    lines = expected.splitlines()
    assert lines[0].startswith(b"[clone : clone] ")
    assert {line.split(b"] ")[0] + b"]" for line in lines} == {
        b"[clone : clone]",
        b"[build : build]",
        b"[build : push]",
        b"[test : test]",
    }
    assert ok(world.kubectl("logs", f"pr/{name}", "--tail", "5")) == tail(expected, 5)


def test_a_pipelinerun_not_archived_yet_comes_from_the_cluster(world: World) -> None:
    run = tekton(world).run_pipeline(NAMESPACE, "shop-ci", tasks=("clone", "build"), seed=6)
    expected = pipelinerun_text(world, run)
    name = run["metadata"]["name"]
    assert ok(world.kubectl("logs", f"pr/{name}")) == expected
    assert ok(world.kubectl("logs", f"pr/{name}", "--tail", "3")) == tail(expected, 3)


def test_a_pipelinerun_whose_pod_is_gone_skips_that_task(world: World) -> None:
    run = tekton(world).run_pipeline(
        NAMESPACE, "shop-ci", tasks=("clone", "build"), pod_gone=("build",), seed=7
    )
    clone = children(world, run)[0]["metadata"]["name"]
    expected = prefixed(b"[clone : clone] ", tekton(world).step_log(NAMESPACE, clone, "clone"))
    assert ok(world.kubectl("logs", f"pr/{run['metadata']['name']}")) == expected


def test_a_step_archived_without_its_log(world: World) -> None:
    run = tekton(world).run_pipeline(
        NAMESPACE, "shop-ci", tasks=("clone", "build"), pod_gone=("build",), seed=8
    )
    clone, build = children(world, run)
    archive(world, run, clone, build)
    expected = pipelinerun_text(
        world, {"status": {"childReferences": [{"name": clone["metadata"]["name"]}]}}
    )
    tekton(world).delete_pipelinerun(NAMESPACE, run["metadata"]["name"])
    assert ok(world.kubectl("logs", f"pr/{run['metadata']['name']}")) == expected
    name = build["metadata"]["name"]
    for args in (["--step", "push"], []):
        result = world.kubectl("logs", f"tr/{name}", *args)
        assert result.returncode == EXIT_LOG_UNAVAILABLE, result.stderr
        assert result.stdout == b""
        assert f"taskrun {name} in namespace {NAMESPACE} is archived without its log".encode() in (
            result.stderr
        )
