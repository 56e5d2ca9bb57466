"""The demo cluster of ``osiris dev``: a few teams, their BuildConfigs, and builds that
succeed and fail the way real ones do."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from osiris.simulator.buildshapes import Outcome
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.tektonshapes import Outcome as PipelineOutcome

Strategy = Literal["Docker", "Source"]

TEAMS: dict[str, tuple[tuple[str, Strategy], ...]] = {
    "shop": (("storefront", "Source"), ("payments-api", "Docker")),
    "data-platform": (("etl-nightly", "Source"), ("feature-store", "Docker")),
}


@dataclass(frozen=True)
class PlannedBuild:
    namespace: str
    buildconfig: str
    outcome: Outcome
    log_size: int


# A mix like a busy cluster: mostly green, some red, one that never got a pod, one cancelled.
_OUTCOMES: tuple[tuple[Outcome, int], ...] = (
    ("Complete", 180_000),
    ("Failed", 420_000),
    ("Complete", 2_500_000),
    ("Error", 0),
    ("Complete", 90_000),
    ("Cancelled", 0),
    ("Complete", 1_200_000),
    ("Failed", 60_000),
)


# OpenShift Pipelines runs beside the builds: (namespace, pipeline), and how they end.
PIPELINES: tuple[tuple[str, str], ...] = (("shop", "storefront-ci"), ("data-platform", "etl-ci"))
# (how it ends, tasks whose pod is gone before the archive reads it: a log unavailable)
_PIPELINE_OUTCOMES: tuple[tuple[PipelineOutcome, tuple[str, ...]], ...] = (
    ("Succeeded", ()),
    ("Failed", ()),
    ("Succeeded", ("build",)),
    ("TimedOut", ()),
    ("Cancelled", ()),
)


@dataclass(frozen=True)
class PlannedPipeline:
    namespace: str
    pipeline: str
    outcome: PipelineOutcome
    pod_gone: tuple[str, ...] = ()


def populate(cluster: SimulatedCluster) -> None:
    for namespace, buildconfigs in TEAMS.items():
        cluster.create_namespace(namespace, labels={"osiris.io/archive": "enabled"})
        for name, strategy in buildconfigs:
            cluster.create_buildconfig(namespace, name, strategy=strategy)


def plan() -> Iterator[PlannedBuild]:
    """An endless, repeatable sequence of builds across every BuildConfig."""
    targets = [(ns, bc) for ns, bcs in TEAMS.items() for bc, _ in bcs]
    for (namespace, buildconfig), (outcome, size) in zip(
        itertools.cycle(targets), itertools.cycle(_OUTCOMES), strict=False
    ):
        yield PlannedBuild(namespace, buildconfig, outcome, size)


def pipeline_plan() -> Iterator[PlannedPipeline]:
    """An endless, repeatable sequence of PipelineRuns (clone, build, test, push)."""
    for (namespace, pipeline), (outcome, pod_gone) in zip(
        itertools.cycle(PIPELINES), itertools.cycle(_PIPELINE_OUTCOMES), strict=False
    ):
        yield PlannedPipeline(namespace, pipeline, outcome, pod_gone)
