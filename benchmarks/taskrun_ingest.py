"""Ingest benchmark for TaskRuns: many steps against few, small steps against large.

Run by hand from the repository root (see benchmarks/README.md)::

    .venv/bin/python -m benchmarks.taskrun_ingest              # 1x64M, 4x16M, 16x4M, 4x256M
    .venv/bin/python -m benchmarks.taskrun_ingest --cases 1x64M,16x4M --repeat 3

The set-up is that of ``archive_ingest`` (whose helpers this reuses): a simulated
OpenShift API server in its own process, now running Tekton, serves one finished TaskRun
per case, each step's log at the core pod log endpoint (``container=step-<name>``); the
archive function runs under functions-framework in its own process, one fresh per case so
its worker's ``VmHWM`` is that case's peak alone. Per case, in alternating rounds:

- **raw**: for each step in turn, GET its pod log with urllib3 and hand the response to
  boto3 ``upload_fileobj``, uncompressed — the reference;
- **archive**: one CloudEvent for the TaskRun POSTed to the archive function, which
  streams, gzips and uploads every step's log.

The default cases carry the same 64 MiB in 1, 4 and 16 steps (throughput and memory must
not depend on the number of steps) and 1 GiB in 4 steps of 256 MiB (memory must not grow
with the size of a step). Every stored step object is checked, once per case, to
decompress to the bytes the API server serves (SHA-256) unless ``--no-verify``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import urllib3
from benchmarks.archive_ingest import (
    BUCKET,
    CLUSTER,
    NAMESPACE,
    PREFIX,
    CpuMeter,
    MiB,
    Run,
    S3Target,
    Source,
    add_run_arguments,
    ceph_pids,
    clear_archive,
    collect_garbage,
    function_environ,
    function_processes,
    label,
    load_warning,
    log_source,
    parse_size,
    post_event,
    s3_target,
    started_with,
    stored_digest,
    vm_hwm,
)
from tests.support.s3 import create_bucket, empty_and_delete_bucket

from osiris.core.keys import BuildRef, KeyLayout
from osiris.dev.processes import FunctionProcess
from osiris.kinds.taskrun import TASKRUN

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

Case = tuple[int, int]  # (steps, bytes per step)
DEFAULT_CASES = "1x64M,4x16M,16x4M,4x256M"
RESULTS = Path(__file__).resolve().parent / "results" / "taskrun_ingest.json"
TASKRUNS = KeyLayout(PREFIX, CLUSTER).for_kind(TASKRUN.keys)
GOAL_PEAK_RSS = 150 * 1000 * 1000  # "150 MB", as for one Build log


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
        return self.size / MiB / statistics.median(r.seconds for r in runs)

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
    with meter.measure() as cpu:
        started = time.perf_counter()
        for step in steps:
            url = pod_log_url(source, taskrun, step)
            response = http.request("GET", url, preload_content=False, headers={"Accept": "*/*"})
            if response.status != 200:
                raise RuntimeError(f"GET {url}: {response.status}")
            try:
                s3.upload_fileobj(
                    response,  # type: ignore[arg-type]  # read(amt) is all upload_fileobj needs
                    BUCKET,
                    f"raw/{name}/{step}.log",
                    ExtraArgs={"ContentType": "text/plain; charset=utf-8"},
                )
            finally:
                response.release_conn()
        seconds = time.perf_counter() - started
    for step in steps:
        key = f"raw/{name}/{step}.log"
        s3.head_object(Bucket=BUCKET, Key=key)
        s3.delete_object(Bucket=BUCKET, Key=key)
    return Run(round(seconds, 3), dict(cpu))


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
    with meter.measure() as cpu:
        started = time.perf_counter()
        post_event(http, function, taskrun)
        seconds = time.perf_counter() - started
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
    return Run(round(seconds, 3), dict(cpu))


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
        http = urllib3.PoolManager(
            cert_reqs="CERT_REQUIRED" if source.ca_file else "CERT_NONE",
            ca_certs=source.ca_file,
            retries=False,
        )
        pids = {"apiserver": [apiserver_pid], "ceph": ceph_pids(target.daemons)}
        try:
            return [
                measure_case(args, source, taskruns[case], pids, target, s3, http, workdir, case)
                for case in args.cases
            ]
        finally:
            empty_and_delete_bucket(s3, BUCKET)


# -- reporting ------------------------------------------------------------------------


def table(results: list[CaseResult]) -> str:
    rows = [
        "| steps x step log | total | raw upload MiB/s | archive MiB/s | archive/raw "
        "| compression | worker peak RSS | CPU s archive (function/apiserver/ceph) | load |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        median = sorted(r.archive, key=lambda run: run.seconds)[len(r.archive) // 2]
        cpu = "/".join(f"{median.cpu[k]:.1f}" for k in ("client", "apiserver", "ceph"))
        rows.append(
            f"| {case_label((r.steps, r.step_size))} | {label(r.size)} "
            f"| {r.throughput(r.raw):.1f} | {r.throughput(r.archive):.1f} | {r.ratio:.2f}x "
            f"| {r.size / max(r.compressed_bytes, 1):.2f}x | {r.worker_peak_rss / MiB:.1f} MiB "
            f"| {cpu} | {r.load_average} |"
        )
    return "\n".join(rows)


def verdict(results: list[CaseResult]) -> list[str]:
    lines = load_warning([r.load_average for r in results])
    by_total: dict[int, list[CaseResult]] = {}
    for r in results:
        by_total.setdefault(r.size, []).append(r)
        if r.worker_peak_rss >= GOAL_PEAK_RSS:
            lines.append(
                f"{case_label((r.steps, r.step_size))}: worker peak RSS "
                f"{r.worker_peak_rss / 1e6:.0f} MB ≥ 150 MB"
            )
    for total, same in by_total.items():
        if len(same) > 1:
            peaks = [r.worker_peak_rss / MiB for r in same]
            ratios = [r.ratio for r in same]
            lines.append(
                f"{label(total)} in {', '.join(str(r.steps) for r in same)} steps: worker peak "
                f"RSS {min(peaks):.1f}-{max(peaks):.1f} MiB, archive/raw "
                f"{min(ratios):.2f}-{max(ratios):.2f}x"
            )
    by_step = {r.step_size: r.worker_peak_rss / MiB for r in results}
    if len(by_step) > 1:
        small, large = min(by_step), max(by_step)
        lines.append(
            f"worker peak RSS at {label(small)} steps {by_step[small]:.1f} MiB, at "
            f"{label(large)} steps {by_step[large]:.1f} MiB"
        )
    return lines


def write_json(args: argparse.Namespace, results: list[CaseResult]) -> None:
    import boto3

    document = {
        "benchmark": "taskrun_ingest",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "boto3": boto3.__version__,
            "platform": platform.platform(),
        },
        "options": {
            "cases": [list(case) for case in args.cases],
            "repeat": args.repeat,
            "tls": args.tls,
            "knobs": args.knobs,
            "verified": args.verify,
            "deflate": "isal",
        },
        "results": [
            {
                **asdict(r),
                "total_bytes": r.size,
                "raw_mib_per_s": round(r.throughput(r.raw), 1),
                "archive_mib_per_s": round(r.throughput(r.archive), 1),
                "archive_over_raw": round(r.ratio, 3),
            }
            for r in results
        ],
        "verdict": verdict(results),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n")


def parse_case(text: str) -> Case:
    steps, _, size = text.strip().lower().partition("x")
    return int(steps), parse_size(size)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.taskrun_ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--cases",
        default=DEFAULT_CASES,
        help="one TaskRun each: STEPSxSTEP_LOG_SIZE, comma-separated (default %(default)s)",
    )
    add_run_arguments(parser)
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args(argv)
    try:
        args.cases = [parse_case(item) for item in args.cases.split(",") if item.strip()]
    except ValueError:
        parser.error(f"--cases: STEPSxSIZE, e.g. 4x16M, not {args.cases!r}")
    if not args.cases or any(n < 1 or size < 1 for n, size in args.cases) or args.repeat < 1:
        parser.error("need at least one case of >= 1 step and --repeat >= 1")
    args.tls = not args.plain_http
    args.verify = not args.no_verify
    args.knobs = dict(item.split("=", 1) for item in args.env)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    print()
    print(table(results))
    print()
    for line in verdict(results):
        print(f"- {line}")
    write_json(args, results)
    print(f"\nresults: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
