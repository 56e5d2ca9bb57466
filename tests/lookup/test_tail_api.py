"""``?tail=`` over logs the real Archiver wrote with restart points, and over older ones
without: the same bytes, the same first line, and only the end of the object read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from osiris.adapters.localdisk import LocalStore
from osiris.archive.service import Archiver, StreamSettings
from osiris.core.keys import BuildRef, KeyLayout
from osiris.kinds import TASKRUN
from osiris.lookup.logroutes import FIRST_LINE_HEADER
from osiris.simulator.buildlogs import read_all
from osiris.simulator.cluster import SimulatedCluster
from tests.lookup.archive_data import BASE_TIME, StoredBuild, store_build
from tests.lookup.conftest import ValidatingClient
from tests.lookup.tails import expected
from tests.support.events import build_event
from tests.support.inprocess import InProcessBuilds
from tests.support.tekton_archive import TektonFactory

API = "/api/v1/namespaces/shop"
# 1 MiB blocks, a point at each: a 6 MB log has five
SETTINGS = StreamSettings(5 * 1024 * 1024, restart_interval=1024 * 1024)


def archive_build(store: LocalStore, layout: KeyLayout, size: int) -> tuple[dict[str, Any], bytes]:
    cluster = SimulatedCluster()
    cluster.create_namespace("shop")
    cluster.create_buildconfig("shop", "api")
    build = cluster.start_build("shop", "api", log_size=size, seed=7)
    Archiver(store, InProcessBuilds(cluster), layout, SETTINGS).handle(build_event(build))
    return build, read_all(cluster.log_spec("shop", "api-1"))


def pieces_read(text: bytes, tail: bytes, points: list[list[int]]) -> int:
    """The pieces a tail decodes: from the last point to the one before the newline that
    ends the line before the tail (its first line must be known to start a line)."""
    start = len(text) - len(tail)
    starts = [0, *(raw for _, raw in points)]
    first = max((raw for raw in starts if raw <= start - 1), default=0)
    return sum(1 for raw in starts if raw >= first)


def document_of(store: LocalStore, layout: KeyLayout, build: dict[str, Any]) -> dict[str, Any]:
    meta = build["metadata"]
    ref = BuildRef(meta["namespace"], meta["name"], meta["uid"])
    return dict(json.loads(store.get(layout.metadata_key(ref))))


def test_a_build_tail_reads_the_document_and_the_end_of_the_log(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    build, text = archive_build(local_store, layout, 6_000_000)
    points = document_of(local_store, layout, build)["log"]["restartPoints"]
    assert [raw for _, raw in points] == [n * 1024 * 1024 for n in range(1, 6)]
    uid = build["metadata"]["uid"]
    for count in (1, 1000, 30_000, 100_000):
        want = expected(text, count, 8 * 1024 * 1024)
        response, calls = client.s3_calls(f"{API}/builds/api-1/log?uid={uid}&tail={count}")
        assert response.status_code == 200 and response.data == want.text
        assert response.headers[FIRST_LINE_HEADER] == str(want.first_line)
        assert calls == 1 + pieces_read(text, want.text, points), count
    assert text.count(b"\n") > 30_000  # so that the larger tails step back over points
    response, calls = client.s3_calls(f"{API}/builds/api-1/log?tail=10")
    assert response.data == expected(text, 10, 8 * 1024 * 1024).text
    assert calls == 3  # the name's listing, build.json, the last piece


def test_a_log_archived_before_restart_points_is_tailed_whole(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    text = b"".join(b"line %d\n" % n for n in range(50_000)) + b"no newline"
    old = StoredBuild("shop", "api-1", BASE_TIME, log=text)
    store_build(local_store, layout, old)  # a log section without restartPoints
    response, calls = client.s3_calls(f"{API}/builds/api-1/log?uid={old.uid}&tail=3")
    assert response.data == b"line 49998\nline 49999\nno newline"
    assert response.headers[FIRST_LINE_HEADER] == "49999"
    assert calls == 2  # build.json (no points), then the whole log


def test_a_log_whose_bytes_do_not_match_its_points_is_tailed_whole(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    build, text = archive_build(local_store, layout, 3_000_000)
    meta = build["metadata"]
    key = layout.metadata_key(BuildRef("shop", "api-1", meta["uid"]))
    document = json.loads(local_store.get(key))
    document["log"]["restartPoints"] = [
        [point[0] + 1, point[1]] for point in document["log"]["restartPoints"]
    ]
    local_store.put(key, json.dumps(document).encode(), content_type="application/json")
    response, calls = client.s3_calls(f"{API}/builds/api-1/log?uid={meta['uid']}&tail=5")
    assert response.data == expected(text, 5, 8 * 1024 * 1024).text
    assert calls == 3  # build.json, the refused piece, the whole log


def test_a_conditional_tail_still_answers_304(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout
) -> None:
    build, _ = archive_build(local_store, layout, 2_500_000)
    url = f"{API}/builds/api-1/log?uid={build['metadata']['uid']}&tail=20"
    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("count", [1, 7, 40_000])
def test_a_taskrun_step_tail(
    client: ValidatingClient, local_store: LocalStore, layout: KeyLayout, count: int
) -> None:
    factory = TektonFactory(local_store, layout, "shop")
    factory.archiver = Archiver(local_store, InProcessBuilds(factory.cluster), layout, SETTINGS)
    taskrun = factory.task("shop", "build", step_log_size={"prepare": 1000, "build": 3_500_000})
    text = factory.step_log(taskrun, "build")
    ref = BuildRef("shop", taskrun["metadata"]["name"], taskrun["metadata"]["uid"])
    key = layout.for_kind(TASKRUN.keys).metadata_key(ref)
    document = json.loads(local_store.get(key))
    step = next(s for s in document["steps"] if s["name"] == "build")
    assert len(step["log"]["restartPoints"]) == 3
    name = taskrun["metadata"]["name"]
    uid = taskrun["metadata"]["uid"]
    want = expected(text, count, 8 * 1024 * 1024)
    response, calls = client.s3_calls(
        f"{API}/taskruns/{name}/log?step=build&uid={uid}&tail={count}"
    )
    assert response.data == want.text
    assert response.headers[FIRST_LINE_HEADER] == str(want.first_line)
    assert calls == 1 + pieces_read(text, want.text, step["log"]["restartPoints"])
    if count < 1000:
        assert calls == 2  # taskrun.json and the last piece
