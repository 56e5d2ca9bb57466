"""Ingest benchmark: the archive path against a raw boto3 upload of the same log bytes.

Run by hand from the repository root (see benchmarks/README.md)::

    /tmp/venv/bin/python -m benchmarks.archive_ingest                  # 10M, 100M, 1G
    /tmp/venv/bin/python -m benchmarks.archive_ingest --sizes 10M,100M --repeat 3
    /tmp/venv/bin/python -m benchmarks.archive_ingest --env OSIRIS_GZIP_LEVEL=3

One run boots its own Ceph (radosgw, memstore) and a simulated OpenShift API server in
a separate process, so neither measured client shares a GIL with the log source. For
every log size, alternately:

- **raw**: this process GETs the build's log endpoint with urllib3 and hands the
  response to boto3 ``upload_fileobj`` (default TransferConfig) — no compression, the
  bytes as they come: the reference the archive path is compared with;
- **archive**: one CloudEvent for the same build is POSTed to the archive function,
  served by functions-framework in its own process, which streams, gzips and uploads it.

Both use the same boto3 client configuration (``osiris.adapters.s3.make_client``), the
same endpoints (HTTPS with the self-signed CAs by default) and the same bytes. Reported
per size: throughput of raw log bytes (MiB/s, median of the repeats), the ratio archive/raw
(goal ≥ 0.8), compressed size, the function worker's peak RSS (kernel ``VmHWM``; goal
< 150 MB at 1 GiB) and the sampled peak PSS of master + worker, and CPU seconds per process group
(where the time goes). The stored gzip object is downloaded and checked against the
generator's SHA-256 unless ``--no-verify``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
import urllib3
from tests.support.ceph import CephCluster
from tests.support.s3 import create_bucket, empty_and_delete_bucket

from osiris.adapters.s3 import make_client
from osiris.config import S3Settings
from osiris.core.keys import BuildRef, KeyLayout
from osiris.dev.processes import FunctionProcess
from osiris.simulator.buildlogs import LogSpec, sha256
from osiris.simulator.source import encode, make_event

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MiB = 1024 * 1024
UNITS = {"K": 1024, "M": MiB, "G": 1024 * MiB}
NAMESPACE = "bench"
BUILDCONFIG = "app"
PREFIX = "bench"
CLUSTER = "bench"
BUCKET = "osiris-ingest-bench"
RSS_SAMPLE_SECONDS = 0.05
RESULTS = Path(__file__).resolve().parent / "results" / "archive_ingest.json"
GOAL_RATIO = 0.8
GOAL_PEAK_RSS_AT_1G = 150 * 1000 * 1000  # "150 MB" in the issue


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    if text and text[-1] in UNITS:
        return int(float(text[:-1]) * UNITS[text[-1]])
    return int(text)


def label(size: int) -> str:
    for unit in ("G", "M", "K"):
        if size % UNITS[unit] == 0:
            return f"{size // UNITS[unit]} {unit}iB"
    return f"{size} B"


# -- the log source: a simulated API server in its own process ------------------------


@dataclass(frozen=True)
class Source:
    url: str
    ca_file: str | None
    kubeconfig: str
    builds: dict[int, dict[str, Any]]  # log size -> Build object
    specs: dict[int, LogSpec]


def _serve_cluster(conn: Connection, sizes: list[int], tls: bool, workdir: str) -> None:
    from osiris.simulator.apiserver import SimulatedApiServer
    from osiris.simulator.cluster import SimulatedCluster

    cluster = SimulatedCluster()
    cluster.create_namespace(NAMESPACE)
    cluster.create_buildconfig(NAMESPACE, BUILDCONFIG, strategy="Docker")
    builds = {
        size: cluster.start_build(NAMESPACE, BUILDCONFIG, log_size=size, seed=index)
        for index, size in enumerate(sizes, start=1)
    }
    specs = {size: cluster.log_spec(NAMESPACE, b["metadata"]["name"]) for size, b in builds.items()}
    with SimulatedApiServer(cluster, tls=tls) as server:
        kubeconfig = server.write_kubeconfig(Path(workdir) / "kubeconfig")
        ca = str(server.ca_file) if server.ca_file else None
        conn.send(Source(server.url, ca, str(kubeconfig), builds, specs))
        conn.recv()  # anything, or EOF when the parent dies: stop


@contextmanager
def log_source(sizes: list[int], tls: bool, workdir: Path) -> Iterator[tuple[Source, int]]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=_serve_cluster, args=(child, sizes, tls, str(workdir)), daemon=True
    )
    process.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the simulated API server did not start within 60 s")
        source: Source = parent.recv()
        assert process.pid is not None
        yield source, process.pid
    finally:
        parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.kill()


# -- measuring ------------------------------------------------------------------------


def cpu_seconds(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


@dataclass
class CpuMeter:
    """CPU seconds spent by named groups of processes while a run lasts."""

    groups: dict[str, list[int]]
    spent: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def measure(self) -> Iterator[dict[str, float]]:
        before = {name: cpu_seconds(pids) for name, pids in self.groups.items()}
        yield self.spent
        for name, pids in self.groups.items():
            self.spent[name] = round(cpu_seconds(pids) - before[name], 2)


class TreePssSampler:
    """Peak of the summed PSS of a process and its descendants, sampled in a thread.

    PSS splits pages shared by the gunicorn master and its worker between them, so the
    sum is what the pair costs (a container's memory, page cache aside); summed RSS
    would count the shared interpreter twice. Sampling can miss a short spike, which the
    worker's own ``VmHWM`` cannot.
    """

    def __init__(self, root: psutil.Process) -> None:
        self._root = root
        self._stop = threading.Event()
        self.peak = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for process in [self._root, *self._root.children(recursive=True)]:
                try:
                    total += process.memory_full_info().pss
                except psutil.NoSuchProcess:
                    continue
            self.peak = max(self.peak, total)
            self._stop.wait(RSS_SAMPLE_SECONDS)

    def __enter__(self) -> TreePssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def vm_hwm(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for {pid}")


def function_processes(port: int) -> tuple[psutil.Process, psutil.Process]:
    """The functions-framework (gunicorn master) process on ``port`` and its one worker."""
    masters = [
        child
        for child in psutil.Process().children()
        if "functions_framework" in child.cmdline() and str(port) in child.cmdline()
    ]
    if len(masters) != 1:
        raise RuntimeError(f"expected one functions-framework process on port {port}: {masters}")
    workers = masters[0].children()
    if len(workers) != 1:
        raise RuntimeError(f"expected one gunicorn worker: {workers}")
    return masters[0], workers[0]


# -- the two paths --------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    cpu: dict[str, float]


@dataclass
class SizeResult:
    size: int
    raw: list[Run] = field(default_factory=list)
    archive: list[Run] = field(default_factory=list)
    compressed_bytes: int = 0
    worker_peak_rss: int = 0
    function_peak_pss: int = 0
    verified: bool = False
    load_average: float = 0.0  # 1-minute load when this size finished: other work competes

    def throughput(self, runs: list[Run]) -> float:
        return self.size / MiB / statistics.median(r.seconds for r in runs)

    @property
    def ratio(self) -> float:
        return self.throughput(self.archive) / self.throughput(self.raw)


def raw_upload(
    http: urllib3.PoolManager, source: Source, s3: S3Client, size: int, meter: CpuMeter
) -> Run:
    build = source.builds[size]["metadata"]
    url = (
        f"{source.url}/apis/build.openshift.io/v1/namespaces/{NAMESPACE}/builds/{build['name']}/log"
    )
    key = f"raw/{build['name']}.log"
    with meter.measure() as cpu:
        started = time.perf_counter()
        response = http.request("GET", url, preload_content=False, headers={"Accept": "*/*"})
        if response.status != 200:
            raise RuntimeError(f"GET {url}: {response.status}")
        try:
            s3.upload_fileobj(
                response,  # type: ignore[arg-type]  # read(amt) is all upload_fileobj needs
                BUCKET,
                key,
                ExtraArgs={"ContentType": "text/plain; charset=utf-8"},
            )
        finally:
            response.release_conn()
        seconds = time.perf_counter() - started
    stored = s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"]
    if stored != size:
        raise RuntimeError(f"raw upload stored {stored} bytes of {size}")
    s3.delete_object(Bucket=BUCKET, Key=key)
    return Run(round(seconds, 3), dict(cpu))


def post_event(http: urllib3.PoolManager, function: FunctionProcess, build: dict[str, Any]) -> None:
    headers, body = encode(make_event(build, "update"))
    response = http.request(
        "POST", function.url, body=body, headers=headers, timeout=urllib3.Timeout(read=3600)
    )
    if response.status != 200:
        raise RuntimeError(
            f"archive answered {response.status}: {response.data[:300]!r}\n{function.output()[-3000:]}"
        )


def stored_digest(s3: S3Client, key: str) -> str:
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"]
    digest = hashlib.sha256()
    with gzip.GzipFile(fileobj=body) as log:
        while chunk := log.read(4 * MiB):
            digest.update(chunk)
    return digest.hexdigest()


def clear_archive(s3: S3Client) -> None:
    """Remove what the archive wrote, so the same build is archived afresh next time."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=BUCKET, Delete={"Objects": keys, "Quiet": True})  # type: ignore[typeddict-item]


def archive_once(
    http: urllib3.PoolManager,
    function: FunctionProcess,
    s3: S3Client,
    source: Source,
    size: int,
    meter: CpuMeter,
    result: SizeResult,
    verify: bool,
) -> Run:
    build = source.builds[size]
    with meter.measure() as cpu:
        started = time.perf_counter()
        post_event(http, function, build)
        seconds = time.perf_counter() - started
    meta = build["metadata"]
    ref = BuildRef(meta["namespace"], meta["name"], meta["uid"])
    layout = KeyLayout(PREFIX, CLUSTER)
    document = json.loads(s3.get_object(Bucket=BUCKET, Key=layout.metadata_key(ref))["Body"].read())
    log = document["log"]
    if log["rawBytes"] != size:
        raise RuntimeError(f"archive read {log['rawBytes']} bytes of {size}")
    result.compressed_bytes = log["compressedBytes"]
    if verify and not result.verified:
        expected = sha256(source.specs[size])
        if log["sha256"] != expected or stored_digest(s3, layout.log_key(ref)) != expected:
            raise RuntimeError(f"the archived {label(size)} log differs from the source")
        result.verified = True
    clear_archive(s3)
    return Run(round(seconds, 3), dict(cpu))


# -- orchestration --------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    sizes: list[int]
    repeat: int
    tls: bool
    knobs: dict[str, str]
    verify: bool
    output: Path


def function_environ(
    source: Source, ceph: CephCluster, tls: bool, workdir: Path, knobs: dict[str, str]
) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "KUBECONFIG": source.kubeconfig,
        "OSIRIS_STORAGE_URL": f"s3://{BUCKET}",
        "OSIRIS_S3_ENDPOINT": ceph.https_endpoint if tls else ceph.http_endpoint,
        "AWS_ACCESS_KEY_ID": ceph.access_key,
        "AWS_SECRET_ACCESS_KEY": ceph.secret_key,
        "OSIRIS_S3_REGION": ceph.region,
        "OSIRIS_PREFIX": PREFIX,
        "OSIRIS_CLUSTER": CLUSTER,
        "OSIRIS_LOG_LEVEL": "WARNING",
        **knobs,
    }
    if tls:
        env["OSIRIS_S3_CA_BUNDLE"] = ceph.ca_bundle
    return env


