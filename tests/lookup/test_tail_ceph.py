"""Tails over real Ceph: a Build and a TaskRun step archived by the real Archiver with
restart points, read through the lookup's HTTP API with ranged GetObjects."""

from __future__ import annotations

from osiris.adapters.factory import build_store
from osiris.archive.service import Archiver, StreamSettings
from osiris.config import load_lookup_config
from osiris.core.keys import KeyLayout
from osiris.simulator.buildlogs import read_all
from osiris.simulator.cluster import SimulatedCluster
from tests.lookup.served_http import Http
from tests.lookup.tails import expected
from tests.support.events import build_event
from tests.support.inprocess import InProcessBuilds

BUDGET = 8 * 1024 * 1024


def test_tails_over_ceph(environment: dict[str, str], served: Http) -> None:
    config = load_lookup_config(environment)
    store = build_store(config.storage)
    layout = KeyLayout(config.storage.prefix, config.cluster)
    cluster = SimulatedCluster()
    cluster.create_namespace("shop")
    cluster.create_buildconfig("shop", "api")
    settings = StreamSettings(5 * 1024 * 1024, restart_interval=1024 * 1024)
    archiver = Archiver(store, InProcessBuilds(cluster), layout, settings)
    build = cluster.start_build("shop", "api", log_size=7_000_000, seed=3)
    archiver.handle(build_event(build))
    text = read_all(cluster.log_spec("shop", "api-1"))
    taskrun = cluster.tekton.run_task(
        "shop", "unit", step_log_size={"prepare": 10, "build": 3_000_000}
    )
    archiver.handle(build_event(taskrun))
    step_text = cluster.tekton.step_log("shop", taskrun["metadata"]["name"], "build")
    uid = build["metadata"]["uid"]
    for count in (1, 500, 60_000, 100_000):
        want = expected(text, count, BUDGET)
        for url in (f"builds/api-1/log?tail={count}", f"builds/api-1/log?uid={uid}&tail={count}"):
            answer = served.get(f"/api/v1/namespaces/shop/{url}", {"Accept-Encoding": "identity"})
            assert answer.content == want.text
            assert answer.headers["Osiris-First-Line"] == str(want.first_line)
        want = expected(step_text, count, BUDGET)
        name = taskrun["metadata"]["name"]
        answer = served.get(f"/api/v1/namespaces/shop/taskruns/{name}/log?step=build&tail={count}")
        assert answer.content == want.text
        assert answer.headers["Osiris-First-Line"] == str(want.first_line)
    document = served.get("/api/v1/namespaces/shop/builds/api-1").json()
    assert len(document["log"]["restartPoints"]) == 6
