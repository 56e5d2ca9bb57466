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
import contextlib
import gzip
import hashlib
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import psutil
import urllib3
from tests.support.ceph import CephCluster
from tests.support.s3 import create_bucket, empty_and_delete_bucket

from osiris.adapters.s3 import make_client
from osiris.config import S3Settings
from osiris.core.builtin_rules import BUILTIN_RULE_IDS
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
    builds: dict[tuple[str, int], dict[str, Any]]  # (text, log size) -> Build object
    specs: dict[tuple[str, int], LogSpec]


def _serve_cluster(conn: Connection, cases: list[tuple[str, int]], tls: bool, workdir: str) -> None:
    from osiris.simulator.apiserver import SimulatedApiServer
    from osiris.simulator.cluster import SimulatedCluster

    cluster = SimulatedCluster()
    cluster.create_namespace(NAMESPACE)
    cluster.create_buildconfig(NAMESPACE, BUILDCONFIG, strategy="Docker")
    builds = {
        (text, size): cluster.start_build(
            NAMESPACE,
            BUILDCONFIG,
            log_size=size,
            seed=index,
            log_text=text,  # type: ignore[arg-type]  # checked by parse_args
        )
        for index, (text, size) in enumerate(cases, start=1)
    }
    specs = {case: cluster.log_spec(NAMESPACE, b["metadata"]["name"]) for case, b in builds.items()}
    with SimulatedApiServer(cluster, tls=tls) as server:
        kubeconfig = server.write_kubeconfig(Path(workdir) / "kubeconfig")
        ca = str(server.ca_file) if server.ca_file else None
        conn.send(Source(server.url, ca, str(kubeconfig), builds, specs))
        conn.recv()  # anything, or EOF when the parent dies: stop


@contextmanager
def log_source(
    cases: Sequence[Any], tls: bool, workdir: Path, serve: Callable[..., None] = _serve_cluster
) -> Iterator[tuple[Any, int]]:
    """``serve`` (the Builds by default) runs in a process and sends what the runs need."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve, args=(child, cases, tls, str(workdir)), daemon=True)
    process.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the simulated API server did not start within 60 s")
        source = parent.recv()  # a Source from _serve_cluster
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


# -- the paths ------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    cpu: dict[str, float]


@dataclass
class ArchiveResult:
    """One deflate implementation's archive runs for one case."""

    deflate: str
    runs: list[Run] = field(default_factory=list)
    compressed_bytes: int = 0
    worker_peak_rss: int = 0
    function_peak_pss: int = 0
    verified: bool = False


@dataclass
class CaseResult:
    text: str
    size: int
    raw: list[Run] = field(default_factory=list)
    archives: list[ArchiveResult] = field(default_factory=list)
    load_average: float = 0.0  # 1-minute load when this case finished: other work competes

    def throughput(self, runs: list[Run]) -> float:
        return self.size / MiB / statistics.median(r.seconds for r in runs)

    def ratio(self, archive: ArchiveResult) -> float:
        return self.throughput(archive.runs) / self.throughput(self.raw)


def raw_upload(
    http: urllib3.PoolManager, source: Source, s3: S3Client, case: tuple[str, int], meter: CpuMeter
) -> Run:
    build = source.builds[case]["metadata"]
    size = case[1]
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


def collect_garbage(daemons: Path) -> None:
    """Free the RADOS objects of what was deleted now: RGW's garbage collector waits two
    hours by default, and a memstore OSD fills up (and hangs every request) after a few
    1 GiB rounds."""
    subprocess.run(
        ["radosgw-admin", "gc", "process", "--include-all"],
        env={**os.environ, "CEPH_CONF": str(daemons / "ceph.conf")},
        check=True,
        capture_output=True,
        timeout=300,
    )


def archive_once(
    http: urllib3.PoolManager,
    function: FunctionProcess,
    s3: S3Client,
    source: Source,
    case: tuple[str, int],
    meter: CpuMeter,
    result: ArchiveResult,
    verify: bool,
) -> Run:
    build = source.builds[case]
    size = case[1]
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
        expected = sha256(source.specs[case])
        if log["sha256"] != expected or stored_digest(s3, layout.log_key(ref)) != expected:
            raise RuntimeError(f"the archived {label(size)} log differs from the source")
        result.verified = True
    clear_archive(s3)
    return Run(round(seconds, 3), dict(cpu))


# -- orchestration --------------------------------------------------------------------

TEXTS = ("tests", "digests")  # osiris.simulator.buildlogs.BulkText: ~9x and ~3.5x
DEFLATES = ("isal", "zlib")
# A variant runs without the finding rules (every built-in rule switched off by a rules
# file): "isal-norules" beside "isal" measures what the findings cost while archiving.
NO_RULES = "-norules"
VARIANTS = (*DEFLATES, *(f"{deflate}{NO_RULES}" for deflate in DEFLATES))


