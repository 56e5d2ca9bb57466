"""The demo cluster of ``osiris dev``: a few teams, their BuildConfigs, and builds that
succeed and fail the way real ones do."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from osiris.simulator.cluster import Outcome, SimulatedCluster

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
