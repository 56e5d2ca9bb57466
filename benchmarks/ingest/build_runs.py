"""``archive_ingest``'s runs: one Build log raw-uploaded, then archived by the function.

Both sides read the same bytes from the same source and store into the same Ceph, with
the same boto3 client configuration.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import urllib3
from benchmarks.ingest.build_results import ArchiveResult, CaseResult
from benchmarks.ingest.function import NO_RULES, function_environ, post_event, started_with
from benchmarks.ingest.meters import (
    CpuMeter,
    Run,
    TreePssSampler,
    ceph_pids,
    function_processes,
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
from benchmarks.ingest.units import label
from tests.support.s3 import create_bucket, empty_and_delete_bucket

from osiris.core.keys import BuildRef, KeyLayout
from osiris.dev.processes import FunctionProcess
from osiris.simulator.buildlogs import sha256

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


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


def raw_upload(
    http: urllib3.PoolManager, source: Source, s3: S3Client, case: tuple[str, int], meter: CpuMeter
) -> Run:
    build = source.builds[case]["metadata"]
    size = case[1]
    url = (
        f"{source.url}/apis/build.openshift.io/v1/namespaces/{NAMESPACE}/builds/{build['name']}/log"
    )
    key = f"raw/{build['name']}.log"
    run = timed_run(meter, lambda: upload_raw(http, url, s3, key))
    stored = s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"]
    if stored != size:
        raise RuntimeError(f"raw upload stored {stored} bytes of {size}")
    s3.delete_object(Bucket=BUCKET, Key=key)
    return run


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
    run = timed_run(meter, lambda: post_event(http, function, build))
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
    return run


def run(options: Options, ceph_dir: Path | None) -> list[CaseResult]:
    workdir = Path(tempfile.mkdtemp(prefix="osiris-bench-"))
    print(f"starting Ceph and the simulated API server in {workdir} ...", flush=True)
    with (
        log_source(options.cases, options.tls, workdir) as (source, apiserver_pid),
        s3_target(ceph_dir, workdir) as target,
    ):
        s3 = target.client(options.tls)
        create_bucket(s3, BUCKET, target.region)
        http = source_http(source)
        try:
            return [
                measure_case(options, source, apiserver_pid, target, s3, http, workdir, case)
                for case in options.cases
            ]
        finally:
            empty_and_delete_bucket(s3, BUCKET)


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