@dataclass(frozen=True)
class Options:
    sizes: list[int]
    texts: list[str]
    deflates: list[str]
    repeat: int
    tls: bool
    knobs: dict[str, str]
    verify: bool
    output: Path

    @property
    def cases(self) -> list[tuple[str, int]]:
        return [(text, size) for size in self.sizes for text in self.texts]


@dataclass(frozen=True)
class S3Target:
    """Where the runs store: a Ceph booted here, or one already running (``--ceph-dir``)."""

    http_endpoint: str
    https_endpoint: str
    ca_bundle: str
    access_key: str
    secret_key: str
    region: str
    daemons: Path  # the Ceph working directory: its daemons' CPU is counted

    def client(self, tls: bool) -> S3Client:
        """A boto3 client of the benchmark's bucket, configured as the functions are."""
        return make_client(
            S3Settings(
                bucket=BUCKET,
                access_key_id=self.access_key,
                secret_access_key=self.secret_key,
                endpoint_url=self.https_endpoint if tls else self.http_endpoint,
                region=self.region,
                ca_bundle=self.ca_bundle if tls else None,
            )
        )


class Kubeconfigured(Protocol):
    """Whatever names the kubeconfig of the simulated API server (a Source, ...)."""

    @property
    def kubeconfig(self) -> str: ...


def function_environ(
    source: Kubeconfigured,
    target: S3Target,
    tls: bool,
    workdir: Path,
    knobs: dict[str, str],
    deflate: str,
) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "KUBECONFIG": source.kubeconfig,
        "OSIRIS_STORAGE_URL": f"s3://{BUCKET}",
        "OSIRIS_S3_ENDPOINT": target.https_endpoint if tls else target.http_endpoint,
        "AWS_ACCESS_KEY_ID": target.access_key,
        "AWS_SECRET_ACCESS_KEY": target.secret_key,
        "OSIRIS_S3_REGION": target.region,
        "OSIRIS_PREFIX": PREFIX,
        "OSIRIS_CLUSTER": CLUSTER,
        # INFO: the start-up line names the deflate implementation (checked below).
        "OSIRIS_LOG_LEVEL": "INFO",
        **knobs,
    }
    implementation, rules_off = deflate.removesuffix(NO_RULES), deflate.endswith(NO_RULES)
    if rules_off:
        rules = workdir / "no-rules.yaml"
        rules.write_text(
            "rules:\n"
            + "".join(f"  - id: {rule}\n    enabled: false\n" for rule in BUILTIN_RULE_IDS)
        )
        env["OSIRIS_RULES_FILE"] = str(rules)
    if implementation == "zlib":
        # The fallback as an interpreter without isal runs it: the import fails.
        shim = workdir / "without-isal" / "isal"
        shim.mkdir(parents=True, exist_ok=True)
        (shim / "__init__.py").write_text('raise ImportError("hidden by the benchmark")\n')
        env["PYTHONPATH"] = str(shim.parent)
    if tls:
        env["OSIRIS_S3_CA_BUNDLE"] = target.ca_bundle
    return env


def ceph_pids(directory: Path) -> list[int]:
    """The daemons of the Ceph in ``directory`` (their CEPH_CONF): other Cephs on the
    machine (another suite's) are not ours to count."""
    names = {"radosgw", "ceph-osd", "ceph-mon"}
    pids = []
    for process in psutil.process_iter(["name"]):
        if process.info["name"] not in names:
            continue
        try:
            conf = process.environ().get("CEPH_CONF", "")
        except (psutil.AccessDenied, psutil.NoSuchProcess):
            continue
        if conf.startswith(str(directory)):
            pids.append(process.pid)
    return pids


@contextmanager
def s3_target(ceph_dir: Path | None, workdir: Path) -> Iterator[S3Target]:
    if ceph_dir is not None:
        env = dict(
            line.removeprefix("export ").split("=", 1)
            for line in (ceph_dir / "env").read_text().splitlines()
            if "=" in line
        )
        env = {key: value.strip("'\"") for key, value in env.items()}
        yield S3Target(
            env["OSIRIS_TEST_S3_HTTP_ENDPOINT"],
            env["OSIRIS_TEST_S3_HTTPS_ENDPOINT"],
            env["OSIRIS_TEST_S3_CA_BUNDLE"],
            env["OSIRIS_TEST_S3_ACCESS_KEY"],
            env["OSIRIS_TEST_S3_SECRET_KEY"],
            env["OSIRIS_TEST_S3_REGION"],
            ceph_dir.resolve(),
        )
        return
    with CephCluster(workdir / "ceph") as ceph:
        yield S3Target(
            ceph.http_endpoint,
            ceph.https_endpoint,
            ceph.ca_bundle,
            ceph.access_key,
            ceph.secret_key,
            ceph.region,
            (workdir / "ceph").resolve(),
        )


