"""The archiver's decisions and write order, on the local store and an in-process cluster."""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path

import pytest

from osiris.adapters.localdisk import LocalStore
from osiris.archive.service import Archiver, Decision, StreamSettings
from osiris.core.events import Mode
from osiris.core.keys import BuildRef, KeyLayout
from osiris.errors import TruncatedStreamError
from osiris.simulator.buildlogs import read_all
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.faults import LogFault
from tests.support.events import build_event
from tests.support.inprocess import InProcessBuilds

LAYOUT = KeyLayout("osiris", "test")
SETTINGS = StreamSettings(part_size=5 * 1024 * 1024)


class CountingStore(LocalStore):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.calls: list[str] = []

    def head(self, key):  # type: ignore[no-untyped-def]
        self.calls.append("head")
        return super().head(key)

    def start_upload(self, key, **kwargs):  # type: ignore[no-untyped-def]
        self.calls.append("upload")
        return super().start_upload(key, **kwargs)


@pytest.fixture
def cluster() -> SimulatedCluster:
    cluster = SimulatedCluster()
    cluster.create_namespace("shop")
    cluster.create_buildconfig("shop", "api", strategy="Docker")
    return cluster


@pytest.fixture
def store(tmp_path: Path) -> CountingStore:
    return CountingStore(tmp_path / "bucket")


def ref_of(obj: dict) -> BuildRef:
    meta = obj["metadata"]
    return BuildRef(meta["namespace"], meta["name"], meta["uid"])


def test_a_finished_build_is_archived_byte_for_byte(
    cluster: SimulatedCluster, store: CountingStore
) -> None:
    build = cluster.start_build("shop", "api", outcome="Complete", log_size=7_000_000, seed=5)
    builds = InProcessBuilds(cluster)
    outcome = Archiver(store, builds, LAYOUT, SETTINGS).handle(build_event(build))
    expected = read_all(cluster.log_spec("shop", "api-1"))

    assert outcome.decision is Decision.ARCHIVED
    assert outcome.bytes_in == len(expected) and 0 < outcome.bytes_out < len(expected)
    ref = ref_of(build)
    assert gzip.decompress(store.get(LAYOUT.log_key(ref))) == expected
    info = store.head(LAYOUT.log_key(ref))
    assert info is not None and info.content_encoding == "gzip"
    assert info.content_type == "text/plain; charset=utf-8"
    document = json.loads(store.get(LAYOUT.metadata_key(ref)))
    assert document["log"]["rawBytes"] == len(expected)
    assert document["log"]["lines"] == expected.count(b"\n")
    assert (
        document["phase"] == "Complete"
        and document["eventId"] == f"ev-{build['metadata']['resourceVersion']}"
    )
    listed = store.list_objects(LAYOUT.namespace_index_prefix("shop")).objects
    assert [LAYOUT.parse_index_key(o.key)[1].log_bytes for o in listed] == [len(expected)]
    assert all(log.closed for log in builds.opened)


@pytest.mark.parametrize("phase_run", [False])
def test_unfinished_builds_cost_nothing(
    cluster: SimulatedCluster, store: CountingStore, phase_run: bool
) -> None:
    build = cluster.start_build("shop", "api", run=phase_run)
    builds = InProcessBuilds(cluster)
    outcome = Archiver(store, builds, LAYOUT, SETTINGS).handle(build_event(build, "add"))
    assert outcome.decision is Decision.IGNORED
    assert store.calls == [] and builds.opened == []


def test_redelivery_costs_one_head_and_changes_nothing(
    cluster: SimulatedCluster, store: CountingStore
) -> None:
    build = cluster.start_build("shop", "api", log_size=100_000)
    archiver = Archiver(store, InProcessBuilds(cluster), LAYOUT, SETTINGS)
    archiver.handle(build_event(build))
    before = store.get(LAYOUT.metadata_key(ref_of(build)))
    store.calls.clear()
    for _ in range(3):
        assert archiver.handle(build_event(build)).decision is Decision.ALREADY_ARCHIVED
    assert store.calls == ["head"] * 3
    assert store.get(LAYOUT.metadata_key(ref_of(build))) == before


def test_an_older_event_never_overwrites(cluster: SimulatedCluster, store: CountingStore) -> None:
    build = cluster.start_build("shop", "api", log_size=1000)
    archiver = Archiver(store, InProcessBuilds(cluster), LAYOUT, SETTINGS)
    newer = dict(build, metadata={**build["metadata"], "resourceVersion": "999"})
    archiver.handle(build_event(newer))
    assert archiver.handle(build_event(build)).decision is Decision.ALREADY_ARCHIVED
    assert json.loads(store.get(LAYOUT.metadata_key(ref_of(build))))["resourceVersion"] == "999"


