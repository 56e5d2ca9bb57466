"""``taskrun_ingest``'s runs: a TaskRun's step logs raw-uploaded, then archived.

The simulated API server runs Tekton and serves one finished TaskRun per case, each
step's log at the core pod log endpoint (``container=step-<name>``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import urllib3
from benchmarks.ingest.function import function_environ, post_event, started_with
from benchmarks.ingest.meters import (
    CpuMeter,
    Run,
    ceph_pids,
    function_processes,
    throughput,
    timed_run,
    vm_hwm,
)
from benchmarks.ingest.names import BUCKET, CLUSTER, NAMESPACE, PREFIX
from benchmarks.ingest.source import Source, log_source, source_http
from benchmarks.ingest.storage import (
    S3Target,
    clear_archive,
    collect_garbage,
    s3_target,
    stored_digest,
    upload_raw,
)
from benchmarks.ingest.units import MiB, label
from tests.support.s3 import create_bucket, empty_and_delete_bucket

from osiris.core.keys import BuildRef, KeyLayout
from osiris.dev.processes import FunctionProcess
from osiris.kinds.taskrun import TASKRUN

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

Case = tuple[int, int]  # (steps, bytes per step)
TASKRUNS = KeyLayout(PREFIX, CLUSTER).for_kind(TASKRUN.keys)


def case_label(case: Case) -> str:
    return f"{case[0]} x {label(case[1])}"


def step_names(count: int) -> list[str]:
    return [f"s{index:02d}" for index in range(1, count + 1)]


def _serve_taskruns(conn: Connection, cases: list[Case], tls: bool, workdir: str) -> None:
    from osiris.simulator.apiserver import SimulatedApiServer
    from osiris.simulator.cluster import SimulatedCluster

    cluster = SimulatedCluster()
    cluster.create_namespace(NAMESPACE)
    taskruns = {
        case: cluster.tekton.run_task(
            NAMESPACE, "bench", steps=step_names(case[0]), step_log_size=case[1], seed=index
        )
        for index, case in enumerate(cases, start=1)
    }
    with SimulatedApiServer(cluster, tls=tls) as server:
        kubeconfig = server.write_kubeconfig(Path(workdir) / "kubeconfig")
        ca = str(server.ca_file) if server.ca_file else None
        conn.send((Source(server.url, ca, str(kubeconfig), {}, {}), taskruns))
        conn.recv()  # anything, or EOF when the parent dies: stop


@dataclass
class CaseResult:
    steps: int
    step_size: int
    raw: list[Run] = field(default_factory=list)
    archive: list[Run] = field(default_factory=list)
    compressed_bytes: int = 0
    worker_peak_rss: int = 0
    verified: bool = False
    load_average: float = 0.0  # 1-minute load when this case finished: other work competes

    @property
    def size(self) -> int:
        return self.steps * self.step_size

    def throughput(self, runs: list[Run]) -> float:
        return throughput(self.size, runs)

    @property
    def ratio(self) -> float:
        return self.throughput(self.archive) / self.throughput(self.raw)


def pod_log_url(source: Source, taskrun: dict[str, Any], step: str) -> str:
    pod = taskrun["status"]["podName"]
    return f"{source.url}/api/v1/namespaces/{NAMESPACE}/pods/{pod}/log?container=step-{step}"


def served_digest(
    http: urllib3.PoolManager, source: Source, taskrun: dict[str, Any], step: str
) -> str:
    """SHA-256 of a step log as the simulated API server serves it (its generator's bytes)."""
    response = http.request("GET", pod_log_url(source, taskrun, step), preload_content=False)
    digest = hashlib.sha256()
    for chunk in response.stream(4 * MiB):
        digest.update(chunk)
    response.release_conn()
    return digest.hexdigest()


def raw_upload(
    http: urllib3.PoolManager,
    source: Source,
    s3: S3Client,
    taskrun: dict[str, Any],
    meter: CpuMeter,
) -> Run:
    steps = [step["name"] for step in taskrun["status"]["steps"]]
    name = taskrun["metadata"]["name"]

    def upload_steps() -> None:
        for step in steps:
            upload_raw(http, pod_log_url(source, taskrun, step), s3, f"raw/{name}/{step}.log")

    run = timed_run(meter, upload_steps)
    for step in steps:
        key = f"raw/{name}/{step}.log"
        s3.head_object(Bucket=BUCKET, Key=key)
        s3.delete_object(Bucket=BUCKET, Key=key)
    return run


def archive_once(
    http: urllib3.PoolManager,
    function: FunctionProcess,
    s3: S3Client,
    source: Source,
    taskrun: dict[str, Any],
    meter: CpuMeter,
    result: CaseResult,
    verify: bool,
) -> Run:
    run = timed_run(meter, lambda: post_event(http, function, taskrun))
    meta = taskrun["metadata"]
    ref = BuildRef(meta["namespace"], meta["name"], meta["uid"])
    body = s3.get_object(Bucket=BUCKET, Key=TASKRUNS.metadata_key(ref))["Body"].read()
    steps = json.loads(body)["steps"]
    if [s["name"] for s in steps] != step_names(result.steps):
        raise RuntimeError(f"the archive names steps {[s['name'] for s in steps]}")
    for step in steps:
        log = step["log"]
        if log["state"] != "archived" or log["rawBytes"] != result.step_size:
            raise RuntimeError(f"step {step['name']}: {log}")
    result.compressed_bytes = sum(step["log"]["compressedBytes"] for step in steps)
    if verify and not result.verified:
        for step in steps:
            expected = served_digest(http, source, taskrun, step["name"])
            stored = stored_digest(s3, TASKRUNS.log_key(ref, step["name"]))
            if step["log"]["sha256"] != expected or stored != expected:
                raise RuntimeError(f"the archived step {step['name']} differs from the source")
        result.verified = True
    clear_archive(s3)
    return run


def measure_case(
    args: argparse.Namespace,
    source: Source,
    taskrun: dict[str, Any],
    pids: dict[str, list[int]],
    target: S3Target,
    s3: S3Client,
    http: urllib3.PoolManager,
    workdir: Path,
    case: Case,
) -> CaseResult:
    result = CaseResult(*case)
    env = function_environ(source, target, args.tls, workdir, args.knobs, "isal")
    log_path = workdir / f"archive-{case[0]}x{case[1]}.log"
    with FunctionProcess("archive", env, log_path, startup_timeout=60) as function:
        started_with(function, "isal")
        _, worker = function_processes(function.port)
        raw_meter = CpuMeter({"client": [os.getpid()], **pids})
        meter = CpuMeter({"client": [worker.pid], **pids})
        for attempt in range(1, args.repeat + 1):
            # Rounds alternate which side goes first, so load from other work hits both.
            sides = ["raw", "archive"] if attempt % 2 else ["archive", "raw"]
            for side in sides:
                if side == "raw":
                    result.raw.append(raw_upload(http, source, s3, taskrun, raw_meter))
                else:
                    result.archive.append(
                        archive_once(
                            http, function, s3, source, taskrun, meter, result, args.verify
                        )
                    )
            print(
                f"  {case_label(case)} #{attempt}: raw {result.raw[-1].seconds:.2f} s, "
                f"archive {result.archive[-1].seconds:.2f} s",
                flush=True,
            )
            collect_garbage(target.daemons)
        result.worker_peak_rss = vm_hwm(worker.pid)
    result.load_average = round(os.getloadavg()[0], 1)
    return result


def run(args: argparse.Namespace) -> list[CaseResult]:
    workdir = Path(tempfile.mkdtemp(prefix="osiris-bench-"))
    print(f"starting the simulated API server (and Ceph) in {workdir} ...", flush=True)
    with (
        log_source(args.cases, args.tls, workdir, _serve_taskruns) as (served, apiserver_pid),
        s3_target(args.ceph_dir, workdir) as target,
    ):
        source, taskruns = served
        s3 = target.client(args.tls)
        create_bucket(s3, BUCKET, target.region)
        http = source_http(source)
        pids = {"apiserver": [apiserver_pid], "ceph": ceph_pids(target.daemons)}
        try:
            return [
                measure_case(args, source, taskruns[case], pids, target, s3, http, workdir, case)
                for case in args.cases
            ]
        finally:
            empty_and_delete_bucket(s3, BUCKET)