def ceph_pids() -> list[int]:
    names = {"radosgw", "ceph-osd", "ceph-mon"}
    return [p.pid for p in psutil.Process().children(recursive=True) if p.name() in names]


def run(options: Options) -> list[SizeResult]:
    workdir = Path(tempfile.mkdtemp(prefix="osiris-bench-"))
    print(f"booting Ceph and the simulated API server in {workdir} ...", flush=True)
    with (
        log_source(options.sizes, options.tls, workdir) as (source, apiserver_pid),
        CephCluster(workdir / "ceph") as ceph,
    ):
        settings = S3Settings(
            bucket=BUCKET,
            access_key_id=ceph.access_key,
            secret_access_key=ceph.secret_key,
            endpoint_url=ceph.https_endpoint if options.tls else ceph.http_endpoint,
            region=ceph.region,
            ca_bundle=ceph.ca_bundle if options.tls else None,
        )
        s3 = make_client(settings)
        create_bucket(s3, BUCKET, ceph.region)
        http = urllib3.PoolManager(
            cert_reqs="CERT_REQUIRED" if source.ca_file else "CERT_NONE",
            ca_certs=source.ca_file,
            retries=False,
        )
        try:
            return [
                measure_size(options, source, apiserver_pid, ceph, s3, http, workdir, size)
                for size in options.sizes
            ]
        finally:
            empty_and_delete_bucket(s3, BUCKET)


