"""Search throughput: 1 GiB (decoded) of archived logs searched through the lookup API,
against the raw cost of reading the same objects in the same run.

* raw: GetObject of every log and inflate it (zlib, streamed), with as many threads as the
  search reads logs at once, in this process: the least any search must do;
* osiris: ``GET /api/v1/namespaces/bench/search?q=...`` over HTTP (the lookup app built by
  its entry point, threaded werkzeug server on 127.0.0.1), following ``nextPageToken``
  until it is null, with a pattern that matches a few lines per log.

Rounds alternate raw and osiris, so whatever else the machine does hits both. Goal:
osiris ≥ 0.8x the raw throughput. Run by hand against a real S3 (a local Ceph)::

    .venv/bin/python -m tests.support.ceph up --dir .ceph-bench &   # writes .ceph-bench/env
    . .ceph-bench/env
    .venv/bin/python benchmarks/search_bench.py                   # populates once, then measures
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import threading
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import requests
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from lookup_bench import bench_bucket, store_log  # noqa: E402
from tests.lookup.archive_data import BASE_TIME, StoredBuild  # noqa: E402

from osiris.adapters.s3 import S3Store  # noqa: E402
from osiris.core.keys import KeyLayout  # noqa: E402
from osiris.entrypoints.lookup import build_app  # noqa: E402
from osiris.lookup.search import SEARCH_WORKERS  # noqa: E402
from osiris.simulator.buildlogs import LogSpec, iter_log  # noqa: E402

MiB = 1024 * 1024
RESULTS = ROOT / "benchmarks" / "results" / "search_bench.json"
NAMESPACE = "bench"
PATTERN = r"AssertionError: assert Decimal"  # the failing test of a failed simulated build


def builds(total: int, size: int) -> list[tuple[StoredBuild, LogSpec]]:
    out = []
    for n in range(total // size):
        name = f"app-{n + 1}"
        spec = LogSpec(
            seed=n + 1, size=size, namespace=NAMESPACE, build_name=name, succeeded=n % 2 == 0
        )
        build = StoredBuild(
            NAMESPACE,
            name,
            BASE_TIME + n,
            "Complete" if n % 2 == 0 else "Failed",
            "app",
            n + 1,
            uid=str(uuid.UUID(int=n + 1)),
            log=b"",
        )
        out.append((build, spec))
    return out


def populate(store: S3Store, layout: KeyLayout, chosen: list[tuple[StoredBuild, LogSpec]]) -> None:
    def write(item: tuple[StoredBuild, LogSpec]) -> int:
        build, spec = item
        return store_log(store, layout, build, iter_log(spec))[0]

    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        raw = sum(pool.map(write, chosen))
    print(
        f"  stored {len(chosen)} logs, {raw / MiB:.0f} MiB decoded in {time.perf_counter() - started:.0f} s"
    )


def raw_read(store: S3Store, layout: KeyLayout, chosen: list[StoredBuild]) -> int:
    """GetObject + inflate every log, SEARCH_WORKERS at a time: decoded bytes."""

    def read(build: StoredBuild) -> int:
        reader = store.open(layout.log_key(build.ref))
        decoder = zlib.decompressobj(31)
        total = 0
        try:
            for chunk in reader.iter_chunks(64 * 1024):
                total += len(decoder.decompress(chunk))
        finally:
            reader.close()
        return total + len(decoder.flush())

    with ThreadPoolExecutor(SEARCH_WORKERS) as pool:
        return sum(pool.map(read, chosen))


def search(session: requests.Session, base: str, show_pages: bool) -> tuple[int, int, int]:
    """(decoded bytes searched, matching lines, pages)."""
    searched = hits = pages = 0
    token = None
    while True:
        params = {"q": PATTERN, "limit": "1000"}
        if token:
            params["pageToken"] = token
        body = session.get(f"{base}/api/v1/namespaces/{NAMESPACE}/search", params=params).json()
        if show_pages:
            print(
                f"  page {pages + 1}: {body['searched']['bytes']} bytes searched in"
                f" {body['searched']['builds']} builds, {len(body['items'])} hits,"
                f" budget exhausted: {body['budgetExhausted']}"
            )
        searched += body["searched"]["bytes"]
        hits += len(body["items"])
        pages += 1
        token = body["nextPageToken"]
        if token is None:
            return searched, hits, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bucket", default="osiris-search-bench")
    parser.add_argument("--total-mib", type=int, default=1024)
    parser.add_argument("--log-mib", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    parser.add_argument(
        "--show-pages", action="store_true", help="print what each page searched (bytes, builds)"
    )
    args = parser.parse_args()

    bench = bench_bucket(args.bucket)
    env, config, store, layout = bench.env, bench.config, bench.store, bench.layout
    chosen = builds(args.total_mib * MiB, args.log_mib * MiB)
    marker = f"bench/search-{args.total_mib}-{args.log_mib}"
    if store.head(marker) is None:
        print(f"populating {len(chosen)} logs of {args.log_mib} MiB ...")
        populate(store, layout, chosen)
        store.put(marker, b"", content_type="text/plain")

    app = build_app(env)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    session = requests.Session()
    budget = config.search_bytes // MiB
    print(
        f"search budget per request: {budget} MiB, {config.search_seconds:.0f} s; {SEARCH_WORKERS} logs at once"
    )

    raw_rates, ours_rates = [], []
    for round_number in range(1, args.rounds + 1):
        started = time.perf_counter()
        decoded = raw_read(store, layout, [build for build, _ in chosen])
        raw_rates.append(decoded / MiB / (time.perf_counter() - started))
        started = time.perf_counter()
        searched, hits, pages = search(session, base, args.show_pages)
        ours_rates.append(searched / MiB / (time.perf_counter() - started))
        assert searched == decoded, (searched, decoded)
        print(
            f"round {round_number}: raw {raw_rates[-1]:6.1f} MiB/s   search {ours_rates[-1]:6.1f} MiB/s"
            f"   ratio {ours_rates[-1] / raw_rates[-1]:4.2f}x   ({hits} hits, {pages} pages)"
        )
    ratio = statistics.median(o / r for o, r in zip(ours_rates, raw_rates, strict=True))
    print(
        f"median: raw {statistics.median(raw_rates):.1f} MiB/s, search {statistics.median(ours_rates):.1f} MiB/s,"
        f" ratio {ratio:.2f}x over {decoded / MiB:.0f} MiB decoded (goal >= 0.8x)"
    )
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "decoded_bytes": decoded,
        "log_mib": args.log_mib,
        "ratio": round(ratio, 3),
        "rounds": [
            {"raw_mib_per_s": round(r, 1), "search_mib_per_s": round(o, 1)}
            for r, o in zip(raw_rates, ours_rates, strict=True)
        ],
        "raw_mib_per_s": round(statistics.median(raw_rates), 1),
        "search_mib_per_s": round(statistics.median(ours_rates), 1),
        "load_average": round(os.getloadavg()[0], 1),
    }
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.output}")
    server.shutdown()


if __name__ == "__main__":
    main()