def run(options: Options, ceph_dir: Path | None) -> list[CaseResult]:
    workdir = Path(tempfile.mkdtemp(prefix="osiris-bench-"))
    print(f"starting Ceph and the simulated API server in {workdir} ...", flush=True)
    with (
        log_source(options.cases, options.tls, workdir) as (source, apiserver_pid),
        s3_target(ceph_dir, workdir) as target,
    ):
        s3 = target.client(options.tls)
        create_bucket(s3, BUCKET, target.region)
        http = urllib3.PoolManager(
            cert_reqs="CERT_REQUIRED" if source.ca_file else "CERT_NONE",
            ca_certs=source.ca_file,
            retries=False,
        )
        try:
            return [
                measure_case(options, source, apiserver_pid, target, s3, http, workdir, case)
                for case in options.cases
            ]
        finally:
            empty_and_delete_bucket(s3, BUCKET)


def started_with(function: FunctionProcess, deflate: str) -> None:
    """Fail unless the function's start-up line names ``deflate``."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in function.output().splitlines():
            if '"archive function ready"' in line:
                named = json.loads(line[line.index("{") :]).get("deflate")
                if named != deflate:
                    raise RuntimeError(f"the function deflates with {named}, not {deflate}")
                return
        time.sleep(0.1)
    raise RuntimeError(f"no start-up line in the function's output:\n{function.output()[-2000:]}")


def measure_case(
    options: Options,
    source: Source,
    apiserver_pid: int,
    target: S3Target,
    s3: S3Client,
    http: urllib3.PoolManager,
    workdir: Path,
    case: tuple[str, int],
) -> CaseResult:
    text, size = case
    result = CaseResult(text, size)
    # A fresh function per case and implementation, so each VmHWM is this case's peak alone.
    with contextlib.ExitStack() as stack:
        functions = []
        for deflate in options.deflates:
            env = function_environ(source, target, options.tls, workdir, options.knobs, deflate)
            log_path = workdir / f"archive-{text}-{size}-{deflate}.log"
            function = stack.enter_context(
                FunctionProcess("archive", env, log_path, startup_timeout=60)
            )
            started_with(function, deflate.removesuffix(NO_RULES))
            master, worker = function_processes(function.port)
            functions.append((function, master, worker))
            result.archives.append(ArchiveResult(deflate))
        common = {"apiserver": [apiserver_pid], "ceph": ceph_pids(target.daemons)}
        raw_meter = CpuMeter({"client": [os.getpid()], **common})
        for attempt in range(1, options.repeat + 1):
            # Rounds alternate: raw, then every implementation, the order turning each
            # round, so load from other work on the machine hits every side alike.
            order = list(range(len(functions)))
            shift = (attempt - 1) % len(order)
            order = order[shift:] + order[:shift]
            # The PSS sampler reads the function's smaps (CPU, and the mmap lock it shares
            # with the function's allocator): it runs during the raw upload too, over the
            # idle function, so both sides carry its cost.
            with TreePssSampler(functions[0][1]):
                result.raw.append(raw_upload(http, source, s3, case, raw_meter))
            timings = [f"raw {result.raw[-1].seconds:.2f} s"]
            for index in order:
                function, master, worker = functions[index]
                archive = result.archives[index]
                meter = CpuMeter({"client": [worker.pid], **common})
                with TreePssSampler(master) as sampler:
                    archive.runs.append(
                        archive_once(
                            http, function, s3, source, case, meter, archive, options.verify
                        )
                    )
                archive.function_peak_pss = max(archive.function_peak_pss, sampler.peak)
                timings.append(f"{archive.deflate} {archive.runs[-1].seconds:.2f} s")
            print(f"  {text} {label(size)} #{attempt}: " + ", ".join(timings), flush=True)
            collect_garbage(target.daemons)
        for (_, _, worker), archive in zip(functions, result.archives, strict=True):
            archive.worker_peak_rss = vm_hwm(worker.pid)
    result.load_average = round(os.getloadavg()[0], 1)
    return result


# -- reporting ------------------------------------------------------------------------


def _median_cpu(runs: list[Run]) -> str:
    median = sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]
    return "/".join(f"{median.cpu[k]:.1f}" for k in ("client", "apiserver", "ceph"))


def table(results: list[CaseResult]) -> str:
    rows = [
        "| text | log size | deflate | raw upload MiB/s | archive MiB/s | archive/raw "
        "| compressed | ratio | worker peak RSS | function peak PSS "
        "| CPU s raw (client/apiserver/ceph) | CPU s archive (function/apiserver/ceph) |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        for a in r.archives:
            rows.append(
                f"| {r.text} | {label(r.size)} | {a.deflate} | {r.throughput(r.raw):.1f} "
                f"| {r.throughput(a.runs):.1f} | {r.ratio(a):.2f}x "
                f"| {a.compressed_bytes / MiB:.1f} MiB | {r.size / max(a.compressed_bytes, 1):.2f}x "
                f"| {a.worker_peak_rss / MiB:.1f} MiB | {a.function_peak_pss / MiB:.1f} MiB "
                f"| {_median_cpu(r.raw)} | {_median_cpu(a.runs)} |"
            )
    return "\n".join(rows)


def load_warning(load_averages: Sequence[float]) -> list[str]:
    """A line saying the figures are noisy when other work competed for the CPU."""
    cpus = os.cpu_count() or 1
    busy = [load for load in load_averages if load > cpus]
    if not busy:
        return []
    return [
        f"load average up to {max(busy)} on {cpus} CPUs: "
        "other work competed for the CPU, so these figures are noisy"
    ]


def verdict(results: list[CaseResult]) -> list[str]:
    lines = load_warning([r.load_average for r in results])
    for r in results:
        for a in r.archives:
            where = f"{r.text} {label(r.size)} {a.deflate}"
            if r.ratio(a) < GOAL_RATIO:
                lines.append(
                    f"{where}: archive/raw {r.ratio(a):.2f} is below the {GOAL_RATIO} goal"
                )
            if r.size >= 1024 * MiB and a.worker_peak_rss >= GOAL_PEAK_RSS_AT_1G:
                lines.append(f"{where}: worker peak RSS {a.worker_peak_rss / 1e6:.0f} MB ≥ 150 MB")
    return lines or ["all goals met"]


def write_json(options: Options, results: list[CaseResult], path: Path) -> None:
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
            "texts": options.texts,
            "deflates": options.deflates,
            "repeat": options.repeat,
            "tls": options.tls,
            "knobs": options.knobs,
            "verified": options.verify,
        },
        "results": [
            {
                **asdict(r),
                "raw_mib_per_s": round(r.throughput(r.raw), 1),
                "archive_mib_per_s": {
                    a.deflate: round(r.throughput(a.runs), 1) for a in r.archives
                },
                "archive_over_raw": {a.deflate: round(r.ratio(a), 3) for a in r.archives},
            }
            for r in results
        ],
        "verdict": verdict(results),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def _choices(text: str, allowed: tuple[str, ...], parser: argparse.ArgumentParser) -> list[str]:
    chosen = [item.strip() for item in text.split(",") if item.strip()]
    if not chosen or any(item not in allowed for item in chosen):
        parser.error(f"choose from {', '.join(allowed)} (comma-separated), not {text!r}")
    return chosen


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every ingest benchmark shares: rounds, transport, knobs, Ceph, checks."""
    parser.add_argument("--repeat", type=int, default=1, help="rounds per case (median)")
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
    parser.add_argument(
        "--ceph-dir",
        type=Path,
        default=None,
        help="use the Ceph that `python -m tests.support.ceph up --dir DIR` runs (default: "
        "boot one for this run)",
    )
    parser.add_argument("--no-verify", action="store_true", help="skip the SHA-256 check")