def measure_size(
    options: Options,
    source: Source,
    apiserver_pid: int,
    ceph: CephCluster,
    s3: S3Client,
    http: urllib3.PoolManager,
    workdir: Path,
    size: int,
) -> SizeResult:
    result = SizeResult(size)
    env = function_environ(source, ceph, options.tls, workdir, options.knobs)
    log_path = workdir / f"archive-{size}.log"
    # A fresh function per size, so its VmHWM is this size's peak alone.
    with FunctionProcess("archive", env, log_path, startup_timeout=60) as function:
        master, worker = function_processes(function.port)
        common = {"apiserver": [apiserver_pid], "ceph": ceph_pids()}
        raw_meter = CpuMeter({"client": [os.getpid()], **common})
        archive_meter = CpuMeter({"client": [worker.pid], **common})
        for attempt in range(1, options.repeat + 1):
            result.raw.append(raw_upload(http, source, s3, size, raw_meter))
            with TreePssSampler(master) as sampler:
                result.archive.append(
                    archive_once(
                        http, function, s3, source, size, archive_meter, result, options.verify
                    )
                )
            result.function_peak_pss = max(result.function_peak_pss, sampler.peak)
            print(
                f"  {label(size)} #{attempt}: raw {result.raw[-1].seconds:.2f} s, "
                f"archive {result.archive[-1].seconds:.2f} s",
                flush=True,
            )
        result.worker_peak_rss = vm_hwm(worker.pid)
    result.load_average = round(os.getloadavg()[0], 1)
    return result


