"""``kubectl osiris logs task/NAME`` and ``pipeline/NAME``: the newest run of a Task or a
Pipeline, wherever it is (the archive after a prune, the cluster before the archive has
it), as ``logs bc/NAME`` does for a BuildConfig's builds."""

from __future__ import annotations

from osiris.plugin.errors import EXIT_ERROR, EXIT_NOT_FOUND
from tests.maintenance.archived import NAMESPACE
from tests.plugin.conftest import World
from tests.plugin.tekton_world import (
    archive,
    children,
    ok,
    pipelinerun_text,
    tail,
    taskrun_text,
    tekton,
)

STEPS = ("lint", "report")


def test_the_latest_taskrun_of_a_task_from_the_archive_then_from_the_cluster(
    world: World,
) -> None:
    clock = world.factory.clock
    older = tekton(world).run_task(NAMESPACE, "lint", steps=STEPS, seed=1)
    clock.advance(60)
    newest = tekton(world).run_task(NAMESPACE, "lint", steps=STEPS, seed=2)
    name = newest["metadata"]["name"]
    expected = taskrun_text(world, name, STEPS)
    report = tekton(world).step_log(NAMESPACE, name, "report")
    archive(world, older, newest)
    tekton(world).delete_taskrun(NAMESPACE, name)  # pruned: only the archive has the newest
    clock.advance(60)
    tekton(world).run_task(NAMESPACE, "unit", steps=STEPS, seed=3)  # newer, another Task
    assert expected != taskrun_text(world, older["metadata"]["name"], STEPS)
    for target in ("task/lint", "tasks/lint", "task.tekton.dev/lint"):
        assert ok(world.kubectl("logs", target)) == expected
    assert ok(world.kubectl("logs", "task/lint", "--step", "report")) == report
    assert ok(world.kubectl("logs", "task/lint", "--tail", "2")) == tail(expected, 2)

    clock.advance(60)
    running = tekton(world).run_task(NAMESPACE, "lint", steps=STEPS, seed=4)  # not archived
    latest = taskrun_text(world, running["metadata"]["name"], STEPS)
    assert ok(world.kubectl("logs", "task/lint")) == latest
    pod = running["status"]["podName"]
    assert any(f"/pods/{pod}/log?" in r.path for r in world.api.requests)


def test_the_latest_pipelinerun_of_a_pipeline(world: World) -> None:
    clock = world.factory.clock
    first = tekton(world).run_pipeline(NAMESPACE, "shop-ci", tasks=("clone", "build"), seed=5)
    archive(world, first, *children(world, first))
    clock.advance(60)
    failed = tekton(world).run_pipeline(
        NAMESPACE, "shop-ci", outcome="Failed", failing_task="test", seed=6
    )
    archive(world, failed, *children(world, failed))
    expected = pipelinerun_text(world, failed)
    assert expected != pipelinerun_text(world, first)
    tekton(world).delete_pipelinerun(NAMESPACE, failed["metadata"]["name"])
    for target in ("pipeline/shop-ci", "pipelines/shop-ci"):
        assert ok(world.kubectl("logs", target)) == expected
    assert ok(world.kubectl("logs", "pipeline/shop-ci", "--tail", "3")) == tail(expected, 3)
    step = world.kubectl("logs", "pipeline/shop-ci", "--step", "build")
    assert step.returncode == EXIT_ERROR and b"--step is for taskrun" in step.stderr


def test_a_task_or_pipeline_without_runs_and_describe_of_one(world: World) -> None:
    for target, message in (
        ("task/nope", b'task "nope" has no taskruns in namespace'),
        ("pipeline/nope", b'pipeline "nope" has no pipelineruns in namespace'),
    ):
        result = world.kubectl("logs", target)
        assert result.returncode == EXIT_NOT_FOUND and result.stdout == b"", target
        assert message in result.stderr
    describe = world.kubectl("describe", "task/lint")
    assert describe.returncode == EXIT_ERROR and b"describe takes build/NAME" in describe.stderr
