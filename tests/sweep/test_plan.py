"""The sweep's planning: which builds are finished, which the bucket holds, what runs now."""

from __future__ import annotations

import copy
import gzip
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from osiris.adapters.localdisk import LocalStore
from osiris.adapters.store import ListPage
from osiris.archive.service import Archiver, Outcome, StreamSettings
from osiris.core.events import RunEvent
from osiris.core.keys import BuildRef, KeyLayout
from osiris.errors import NotFoundError
from osiris.kinds.base import Kind
from osiris.kinds.build import BUILD
from osiris.kinds.taskrun import TASKRUN
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.errors import ClusterError
from osiris.simulator.faults import LogFault
from osiris.sweep.bucket import check_bucket
from osiris.sweep.plan import finished_candidates, resolve_page, rotation, select
from osiris.sweep.run import Scope, Summary, Sweeper
from tests.support.inprocess import InProcessBuilds

LAYOUT = KeyLayout("osiris", "test")
SETTINGS = StreamSettings(part_size=5 * 1024 * 1024)


class InProcessLister:
    """Lists the simulated cluster without HTTP (the HTTP lister is tested in integration)."""

    def __init__(self, cluster: SimulatedCluster) -> None:
        self.cluster = cluster

    def namespaces(self, selector: str) -> Iterator[str]:
        key, _, value = selector.partition("=")
        for namespace in self.cluster.list_namespaces():
            if namespace["metadata"]["labels"].get(key) == value:
                yield namespace["metadata"]["name"]

    def serves(self, kind: Kind) -> bool:
        return True

    def runs(self, kind: Kind, namespace: str) -> Iterator[dict[str, Any]]:
        try:
            self.cluster.get_namespace(namespace)
        except ClusterError as exc:
            raise NotFoundError(exc.message) from None
        lists = {
            "builds": self.cluster.list_builds,
            "taskruns": self.cluster.tekton.list_taskruns,
            "pipelineruns": self.cluster.tekton.list_pipelineruns,
        }
        yield from lists[kind.keys.resource](namespace)


class CountingStore(LocalStore):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.lists = 0

    def list_objects(self, prefix: str, **kwargs: Any) -> ListPage:
        self.lists += 1
        return super().list_objects(prefix, **kwargs)


@pytest.fixture
def cluster() -> SimulatedCluster:
    cluster = SimulatedCluster()
    cluster.create_namespace("shop", labels={"osiris.io/archive": "enabled"})
    cluster.create_namespace("other")
    for namespace in ("shop", "other"):
        cluster.create_buildconfig(namespace, "api")
        cluster.create_buildconfig(namespace, "web")
    return cluster


class SlowArchiver(Archiver):
    """Each build takes a while, so which builds are in flight at a moment is known."""

    def handle(self, event: RunEvent) -> Outcome:
        time.sleep(0.2)
        return super().handle(event)


def sweeper_for(
    cluster: SimulatedCluster, store: LocalStore, *, slow: bool = False, **kwargs: Any
) -> Sweeper:
    archiver = (SlowArchiver if slow else Archiver)(
        store, InProcessBuilds(cluster), LAYOUT, SETTINGS
    )
    return Sweeper(InProcessLister(cluster), store, archiver, LAYOUT, **kwargs)


def committed(store: LocalStore) -> set[str]:
    keys: set[str] = set()
    token = None
    while True:
        page = store.list_objects(f"{LAYOUT.root}builds/", continuation=token)
        keys |= {o.key for o in page.objects if o.key.endswith("/build.json")}
        token = page.continuation
        if token is None:
            return keys


