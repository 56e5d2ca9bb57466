"""The lookup under load: 32 concurrent clients for 60 s over a bucket of 100,000 builds.

The lookup function is served the way the image serves it (``functions-framework``, its
production server, in its own process); the clients mix the questions people ask — the
newest builds of a namespace, the latest build of a BuildConfig, one build's document and
its log (a 200 KB log, whole, and the 1,000-line tail of the 100 MB one) — round-robin over
random namespaces. Every answer must be a 200; the run reports requests per second and
p50/p99 per kind, and fails when any request failed.

Seeding: the index entries of the 100,000 builds are written straight into the bucket
through the archive's key layout (``lookup_bench.index_build``), by ``--seed-processes``
processes of 32 threads each; the 100 MB log goes through the real Archiver (from the
simulated cluster), so it has restart points, and a twin of it is stored without them
(``--tail-of legacy``: the tail as every log archived before restart points reads it).

    python -m tests.support.ceph up --dir .ceph-bench &   # writes .ceph-bench/env
    . .ceph-bench/env
    python -m benchmarks.lookup_load                     # populates once (lookup_bench's bucket)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import urllib3
from benchmarks.lookup_bench import (
    LOG_SIZE,
    MARKER,
    bench_bucket,
    big_build,
    index_build,
    store_log,
)
from tests.lookup.archive_data import BASE_TIME, StoredBuild, store_build
from tests.support.events import build_event
from tests.support.inprocess import InProcessBuilds

from osiris.archive.service import Archiver, StreamSettings
from osiris.dev.processes import FunctionProcess
from osiris.simulator.buildlogs import LogSpec, iter_log, read_all
from osiris.simulator.cluster import SimulatedCluster

RESULTS = Path(__file__).resolve().parent / "results" / "lookup_load.json"
READABLE = 20  # complete builds (document + a 200 KB log) in ns-001
INDEXED_BIG = "big-1"  # archived by the Archiver: restart points
LEGACY_BIG = "legacy-1"  # stored without restart points


def readable_builds() -> list[StoredBuild]:
    return [
        StoredBuild(
            "ns-001",
            f"readable-{n}",
            BASE_TIME + 20_000_000 + n,
            buildconfig="readable",
            number=n,
            uid=str(uuid.UUID(int=0xEAD000 + n)),
            log=read_all(LogSpec(seed=n, size=200_000, namespace="ns-001", build_name="r")),
        )
        for n in range(1, READABLE + 1)
    ]


def seed_shard(bucket: str, shard: int, shards: int, builds: int, namespaces: int) -> int:
    """One seeding process: builds ``shard``, ``shard + shards``, ... (32 threads)."""
    bench = bench_bucket(bucket)
    numbers = range(shard, builds, shards)
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda n: index_build(bench.store, bench.layout, n, namespaces), numbers))
    return len(numbers)


def seed(bucket: str, builds: int, namespaces: int, processes: int) -> None:
    started = time.perf_counter()
    with ProcessPoolExecutor(processes) as pool:
        shards = [
            pool.submit(seed_shard, bucket, n, processes, builds, namespaces)
            for n in range(processes)
        ]
        done = sum(shard.result() for shard in shards)
    elapsed = time.perf_counter() - started
    print(f"  {done} builds indexed in {elapsed:.0f} s ({done / elapsed:.0f}/s)", flush=True)


def archive_big(bucket: str) -> None:
    """The 100 MB log through the real Archiver (restart points), and its twin without."""
    bench = bench_bucket(bucket)
    cluster = SimulatedCluster()
    cluster.create_namespace("ns-000")
    cluster.create_buildconfig("ns-000", "big")
    build = cluster.start_build("ns-000", "big", log_size=LOG_SIZE, seed=1)
    settings = StreamSettings(part_size=8 * 1024 * 1024)
    started = time.perf_counter()
    Archiver(bench.store, InProcessBuilds(cluster), bench.layout, settings).handle(
        build_event(build)
    )
    print(f"  100 MB log archived in {time.perf_counter() - started:.1f} s", flush=True)
    legacy = StoredBuild(
        "ns-000",
        LEGACY_BIG,
        BASE_TIME + 10_000_001,
        buildconfig="legacy",
        number=1,
        uid=str(uuid.UUID(int=0xB17)),
        log=b"",
    )
    spec = LogSpec(seed=1, size=LOG_SIZE, namespace="ns-000", build_name=LEGACY_BIG)
    store_log(bench.store, bench.layout, legacy, iter_log(spec))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bucket", default="osiris-lookup-bench")
    parser.add_argument("--builds", type=int, default=100_000)
    parser.add_argument("--namespaces", type=int, default=100)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--kinds", default="list,latest,document,log,tail", help="the requests to mix"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--seed-processes", type=int, default=4)
    parser.add_argument(
        "--tail-of",
        choices=("indexed", "legacy"),
        default="indexed",
        help="the 100 MB log the tails read: with restart points, or without",
    )
    args = parser.parse_args()

    bench = bench_bucket(args.bucket)
    marker = MARKER.format(builds=args.builds, namespaces=args.namespaces) + "-restarts"
    if bench.store.head(marker) is None:
        print(f"populating {args.builds} builds over {args.namespaces} namespaces ...")
        seed(args.bucket, args.builds, args.namespaces, args.seed_processes)
        archive_big(args.bucket)
        bench.store.put(marker, b"", content_type="text/plain")
    big = big_build(bench.store, bench.layout, write_it=False)
    big_name = INDEXED_BIG if args.tail_of == "indexed" else LEGACY_BIG
    readable = readable_builds()
    for build in readable:
        store_build(bench.store, bench.layout, build)

    workdir = Path(tempfile.mkdtemp(prefix="osiris-load-"))
    environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir), **bench.env}
    with FunctionProcess("lookup", environ, workdir / "lookup.log") as lookup:
        base = lookup.url
        http = urllib3.PoolManager(maxsize=args.clients, retries=False, timeout=60)

        def path_of(kind: str, rng: random.Random) -> str:
            ns = f"ns-{rng.randrange(args.namespaces):03d}"
            if kind == "list":
                return f"/api/v1/namespaces/{ns}/builds?limit=50"
            if kind == "latest":
                return f"/api/v1/namespaces/{ns}/buildconfigs/app-{rng.randrange(10)}/latest"
            build = rng.choice(readable)
            if kind == "document":
                return f"/api/v1/namespaces/ns-001/builds/{build.name}"
            if kind == "log":
                return f"/api/v1/namespaces/ns-001/builds/{build.name}/log?uid={build.uid}"
            return f"/api/v1/namespaces/{big.namespace}/builds/{big_name}/log?tail=1000"

        kinds = tuple(args.kinds.split(","))
        latencies: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds

        def client(seed: int) -> None:
            rng = random.Random(seed)
            turn = seed
            while time.monotonic() < deadline:
                kind = kinds[turn % len(kinds)]
                turn += 1
                path = path_of(kind, rng)
                started = time.perf_counter()
                try:
                    response = http.request("GET", base + path)
                    ok = response.status == 200
                    detail = f"{response.status} {path}"
                except urllib3.exceptions.HTTPError as exc:
                    ok, detail = False, f"{type(exc).__name__} {path}"
                elapsed = time.perf_counter() - started
                with lock:
                    latencies[kind].append(elapsed)
                    if not ok:
                        errors.append(detail)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        run_started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - run_started

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        return {
            "requests": len(ordered),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(p99 * 1000, 1),
        }

    total = sum(len(v) for v in latencies.values())
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "builds": args.builds,
        "tail_of": args.tail_of if "tail" in kinds else None,
        "clients": args.clients,
        "seconds": round(wall, 1),
        "requests": total,
        "requests_per_second": round(total / wall, 1),
        "errors": len(errors),
        "error_samples": errors[:10],
        "load_average": round(os.getloadavg()[0], 1),
        "by_kind": {kind: summary(latencies[kind]) for kind in kinds},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"{total} requests in {wall:.1f} s from {args.clients} clients: "
        f"{total / wall:.0f}/s, {len(errors)} errors"
    )
    for kind in kinds:
        figures = summary(latencies[kind])
        print(
            f"  {kind:<9} {figures['requests']:>6}  p50 {figures['p50_ms']:>7} ms"
            f"  p99 {figures['p99_ms']:>7} ms"
        )
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