def test_concurrent_deliveries_leave_one_complete_archive(
    cluster: SimulatedCluster, store: CountingStore
) -> None:
    build = cluster.start_build("shop", "api", log_size=3_000_000, seed=9)
    archiver = Archiver(store, InProcessBuilds(cluster), LAYOUT, SETTINGS)
    decisions: list[Decision] = []
    barrier = threading.Barrier(6)

    def deliver() -> None:
        barrier.wait()
        decisions.append(archiver.handle(build_event(build)).decision)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert decisions.count(Decision.ARCHIVED) == 1
    assert sorted(d.value for d in decisions) == sorted(["archived"] + ["already archived"] * 5)
    expected = read_all(cluster.log_spec("shop", "api-1"))
    assert gzip.decompress(store.get(LAYOUT.log_key(ref_of(build)))) == expected
    assert len(store.list_objects(LAYOUT.namespace_index_prefix("shop")).objects) == 1
    assert store.incomplete_uploads() == 0


@pytest.mark.parametrize("outcome", ["Error", "Cancelled"])
def test_a_build_that_never_ran_keeps_its_metadata(
    cluster: SimulatedCluster, store: CountingStore, outcome: str
) -> None:
    build = cluster.start_build("shop", "api", outcome=outcome)  # type: ignore[arg-type]
    result = Archiver(store, InProcessBuilds(cluster), LAYOUT, SETTINGS).handle(build_event(build))
    assert result.decision is Decision.LOG_UNAVAILABLE and result.reason == "BadRequest"
    document = json.loads(store.get(LAYOUT.metadata_key(ref_of(build))))
    assert document["log"]["state"] == "unavailable" and document["phase"] == outcome
    assert store.head(LAYOUT.log_key(ref_of(build))) is None
    [entry] = store.list_objects(LAYOUT.namespace_index_prefix("shop")).objects
    assert LAYOUT.parse_index_key(entry.key)[1].log_bytes is None


def test_a_deleted_build_whose_pod_is_gone_is_archived_without_log(
    cluster: SimulatedCluster, store: CountingStore
) -> None:
    build = cluster.start_build("shop", "api")
    cluster.delete_build_pod("shop", "api-1")
    last = cluster.delete_build("shop", "api-1")
    result = Archiver(store, InProcessBuilds(cluster), LAYOUT, SETTINGS).handle(
        build_event(last, "delete")
    )
    assert result.decision is Decision.LOG_UNAVAILABLE
    assert store.head(LAYOUT.metadata_key(ref_of(build))) is not None


def test_reference_mode_fetches_the_build(cluster: SimulatedCluster, store: CountingStore) -> None:
    build = cluster.start_build("shop", "api", log_size=2000)
    archiver = Archiver(store, InProcessBuilds(cluster), LAYOUT, SETTINGS)
    assert archiver.handle(build_event(build, mode=Mode.REFERENCE)).decision is Decision.ARCHIVED
    cluster.delete_build("shop", "api-1")
    gone = archiver.handle(build_event(build, "delete", mode=Mode.REFERENCE))
    assert gone.decision is Decision.IGNORED


def test_a_cut_stream_publishes_nothing_and_is_retryable(
    cluster: SimulatedCluster, store: CountingStore
) -> None:
    build = cluster.start_build("shop", "api", log_size=12_000_000, seed=2)
    cluster.add_log_fault("shop", "api-1", LogFault(cut_after=6_000_000))
    archiver = Archiver(store, InProcessBuilds(cluster), LAYOUT, SETTINGS)
    with pytest.raises(TruncatedStreamError) as failure:
        archiver.handle(build_event(build))
    assert failure.value.retryable
    ref = ref_of(build)
    assert store.head(LAYOUT.log_key(ref)) is None and store.head(LAYOUT.metadata_key(ref)) is None
    assert store.list_objects(LAYOUT.root).objects == [] and store.incomplete_uploads() == 0
    # The redelivery succeeds and stores the whole log.
    assert archiver.handle(build_event(build)).decision is Decision.ARCHIVED
    assert gzip.decompress(store.get(LAYOUT.log_key(ref))) == read_all(
        cluster.log_spec("shop", "api-1")
    )
