"""Tekton runs through the archive function over HTTP: real Ceph, the simulated cluster.

Every step's log must land byte-exact in its own gzip object (one large enough for a
multipart upload), the documents must name what the runs did, and the failure modes of
Builds hold for steps too: a pod that is gone is archived as unavailable (2xx), a cut
stream is retried (503) and never published, a storm of deliveries leaves one archive.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import urllib3

from osiris.adapters.factory import build_store
from osiris.config import load_archive_config
from osiris.core.keys import BuildRef, KeyLayout
from osiris.dev.processes import FunctionProcess
from osiris.kinds.pipelinerun import PIPELINERUN
from osiris.kinds.taskrun import TASKRUN
from osiris.maintenance.policy import RetentionPolicy
from osiris.maintenance.retention import run_retention
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.faults import LogFault
from osiris.simulator.source import EventSender, encode, make_event
from tests.integration.conftest import CLUSTER, PREFIX
from tests.support.s3 import S3Bucket

LAYOUT = KeyLayout(PREFIX, CLUSTER)
TASKRUNS = LAYOUT.for_kind(TASKRUN.keys)
PIPELINERUNS = LAYOUT.for_kind(PIPELINERUN.keys)
http = urllib3.PoolManager(retries=False)


def ref_of(obj: dict[str, Any]) -> BuildRef:
    meta = obj["metadata"]
    return BuildRef(meta["namespace"], meta["name"], meta["uid"])


def get_json(bucket: S3Bucket, key: str) -> dict[str, Any]:
    body = bucket.target.client().get_object(Bucket=bucket.name, Key=key)["Body"].read()
    return dict(json.loads(body))


def step_log(bucket: S3Bucket, ref: BuildRef, step: str) -> bytes:
    answer = bucket.target.client().get_object(Bucket=bucket.name, Key=TASKRUNS.log_key(ref, step))
    assert answer["ContentEncoding"] == "gzip"
    return gzip.decompress(answer["Body"].read())


def post(function: FunctionProcess, obj: dict[str, Any], action: str = "update") -> int:
    headers, body = encode(make_event(obj, action))
    return http.request("POST", function.url, body=body, headers=headers).status


@pytest.mark.parametrize("mode", ["Resource", "Reference"])
def test_a_pipeline_run_is_archived_with_every_step_byte_exact(
    cluster: SimulatedCluster,
    archive_function: Callable[..., FunctionProcess],
    s3_bucket: S3Bucket,
    mode: str,
) -> None:
    function = archive_function()
    with EventSender(cluster, function.url, mode=mode) as sender:  # type: ignore[arg-type]
        run = cluster.tekton.run_pipeline(
            "shop",
            "shop-ci",
            outcome="Failed",
            failing_task="test",
            step_log_size={"build": 12_000_000, "test": 40_000},
            seed=5,
        )
        assert sender.wait_idle(timeout=120)
    assert all(d.status == 200 for d in sender.deliveries), sender.deliveries

    document = get_json(s3_bucket, PIPELINERUNS.metadata_key(ref_of(run)))
    assert (document["phase"], document["pipeline"]) == ("Failed", "shop-ci")
    children = [(t["pipelineTask"], t["name"]) for t in document["taskRuns"]]
    assert [task for task, _ in children] == ["clone", "build", "test"]
    assert document["skippedTasks"] == [{"name": "push", "reason": "PipelineRun was stopping"}]
    for task, name in children:
        taskrun = cluster.tekton.get_taskrun("shop", name)
        ref = ref_of(taskrun)
        stored = get_json(s3_bucket, TASKRUNS.metadata_key(ref))
        assert stored["pipelineRun"] == run["metadata"]["name"] and stored["pipelineTask"] == task
        for step in stored["steps"]:
            expected = cluster.tekton.step_log("shop", name, step["name"])
            assert step_log(s3_bucket, ref, step["name"]) == expected
            assert step["log"]["rawBytes"] == len(expected)
    build = get_json(
        s3_bucket, TASKRUNS.metadata_key(ref_of(cluster.tekton.get_taskrun("shop", children[1][1])))
    )
    assert build["steps"][0]["log"]["rawBytes"] == 12_000_000  # three 5 MB parts
    test = get_json(
        s3_bucket, TASKRUNS.metadata_key(ref_of(cluster.tekton.get_taskrun("shop", children[2][1])))
    )
    assert test["phase"] == "Failed" and test["findings"][0]["rule"] == "test-failure"
    assert test["findings"][0]["step"] == "test"
    index = [
        k for k in s3_bucket.object_keys() if k.startswith(TASKRUNS.namespace_index_prefix("shop"))
    ]
    assert len(index) == 3
    assert TASKRUNS.parse_index_key(min(index))[1].finding == "test-failure"  # the newest


def test_a_gone_pod_and_a_run_without_a_pod_are_archived_without_logs(
    cluster: SimulatedCluster, archive_function: Callable[..., FunctionProcess], s3_bucket: S3Bucket
) -> None:
    function = archive_function()
    run = cluster.tekton.run_pipeline(
        "shop", "shop-ci", tasks=("clone", "build"), pod_gone=("build",)
    )
    lonely = cluster.tekton.run_task("shop", "lint", outcome="TimedOut", no_pod=True)
    gone = cluster.tekton.get_taskrun("shop", run["status"]["childReferences"][1]["name"])
    assert post(function, gone) == 200 and post(function, lonely) == 200
    steps = get_json(s3_bucket, TASKRUNS.metadata_key(ref_of(gone)))["steps"]
    assert [(s["name"], s["log"]["state"], s["log"]["reason"]) for s in steps] == [
        ("build", "unavailable", "NotFound"),
        ("push", "unavailable", "NotFound"),
    ]
    document = get_json(s3_bucket, TASKRUNS.metadata_key(ref_of(lonely)))
    assert (document["phase"], document["podName"], document["steps"]) == ("TimedOut", None, [])
    assert not [k for k in s3_bucket.object_keys() if k.endswith(".log.gz")]


def test_a_cut_step_is_retried_and_nothing_is_published_until_it_is_whole(
    cluster: SimulatedCluster, archive_function: Callable[..., FunctionProcess], s3_bucket: S3Bucket
) -> None:
    function = archive_function()
    taskrun = cluster.tekton.run_task(
        "shop", "buildah", steps=("build", "push"), step_log_size=200_000
    )
    pod = taskrun["status"]["podName"]
    cluster.tekton.add_log_fault("shop", pod, "step-push", LogFault(cut_after=50_000))
    assert post(function, taskrun) == 503
    keys = s3_bucket.object_keys()
    assert not [k for k in keys if k.endswith("taskrun.json") or "/index/" in k]
    cluster.tekton.add_log_fault("shop", pod, "step-push", LogFault(status=429))
    assert post(function, taskrun) == 503
    assert post(function, taskrun) == 200
    ref = ref_of(taskrun)
    for step in ("build", "push"):
        assert step_log(s3_bucket, ref, step) == cluster.tekton.step_log("shop", ref.name, step)


def test_a_storm_of_deliveries_leaves_one_archive(
    cluster: SimulatedCluster, archive_function: Callable[..., FunctionProcess], s3_bucket: S3Bucket
) -> None:
    function = archive_function()
    taskrun = cluster.tekton.run_task(
        "shop", "buildah", steps=("build", "push"), step_log_size=300_000
    )
    running = json.loads(json.dumps(taskrun))
    running["status"]["conditions"][0].update(status="Unknown", reason="Running")
    deliveries = [(taskrun, "update")] * 20 + [(running, "update")] * 5 + [(taskrun, "delete")]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda d: post(function, *d), deliveries))
    assert set(statuses) == {200}
    ref = ref_of(taskrun)
    documents = [k for k in s3_bucket.object_keys() if k.endswith("taskrun.json")]
    assert documents == [TASKRUNS.metadata_key(ref)]
    for step in ("build", "push"):
        assert step_log(s3_bucket, ref, step) == cluster.tekton.step_log("shop", ref.name, step)
    index = [k for k in s3_bucket.object_keys() if "/index/" in k]
    assert len(index) == 4  # ns, task, phase, task-phase: the same entry everywhere
    assert len({k.rsplit("/", 1)[1] for k in index}) == 1


def test_retention_removes_a_pipeline_run_with_its_task_runs(
    cluster: SimulatedCluster,
    archive_function: Callable[..., FunctionProcess],
    s3_bucket: S3Bucket,
    tmp_path: Any,
) -> None:
    function = archive_function()
    run = cluster.tekton.run_pipeline("shop", "shop-ci", tasks=("clone", "build"))
    children = [
        cluster.tekton.get_taskrun("shop", c["name"]) for c in run["status"]["childReferences"]
    ]
    for obj in (run, *children):
        assert post(function, obj) == 200
    keep = cluster.start_build("shop", "api", log_size=1000)
    assert post(function, keep) == 200
    config = load_archive_config(
        {"OSIRIS_PREFIX": PREFIX, "OSIRIS_CLUSTER": CLUSTER, **s3_bucket.environ()}
    )
    store = build_store(config.storage)
    # The builds are kept for 30 days; the Tekton runs expire a day after they were made.
    later = datetime.now(UTC) + timedelta(days=2)
    # Only the PipelineRun's own entry is old enough here: its TaskRuns go because of it.
    policy = RetentionPolicy(30, {"Succeeded": 1})
    result = run_retention(store, LAYOUT, policy, later)
    assert result.expired >= 1
    left = s3_bucket.object_keys()
    assert not [k for k in left if "/taskruns/" in k or "/pipelineruns/" in k]
    assert [k for k in left if k.endswith("build.json")]
