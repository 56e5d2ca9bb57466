"""What the plugin's Tekton tests share: the simulated cluster's Tekton runs, archiving
them as the archive function does, and their logs as ``tkn`` prints them."""

from __future__ import annotations

from typing import Any

from osiris.archive.service import Decision
from osiris.plugin.errors import EXIT_OK
from osiris.simulator.tekton import TektonRuns
from tests.maintenance.archived import NAMESPACE
from tests.plugin.conftest import World
from tests.support.events import build_event


def tekton(world: World) -> TektonRuns:
    return world.factory.cluster.tekton


def archive(world: World, *objects: dict[str, Any]) -> None:
    """What the archive function does with the finished runs' events."""
    for obj in objects:
        outcome = world.factory.archiver.handle(build_event(obj))
        assert outcome.decision in (Decision.ARCHIVED, Decision.LOG_UNAVAILABLE), outcome


def children(world: World, run: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        tekton(world).get_taskrun(NAMESPACE, child["name"])
        for child in run["status"]["childReferences"]
    ]


def prefixed(prefix: bytes, log: bytes) -> bytes:
    """``tkn``'s view of one step: every line after ``prefix``, each ending its line."""
    return b"".join(
        prefix + (line if line.endswith(b"\n") else line + b"\n")
        for line in log.splitlines(keepends=True)
        if line
    )


def taskrun_text(world: World, name: str, steps: tuple[str, ...]) -> bytes:
    return b"".join(
        prefixed(f"[{step}] ".encode(), tekton(world).step_log(NAMESPACE, name, step))
        for step in steps
    )


def pipelinerun_text(world: World, run: dict[str, Any]) -> bytes:
    text = b""
    for taskrun in children(world, run):
        task = taskrun["metadata"]["labels"]["tekton.dev/pipelineTask"]
        for step in taskrun["status"]["steps"]:
            log = tekton(world).step_log(NAMESPACE, taskrun["metadata"]["name"], step["name"])
            text += prefixed(f"[{task} : {step['name']}] ".encode(), log)
    return text


def tail(text: bytes, count: int) -> bytes:
    return b"".join(text.splitlines(keepends=True)[-count:])


def ok(result: Any) -> bytes:
    assert result.returncode == EXIT_OK, result.stderr
    assert b"Traceback" not in result.stderr
    return bytes(result.stdout)