# -- reporting ------------------------------------------------------------------------


def table(results: list[SizeResult]) -> str:
    rows = [
        "| log size | raw upload MiB/s | archive MiB/s | archive/raw | compressed | ratio "
        "| worker peak RSS | function peak PSS | CPU s raw (client/apiserver/ceph) "
        "| CPU s archive (function/apiserver/ceph) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:

        def cpu(runs: list[Run]) -> str:
            median = sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]
            return "/".join(f"{median.cpu[k]:.1f}" for k in ("client", "apiserver", "ceph"))

        rows.append(
            f"| {label(r.size)} | {r.throughput(r.raw):.1f} | {r.throughput(r.archive):.1f} "
            f"| {r.ratio:.2f}x | {r.compressed_bytes / MiB:.1f} MiB "
            f"| {r.size / max(r.compressed_bytes, 1):.1f}x "
            f"| {r.worker_peak_rss / MiB:.1f} MiB | {r.function_peak_pss / MiB:.1f} MiB "
            f"| {cpu(r.raw)} | {cpu(r.archive)} |"
        )
    return "\n".join(rows)


def verdict(results: list[SizeResult]) -> list[str]:
    lines = []
    cpus = os.cpu_count() or 1
    if busy := [r for r in results if r.load_average > cpus]:
        lines.append(
            f"load average up to {max(r.load_average for r in busy)} on {cpus} CPUs: "
            "other work competed for the CPU, so these figures are noisy"
        )
    for r in results:
        if r.ratio < GOAL_RATIO:
            lines.append(
                f"{label(r.size)}: archive/raw {r.ratio:.2f} is below the {GOAL_RATIO} goal"
            )
        if r.size >= 1024 * MiB and r.worker_peak_rss >= GOAL_PEAK_RSS_AT_1G:
            lines.append(
                f"{label(r.size)}: worker peak RSS {r.worker_peak_rss / 1e6:.0f} MB ≥ 150 MB"
            )
    return lines or ["all goals met"]


def write_json(options: Options, results: list[SizeResult], path: Path) -> None:
    import boto3

    document = {
        "benchmark": "archive_ingest",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "boto3": boto3.__version__,
            "platform": platform.platform(),
        },
        "options": {
            "sizes": options.sizes,
            "repeat": options.repeat,
            "tls": options.tls,
            "knobs": options.knobs,
            "verified": options.verify,
        },
        "results": [
            {
                **asdict(r),
                "raw_mib_per_s": round(r.throughput(r.raw), 1),
                "archive_mib_per_s": round(r.throughput(r.archive), 1),
                "archive_over_raw": round(r.ratio, 3),
            }
            for r in results
        ],
        "verdict": verdict(results),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.archive_ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes", default="10M,100M,1G", help="log sizes, comma-separated (default %(default)s)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per size and path (median)")
    parser.add_argument(
        "--plain-http",
        action="store_true",
        help="S3 and the cluster API over plain HTTP (default: HTTPS for both, as deployed)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the archive function, e.g. OSIRIS_GZIP_LEVEL=3 (repeatable)",
    )
    parser.add_argument("--no-verify", action="store_true", help="skip the SHA-256 check")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args(argv)
    knobs = dict(item.split("=", 1) for item in args.env)
    sizes = [parse_size(item) for item in args.sizes.split(",") if item.strip()]
    if not sizes or args.repeat < 1:
        parser.error("need at least one size and --repeat >= 1")
    return Options(sizes, args.repeat, not args.plain_http, knobs, not args.no_verify, args.output)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    results = run(options)
    print()
    print(table(results))
    print()
    for line in verdict(results):
        print(f"- {line}")
    write_json(options, results, options.output)
    print(f"\nresults: {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