def test_only_finished_builds_are_candidates_and_bad_objects_are_rejected(
    cluster: SimulatedCluster,
) -> None:
    done = cluster.start_build("shop", "api", log_size=100)
    cluster.start_build("shop", "web", run=False)  # New: not finished
    broken = copy.deepcopy(done)
    broken["metadata"]["name"] = "Not_A_Name"
    candidates, rejected = finished_candidates(
        LAYOUT, BUILD, [*cluster.list_builds("shop"), broken]
    )
    assert [c.facts.ref.name for c in candidates] == [done["metadata"]["name"]]
    assert candidates[0].marker == LAYOUT.metadata_key(
        BuildRef("shop", done["metadata"]["name"], done["metadata"]["uid"])
    )
    assert len(rejected) == 1 and "build name" in rejected[0].reason


def _candidates(cluster: SimulatedCluster, count: int) -> list[Any]:
    for number in range(count):
        cluster.start_build("shop", "api" if number % 2 else "web", log_size=50)
    candidates, _ = finished_candidates(LAYOUT, BUILD, cluster.list_builds("shop"))
    return candidates


def test_a_page_decides_what_it_reaches_and_leaves_the_rest(cluster: SimulatedCluster) -> None:
    first, second, third = _candidates(cluster, 3)
    keys = [first.marker, first.prefix + "log.gz", second.prefix + "log.gz"]
    verdict = resolve_page([first, second, third], keys, truncated=True)
    # second has a log but no build.json (a crashed archive): missing, not archived.
    assert (verdict.archived, verdict.missing, verdict.unresolved) == ([first], [second], [third])
    final = resolve_page([third], [], truncated=False)
    assert final.missing == [third] and not final.unresolved


@given(st.lists(st.booleans(), min_size=1, max_size=40), st.integers(1, 7))
def test_merge_listing_agrees_with_a_head_per_build(
    tmp_path_factory: pytest.TempPathFactory, archived_flags: list[bool], page: int
) -> None:
    cluster = SimulatedCluster()
    cluster.create_namespace("shop")
    cluster.create_buildconfig("shop", "api")
    cluster.create_buildconfig("shop", "web")
    store = CountingStore(tmp_path_factory.mktemp("bucket"))
    candidates = _candidates(cluster, len(archived_flags))
    for candidate, archived in zip(candidates, archived_flags, strict=True):
        store.put(candidate.prefix + "log.gz", b"x", content_type="text/plain")
        if archived:
            store.put(candidate.marker, b"{}", content_type="application/json")
    # Small pages: many merge steps.
    check = check_bucket(store, f"{LAYOUT.root}builds/shop/", candidates, page_size=page)
    expected = {c.marker for c in candidates if store.head(c.marker) is not None}
    assert {c.marker for c in check.archived} == expected
    assert {c.marker for c in check.missing} == {c.marker for c in candidates} - expected
    # Never costlier than one HEAD per build.
    assert check.list_requests == store.lists <= len(candidates)


def test_one_listing_resolves_a_whole_namespace(cluster: SimulatedCluster, tmp_path: Path) -> None:
    store = CountingStore(tmp_path)
    candidates = _candidates(cluster, 60)
    for candidate in candidates[::2]:
        store.put(candidate.marker, b"{}", content_type="application/json")
    check = check_bucket(store, f"{LAYOUT.root}builds/shop/", candidates)
    assert (len(check.archived), len(check.missing), check.list_requests) == (30, 30, 1)


def test_selection_takes_the_oldest_first_up_to_the_bound(cluster: SimulatedCluster) -> None:
    candidates = _candidates(cluster, 5)
    selection = select(reversed(candidates), 2)
    ordered = sorted(candidates, key=lambda c: c.finished_at)
    assert [c.finished_at for c in selection.chosen] == [c.finished_at for c in ordered[:2]]
    assert len(selection.deferred) == 3


