"""End to end, two clusters in one Ceph bucket: each cluster's Archiver writes a build of
the same name, the lookup app built by its entry point (configured for one of them)
serves both over real HTTP, and every answer is checked against /openapi.json."""

from __future__ import annotations

from typing import Any

import pytest

from osiris.adapters.factory import build_store
from osiris.archive.service import Archiver, Decision, StreamSettings
from osiris.config import load_lookup_config
from osiris.core.keys import KeyLayout
from osiris.simulator.buildlogs import read_all
from osiris.simulator.clock import ManualClock
from osiris.simulator.cluster import SimulatedCluster
from tests.lookup.served_http import Http
from tests.support.events import build_event
from tests.support.inprocess import InProcessBuilds
from tests.support.s3 import S3Bucket

HOME, OTHER = "west", "east"


@pytest.fixture
def environment(s3_bucket: S3Bucket) -> dict[str, str]:
    """This module's cluster; ``served`` (tests/lookup/conftest.py) serves the app from it."""
    return {**s3_bucket.environ(), "OSIRIS_CLUSTER": HOME, "OSIRIS_AUTH": "none"}


def archive_one_build(environment: dict[str, str], cluster_name: str, seed: int) -> bytes:
    """One Complete build "shop/api-1" archived by ``cluster_name``'s Archiver: its log."""
    config = load_lookup_config(environment)
    layout = KeyLayout(config.storage.prefix, cluster_name)
    cluster = SimulatedCluster(clock=ManualClock())
    cluster.create_namespace("shop")
    cluster.create_buildconfig("shop", "api", strategy="Docker")
    archiver = Archiver(
        build_store(config.storage), InProcessBuilds(cluster), layout, StreamSettings(5 << 20)
    )
    obj: dict[str, Any] = cluster.start_build(
        "shop", "api", outcome="Complete", log_size=40_000, seed=seed
    )
    assert archiver.handle(build_event(obj)).decision is Decision.ARCHIVED
    assert obj["metadata"]["name"] == "api-1"
    text: bytes = read_all(cluster.log_spec("shop", "api-1"))
    return text


def test_two_clusters_share_one_bucket(environment: dict[str, str], served: Http) -> None:
    logs = {
        HOME: archive_one_build(environment, HOME, 1),
        OTHER: archive_one_build(environment, OTHER, 2),
    }
    assert logs[HOME] != logs[OTHER]

    clusters = served.get("/api/v1/clusters").json()
    assert clusters["default"] == HOME
    assert [(i["name"], i["default"]) for i in clusters["items"]] == [(OTHER, False), (HOME, True)]

    identity = {"Accept-Encoding": "identity"}
    for cluster in (HOME, OTHER):
        namespaces_link = next(i for i in clusters["items"] if i["name"] == cluster)["links"]
        namespaces = served.get(namespaces_link["namespaces"]).json()
        assert namespaces["cluster"] == cluster
        assert [i["name"] for i in namespaces["items"]] == ["shop"]
        builds = served.get(namespaces["items"][0]["links"]["builds"]).json()["items"]
        assert [i["name"] for i in builds] == ["api-1"]
        # Following the item's links stays in its cluster: its own log, byte for byte.
        assert served.get(builds[0]["links"]["log"], identity).content == logs[cluster]
        document = served.get(builds[0]["links"]["self"]).json()
        assert document["cluster"] == cluster and document["uid"] == builds[0]["uid"]

    assert served.get("/api/v1/namespaces/shop/builds/api-1/log", identity).content == logs[HOME]
    bad = served.get("/api/v1/namespaces/shop/builds?cluster=East")
    assert bad.status_code == 400 and bad.json()["type"].endswith("#problem-bad-request")
    assert served.get("/api/v1/namespaces/shop/builds?cluster=north").status_code == 404