def parse_args(argv: Sequence[str] | None) -> tuple[Options, Path | None]:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.archive_ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes", default="10M,100M,1G", help="log sizes, comma-separated (default %(default)s)"
    )
    parser.add_argument(
        "--texts",
        default=",".join(TEXTS),
        help="log text: tests (compresses ~9x), digests (~3.5x) (default %(default)s)",
    )
    parser.add_argument(
        "--deflate",
        default="isal",
        help="archive functions to compare side by side: isal, zlib (the fallback, isal "
        "hidden from the function), and either with -norules (the finding rules off) "
        "(default %(default)s)",
    )
    add_run_arguments(parser)
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args(argv)
    knobs = dict(item.split("=", 1) for item in args.env)
    sizes = [parse_size(item) for item in args.sizes.split(",") if item.strip()]
    if not sizes or args.repeat < 1:
        parser.error("need at least one size and --repeat >= 1")
    options = Options(
        sizes,
        _choices(args.texts, TEXTS, parser),
        _choices(args.deflate, VARIANTS, parser),
        args.repeat,
        not args.plain_http,
        knobs,
        not args.no_verify,
        args.output,
    )
    return options, args.ceph_dir


def main(argv: Sequence[str] | None = None) -> int:
    options, ceph_dir = parse_args(argv)
    results = run(options, ceph_dir)
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