def test_a_run_archives_at_most_the_bound_and_the_next_run_the_rest(
    cluster: SimulatedCluster, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path)
    for number in range(7):
        cluster.start_build("shop", "api", log_size=1000 + number)
    cluster.start_build("other", "api", log_size=100)  # not opted in
    sweeper = sweeper_for(cluster, store)
    scope = Scope(selector="osiris.io/archive=enabled")

    first = sweeper.run(sweeper.plan(scope, 5), event_id="t1", event_type="test")
    assert (first.found, first.archived, first.deferred, first.already_present) == (7, 5, 2, 0)
    second = sweeper.run(sweeper.plan(scope, 5), event_id="t2", event_type="test")
    assert (second.found, second.archived, second.deferred, second.already_present) == (7, 2, 0, 5)
    assert len(committed(store)) == 7
    assert all("/builds/shop/" in key for key in committed(store))


def test_a_failing_build_is_counted_and_the_others_are_archived(
    cluster: SimulatedCluster, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path)
    builds = [cluster.start_build("shop", "api", log_size=20_000) for _ in range(3)]
    cluster.start_build("shop", "web", outcome="Error")  # never ran: metadata only
    cluster.add_log_fault("shop", builds[1]["metadata"]["name"], LogFault(cut_after=5_000))
    sweeper = sweeper_for(cluster, store, concurrency=2)
    summary = sweeper.run(
        sweeper.plan(Scope(namespaces=("shop",)), 100), event_id="t", event_type="test"
    )
    assert (summary.found, summary.archived, summary.unavailable, summary.failed) == (4, 2, 1, 1)
    assert len(committed(store)) == 3


def test_over_the_time_budget_no_new_build_is_started(
    cluster: SimulatedCluster, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path)
    for _ in range(4):
        cluster.start_build("shop", "api", log_size=100)
    ticks = iter([0.0, *([100.0] * 10)])  # the budget is spent before the first build
    sweeper = sweeper_for(cluster, store, concurrency=1, clock=lambda: next(ticks))
    summary = sweeper.run(
        sweeper.plan(Scope(namespaces=("shop",)), 100),
        event_id="t",
        event_type="test",
        time_budget=50.0,
    )
    assert (summary.archived, summary.deferred) == (0, 4)
    assert committed(store) == set()


@given(st.sets(st.sampled_from("abcdefg")), st.sampled_from(["", "a", "c", "d", "g", "z"]))
def test_rotation_starts_after_the_last_run_and_visits_each_namespace_once(
    namespaces: set[str], resume_after: str
) -> None:
    order = rotation([*namespaces, *namespaces], resume_after)
    assert sorted(order) == sorted(namespaces)
    later = [n for n in order if n > resume_after]
    assert order[: len(later)] == sorted(later)  # first the ones after the cursor, in order
    assert order[len(later) :] == sorted(n for n in namespaces if n <= resume_after)


def test_runs_with_more_namespaces_than_work_take_turns_round_the_cluster(
    cluster: SimulatedCluster, tmp_path: Path
) -> None:
    store = CountingStore(tmp_path)
    names = ["team-a", "team-b", "team-c", "team-d"]
    for namespace in names:
        cluster.create_namespace(namespace, labels={"osiris.io/archive": "enabled"})
        cluster.create_buildconfig(namespace, "api")
        for _ in range(3):
            cluster.start_build(namespace, "api", log_size=500)
    sweeper = sweeper_for(cluster, store)
    scope = Scope(selector="osiris.io/archive=enabled")  # shop too, with no builds

    examined: list[tuple[int, str, int]] = []
    for run in range(8):
        plan = sweeper.plan(scope, 4, resume_after=sweeper.resume_point())
        summary = sweeper.run(plan, event_id=f"t{run}", event_type="test")
        sweeper.publish(summary, datetime.now(UTC))
        examined.append((summary.namespaces, summary.resume_after, summary.archived))
        if len(committed(store)) == 12 and not summary.resume_after:
            break
    # Four missing builds are enough work for a run. Run 1 examines shop (empty), team-a
    # and team-b, then stops; run 2 starts after team-b and stops after team-d; run 3
    # wraps round, finds the four left and, having examined every namespace, no cursor.
    assert examined == [(3, "team-b", 4), (2, "team-d", 4), (5, "", 4)]
    assert len(committed(store)) == 12


