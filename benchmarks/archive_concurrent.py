"""Four 1 GiB build logs archived at once by one archive function (the Template's
containerConcurrency 4): the worker's peak RSS against the Template's memory limit.

One functions-framework process (its production server), four CloudEvents posted at the
same moment, each for a build whose 1 GiB log the simulated API server (its own process)
streams over HTTPS; the worker's ``VmHWM`` is the exact kernel peak. Every stored log is
checked against the generator's SHA-256.

    python -m benchmarks.archive_concurrent --ceph-dir .ceph-bench
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import urllib3
from benchmarks.ingest.function import function_environ, post_event
from benchmarks.ingest.meters import function_processes, vm_hwm
from benchmarks.ingest.names import BUCKET, BUILDCONFIG, CLUSTER, NAMESPACE, PREFIX
from benchmarks.ingest.reporting import load_warning
from benchmarks.ingest.source import log_source
from benchmarks.ingest.storage import clear_archive, s3_target, stored_digest
from benchmarks.ingest.units import MiB, parse_size
from tests.support.s3 import create_bucket, empty_and_delete_bucket

from osiris.core.keys import BuildRef, KeyLayout
from osiris.dev.processes import FunctionProcess

RESULTS = Path(__file__).resolve().parent / "results" / "archive_concurrent.json"
TEMPLATE_LIMIT = 384 * MiB  # openshift/archive.yaml ARCHIVE_MEMORY_LIMIT


@dataclass(frozen=True)
class Logs:
    kubeconfig: str
    builds: list[dict[str, Any]]
    digests: list[str]


def _serve(conn: Connection, options: tuple[int, int], tls: bool, workdir: str) -> None:
    from osiris.simulator.apiserver import SimulatedApiServer
    from osiris.simulator.buildlogs import sha256
    from osiris.simulator.cluster import SimulatedCluster

    count, size = options
    cluster = SimulatedCluster()
    cluster.create_namespace(NAMESPACE)
    cluster.create_buildconfig(NAMESPACE, BUILDCONFIG, strategy="Docker")
    builds = [
        cluster.start_build(NAMESPACE, BUILDCONFIG, log_size=size, seed=n) for n in range(count)
    ]
    digests = [sha256(cluster.log_spec(NAMESPACE, b["metadata"]["name"])) for b in builds]
    with SimulatedApiServer(cluster, tls=tls) as server:
        kubeconfig = server.write_kubeconfig(Path(workdir) / "kubeconfig")
        conn.send(Logs(str(kubeconfig), builds, digests))
        conn.recv()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--builds", type=int, default=4, help="logs archived at once")
    parser.add_argument("--size", type=parse_size, default=parse_size("1G"))
    parser.add_argument("--ceph-dir", type=Path)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="osiris-bench-"))
    http = urllib3.PoolManager(maxsize=args.builds, retries=False)
    layout = KeyLayout(PREFIX, CLUSTER)
    with (
        log_source((args.builds, args.size), True, workdir, serve=_serve) as (logs, _),
        s3_target(args.ceph_dir, workdir) as target,
    ):
        s3 = target.client(True)
        create_bucket(s3, BUCKET, target.region)
        try:
            environ = function_environ(logs, target, True, workdir, {}, "isal")
            with FunctionProcess("archive", environ, workdir / "archive.log") as function:
                _, worker = function_processes(function.port)
                before = vm_hwm(worker.pid)
                started = time.perf_counter()
                with ThreadPoolExecutor(args.builds) as pool:
                    list(pool.map(lambda b: post_event(http, function, b), logs.builds))
                seconds = time.perf_counter() - started
                peak = vm_hwm(worker.pid)
            for build, expected in zip(logs.builds, logs.digests, strict=True):
                meta = build["metadata"]
                key = layout.log_key(BuildRef(meta["namespace"], meta["name"], meta["uid"]))
                if stored_digest(s3, key) != expected:
                    raise RuntimeError(f"the archived log of {meta['name']} differs")
        finally:
            clear_archive(s3)
            empty_and_delete_bucket(s3, BUCKET)
    load = round(os.getloadavg()[0], 1)
    total = args.builds * args.size
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "builds": args.builds,
        "log_bytes": args.size,
        "seconds": round(seconds, 1),
        "mib_per_second": round(total / MiB / seconds, 1),
        "worker_peak_rss_mib": round(peak / MiB, 1),
        "worker_rss_before_mib": round(before / MiB, 1),
        "template_limit_mib": TEMPLATE_LIMIT // MiB,
        "load_average": load,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"{args.builds} x {args.size // MiB} MiB at once in {seconds:.1f} s "
        f"({result['mib_per_second']} MiB/s); worker peak RSS {peak / MiB:.1f} MiB "
        f"(at start {before / MiB:.1f} MiB) of the Template's {TEMPLATE_LIMIT // MiB} MiB limit; "
        "every log verified"
    )
    for line in load_warning([load]):
        print(line)
    return 0 if peak < TEMPLATE_LIMIT else 1


if __name__ == "__main__":
    raise SystemExit(main())
