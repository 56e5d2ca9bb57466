"""Events per second through the archive function, beside a no-op CloudEvent function.

Two measurements, one run, one client posting back to back over HTTP (as a Trigger
delivers to one pod):

- **ignored**: events of a build still running (the ApiServerSource sends several per
  build before it finishes), posted in rounds to the archive function and to a no-op
  functions-framework function (``noop_function.py``), their order turning each round.
  Goal: ≥ 0.9x the no-op — the archive adds nothing worth measuring to an event it ignores.
- **archived**: ``--builds`` finished builds (``--log-size`` each) archived back to back into
  Ceph: builds per second, p50/p99 latency, and a count of the documents in the bucket.

    python -m benchmarks.archive_events --ceph-dir .ceph-bench
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import urllib3
from benchmarks.ingest.function import function_environ
from benchmarks.ingest.names import BUCKET, BUILDCONFIG, NAMESPACE, PREFIX
from benchmarks.ingest.reporting import load_warning
from benchmarks.ingest.source import log_source
from benchmarks.ingest.storage import clear_archive, s3_target
from tests.support.s3 import create_bucket, empty_and_delete_bucket

from osiris.dev.processes import FunctionProcess, free_port
from osiris.simulator.source import encode, make_event

RESULTS = Path(__file__).resolve().parent / "results" / "archive_events.json"
NOOP_SOURCE = Path(__file__).resolve().parent / "noop_function.py"
GOAL_IGNORED = 0.9


@dataclass(frozen=True)
class Builds:
    kubeconfig: str
    finished: list[dict[str, Any]]


def _serve(conn: Connection, options: tuple[int, int], tls: bool, workdir: str) -> None:
    from osiris.simulator.apiserver import SimulatedApiServer
    from osiris.simulator.cluster import SimulatedCluster

    count, log_size = options
    cluster = SimulatedCluster()
    cluster.create_namespace(NAMESPACE)
    cluster.create_buildconfig(NAMESPACE, BUILDCONFIG, strategy="Docker")
    finished = [
        cluster.start_build(NAMESPACE, BUILDCONFIG, log_size=log_size, seed=index)
        for index in range(count)
    ]
    with SimulatedApiServer(cluster, tls=tls) as server:
        kubeconfig = server.write_kubeconfig(Path(workdir) / "kubeconfig")
        conn.send(Builds(str(kubeconfig), finished))
        conn.recv()


def running(build: dict[str, Any]) -> dict[str, Any]:
    """The same build as an event while it still ran."""
    earlier: dict[str, Any] = json.loads(json.dumps(build))
    earlier["status"]["phase"] = "Running"
    earlier["status"].pop("completionTimestamp", None)
    earlier["status"].pop("duration", None)
    return earlier


@contextmanager
def noop_function(workdir: Path) -> Iterator[str]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "FUNCTION_SOURCE": str(NOOP_SOURCE),
        "FUNCTION_TARGET": "noop",
        "FUNCTION_SIGNATURE_TYPE": "cloudevent",
    }
    log = (workdir / "noop.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "functions_framework", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib3.request("GET", url, timeout=1, retries=False)
                break
            except urllib3.exceptions.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the no-op function did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def post_all(
    http: urllib3.PoolManager, url: str, events: Sequence[tuple[dict[str, str], bytes]]
) -> list[float]:
    """Each event's latency in seconds; every answer must be 200."""
    latencies = []
    for headers, body in events:
        started = time.perf_counter()
        response = http.request("POST", url, body=body, headers=headers)
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}: {response.data[:200]!r}")
    return latencies


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--builds", type=int, default=1000, help="finished builds to archive")
    parser.add_argument("--log-size", type=int, default=20_000, help="bytes of each build log")
    parser.add_argument("--events", type=int, default=2000, help="ignored events per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ceph-dir", type=Path, help="a Ceph started with tests.support.ceph up")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="osiris-bench-"))
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=120))
    with (
        log_source((args.builds, args.log_size), False, workdir, serve=_serve) as (builds, _),
        s3_target(args.ceph_dir, workdir) as target,
    ):
        s3 = target.client(False)
        create_bucket(s3, BUCKET, target.region)
        try:
            environ = function_environ(builds, target, False, workdir, {}, "isal")
            with (
                FunctionProcess("archive", environ, workdir / "archive.log") as archive,
                noop_function(workdir) as noop,
            ):
                ignored = [encode(make_event(running(b), "update")) for b in builds.finished]
                events = (ignored * (args.events // len(ignored) + 1))[: args.events]
                rates: dict[str, list[float]] = {"archive": [], "noop": []}
                post_all(http, archive.url, events[:50])  # warm both: imports, connections
                post_all(http, noop, events[:50])
                for round_number in range(args.rounds):
                    order = [("archive", archive.url), ("noop", noop)]
                    for name, url in order if round_number % 2 == 0 else reversed(order):
                        started = time.perf_counter()
                        post_all(http, url, events)
                        rates[name].append(len(events) / (time.perf_counter() - started))
                clear_archive(s3)
                finished = [encode(make_event(b, "update")) for b in builds.finished]
                started = time.perf_counter()
                latencies = post_all(http, archive.url, finished)
                seconds = time.perf_counter() - started
                documents = sum(
                    1
                    for page in s3.get_paginator("list_objects_v2").paginate(
                        Bucket=BUCKET, Prefix=PREFIX
                    )
                    for item in page.get("Contents", [])
                    if item["Key"].endswith("build.json")
                )
        finally:
            clear_archive(s3)
            empty_and_delete_bucket(s3, BUCKET)
    archive_rate, noop_rate = statistics.median(rates["archive"]), statistics.median(rates["noop"])
    # The two sides of a round run back to back under the same load from elsewhere on the
    # machine; the median of the rounds' ratios is the figure, not a ratio of medians taken
    # from different moments.
    ratios = [ours / theirs for ours, theirs in zip(rates["archive"], rates["noop"], strict=True)]
    ratio = statistics.median(ratios)
    archived: dict[str, Any] = {
        "builds": args.builds,
        "log_bytes": args.log_size,
        "seconds": round(seconds, 2),
        "builds_per_second": round(args.builds / seconds, 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "documents_in_bucket": documents,
    }
    load = round(os.getloadavg()[0], 1)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": load,
        "ignored_events_per_second": {"archive": rates["archive"], "noop": rates["noop"]},
        "ignored_round_ratios": [round(value, 3) for value in ratios],
        "ignored_ratio": round(ratio, 3),
        "archived": archived,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"ignored events/s: archive {archive_rate:.0f}, no-op {noop_rate:.0f}; median of the "
        f"rounds' ratios {ratio:.2f}x ({min(ratios):.2f}-{max(ratios):.2f}; goal ≥ {GOAL_IGNORED})"
    )
    print(
        f"{args.builds} builds archived back to back in {seconds:.1f} s: "
        f"{archived['builds_per_second']}/s, p50 {archived['p50_ms']} ms, "
        f"p99 {archived['p99_ms']} ms; {documents} documents in the bucket"
    )
    for line in load_warning([load]):
        print(line)
    return 0 if documents == args.builds else 1


if __name__ == "__main__":
    raise SystemExit(main())
