"""Tekton runs of the simulated cluster archived by the real Archiver into any store.

A manual clock gives every run its own creation second (a stable listing order). A
PipelineRun's TaskRuns are archived before it, as their events arrive first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from osiris.adapters.store import ObjectStore
from osiris.archive.service import Archiver, Decision, StreamSettings
from osiris.core.keys import KeyLayout
from osiris.simulator.clock import ManualClock
from osiris.simulator.cluster import SimulatedCluster
from tests.support.events import build_event
from tests.support.inprocess import InProcessBuilds

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ArchivedPipeline:
    run: dict[str, Any]  # the PipelineRun object
    taskruns: list[dict[str, Any]]  # its TaskRun objects, in pipeline order


class TektonFactory:
    def __init__(self, store: ObjectStore, layout: KeyLayout, *namespaces: str) -> None:
        self.clock = ManualClock(START)
        self.cluster = SimulatedCluster(clock=self.clock)
        for namespace in namespaces:
            self.cluster.create_namespace(namespace)
        self.archiver = Archiver(
            store, InProcessBuilds(self.cluster), layout, StreamSettings(5 * 1024 * 1024)
        )

    def archive(self, obj: dict[str, Any]) -> None:
        outcome = self.archiver.handle(build_event(obj))
        assert outcome.decision in (Decision.ARCHIVED, Decision.LOG_UNAVAILABLE), outcome

    def pipeline(
        self, namespace: str, pipeline: str, *, archive_tasks: bool = True, **options: Any
    ) -> ArchivedPipeline:
        self.clock.advance(60)
        run = self.cluster.tekton.run_pipeline(namespace, pipeline, **options)
        taskruns = [
            self.cluster.tekton.get_taskrun(namespace, child["name"])
            for child in run["status"].get("childReferences", [])
        ]
        if archive_tasks:
            for taskrun in taskruns:
                self.archive(taskrun)
        self.archive(run)
        return ArchivedPipeline(run, taskruns)

    def task(self, namespace: str, task: str, **options: Any) -> dict[str, Any]:
        self.clock.advance(60)
        taskrun = self.cluster.tekton.run_task(namespace, task, **options)
        self.archive(taskrun)
        return taskrun

    def step_log(self, taskrun: dict[str, Any], step: str) -> bytes:
        meta = taskrun["metadata"]
        return self.cluster.tekton.step_log(meta["namespace"], meta["name"], step)

    def steps(self, taskrun: dict[str, Any]) -> list[str]:
        return [step["name"] for step in taskrun["status"].get("steps", [])]