def test_listing_stops_when_its_time_budget_is_spent(
    cluster: SimulatedCluster, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path)
    for namespace in ("team-a", "team-b", "team-c"):
        cluster.create_namespace(namespace)
        cluster.create_buildconfig(namespace, "api")
        cluster.start_build(namespace, "api", log_size=100)
    ticks = iter([0.0, 100.0])  # the budget runs out while team-a is listed
    sweeper = sweeper_for(cluster, store, clock=lambda: next(ticks))
    plan = sweeper.plan(Scope(namespaces=("team-c", "team-a", "team-b")), 100, time_budget=50.0)
    assert (plan.summary.namespaces, plan.summary.namespaces_pending) == (1, 2)
    assert plan.summary.resume_after == "team-a"
    assert [c.facts.ref.namespace for c in plan.chosen] == ["team-a"]


def test_a_stop_request_finishes_the_builds_in_flight_and_defers_the_queue(
    cluster: SimulatedCluster, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path)
    for number in range(20):
        cluster.start_build("shop", "api", log_size=5_000 + number)
    sweeper = sweeper_for(cluster, store, slow=True, concurrency=2)
    stop = threading.Event()

    done_when_stopped: list[int] = []

    def progress(done: int, total: int, summary: Summary) -> None:
        if done >= 3 and not stop.is_set():
            done_when_stopped.append(done)
            stop.set()

    summary = sweeper.run(
        sweeper.plan(Scope(namespaces=("shop",)), 100),
        event_id="t",
        event_type="test",
        progress=progress,
        stop=stop,
    )
    assert summary.interrupted is True
    # At most the two builds in flight when the stop was seen are added to those done.
    assert done_when_stopped[0] <= summary.archived <= done_when_stopped[0] + 2 < 20
    assert summary.archived + summary.deferred == 20 and summary.failed == 0
    assert len(committed(store)) == summary.archived


def test_a_namespace_that_cannot_be_listed_does_not_stop_the_others(
    cluster: SimulatedCluster, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path)
    cluster.start_build("shop", "api", log_size=100)
    sweeper = sweeper_for(cluster, store)
    plan = sweeper.plan(Scope(namespaces=("missing", "shop")), 10)
    summary = sweeper.run(plan, event_id="t", event_type="test")
    assert summary.archived == 1
    assert list(summary.namespace_failures) == ["missing"]
    assert summary.retry is False  # a namespace that does not exist will not appear by retrying


def test_missed_tekton_runs_are_found_and_archived_with_every_step(
    cluster: SimulatedCluster, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path)
    cluster.start_build("shop", "api", log_size=100)
    run = cluster.tekton.run_pipeline(
        "shop", "shop-ci", tasks=("clone", "build"), step_log_size=3000
    )
    sweeper = sweeper_for(cluster, store)
    plan = sweeper.plan(Scope(namespaces=("shop",)), 10)
    assert sorted(c.label for c in plan.chosen) == sorted(
        [
            "builds/shop/api-1",
            f"pipelineruns/shop/{run['metadata']['name']}",
            f"taskruns/shop/{run['metadata']['name']}-clone",
            f"taskruns/shop/{run['metadata']['name']}-build",
        ]
    )
    summary = sweeper.run(plan, event_id="t", event_type="test")
    assert summary.archived == 4 and summary.failed == 0
    taskruns = LAYOUT.for_kind(TASKRUN.keys)
    build_task = cluster.tekton.get_taskrun("shop", f"{run['metadata']['name']}-build")
    ref = TASKRUN.parse(build_task).ref
    for step in ("build", "push"):
        stored = gzip.decompress(store.get(taskruns.log_key(ref, step)))
        assert stored == cluster.tekton.step_log("shop", ref.name, step)
    # The next run finds everything archived: one listing per kind, nothing to do.
    again = sweeper.plan(Scope(namespaces=("shop",)), 10)
    assert again.chosen == [] and again.summary.already_present == 4
