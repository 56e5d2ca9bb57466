"""Real builds archived by the real Archiver, for the maintenance tests.

A simulated cluster with a manual clock runs the builds, so a test chooses each build's
creation time (the age ``osiris retention run`` goes by); the Archiver writes them into
whichever store the test gives it, with the archive function's own write order and tags.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from osiris.adapters.store import ObjectStore
from osiris.archive.service import Archiver, Decision, StreamSettings
from osiris.core.keys import BuildRef, KeyLayout
from osiris.core.rules import RuleSet
from osiris.maintenance.scan import all_objects
from osiris.simulator.buildlogs import read_all
from osiris.simulator.clock import ManualClock
from osiris.simulator.cluster import SimulatedCluster
from tests.support.events import build_event
from tests.support.inprocess import InProcessBuilds

NAMESPACE = "shop"


@dataclass(frozen=True)
class Archived:
    ref: BuildRef
    phase: str
    created: datetime
    log: bytes | None  # the raw log, None when it could not be archived
    commit: str | None


class BuildFactory:
    """Runs builds at chosen creation times and archives each one."""

    def __init__(
        self,
        store: ObjectStore,
        layout: KeyLayout,
        start: datetime,
        rules: RuleSet | None = None,
    ) -> None:
        self.layout = layout
        self.clock = ManualClock(start)
        self.cluster = SimulatedCluster(clock=self.clock)
        self.cluster.create_namespace(NAMESPACE)
        self.cluster.create_buildconfig(NAMESPACE, "api", strategy="Docker")
        self.cluster.create_buildconfig(NAMESPACE, "web", strategy="Source")
        self.archiver = Archiver(
            store,
            InProcessBuilds(self.cluster),
            layout,
            StreamSettings(5 * 1024 * 1024),
            rules=rules,
        )
        self._count = 0

    def at(self, moment: datetime) -> None:
        delta = (moment - self.clock.now()).total_seconds()
        assert delta >= 0, "the manual clock only moves forward"
        self.clock.advance(delta)

    def build(
        self, buildconfig: str, phase: str, log_size: int = 40_000, duration: int | None = None
    ) -> Archived:
        self._count += 1
        obj = self.cluster.start_build(
            NAMESPACE,
            buildconfig,
            outcome=phase,
            log_size=log_size,
            seed=self._count,  # type: ignore[arg-type]
            duration=duration,
        )
        self.clock.advance(1)  # distinct creation seconds keep the listing order stable
        outcome = self.archiver.handle(build_event(obj))
        assert outcome.decision in (Decision.ARCHIVED, Decision.LOG_UNAVAILABLE), outcome
        meta = obj["metadata"]
        ref = BuildRef(NAMESPACE, meta["name"], meta["uid"])
        log = (
            read_all(self.cluster.log_spec(NAMESPACE, meta["name"]))
            if outcome.decision is Decision.ARCHIVED
            else None
        )
        commit = obj["spec"].get("revision", {}).get("git", {}).get("commit")
        created = datetime.strptime(meta["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
        return Archived(ref, phase, created.replace(tzinfo=UTC), log, commit)


def keys_of(store: ObjectStore, layout: KeyLayout, uid: str) -> list[str]:
    """Every key under the cluster root that belongs to the build with this uid."""
    return [info.key for info in all_objects(store, layout.root) if uid in info.key]


def all_keys(store: ObjectStore, layout: KeyLayout) -> Iterator[str]:
    return (info.key for info in all_objects(store, layout.root))


def stored_log(store: ObjectStore, layout: KeyLayout, ref: BuildRef) -> bytes:
    return gzip.decompress(store.get(layout.log_key(ref)))


def days_ago(now: datetime, days: float) -> datetime:
    return (now - timedelta(days=days)).replace(microsecond=0)
