"""Lookup latency on a bucket with 100,000 archived builds over 100 namespaces.

For each question the lookup API answers, the raw S3 call(s) it needs are timed in the
same run, on the same endpoint, from the same process:

* newest 50 builds of a namespace   vs one ListObjectsV2 (MaxKeys 51) of its index prefix;
* latest build of a BuildConfig     vs one ListObjectsV2 (MaxKeys 1);
* first byte of a 100 MB log        vs one GetObject and its first body chunk (by name,
  and by the uid link every list item carries).

The lookup app is built by its entry point (``build_app``) and served over HTTP on
127.0.0.1 by a threaded werkzeug server; requests use one keep-alive session. S3 calls
per request come from the app's own metrics.

Run by hand against a real S3 (a local Ceph from the test harness)::

    /tmp/venv/bin/python -m tests.support.ceph up --dir .ceph-bench &   # writes .ceph-bench/env
    . .ceph-bench/env
    /tmp/venv/bin/python benchmarks/lookup_bench.py                  # populates once, then measures

Populating writes the index entries of every build (four empty objects each: the
namespace, BuildConfig, phase and BuildConfig-phase indexes) with 32 threads, plus complete objects for the
builds that are read; a marker object makes later runs skip it. ``--builds`` and
``--namespaces`` scale it down for a quick look.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import statistics
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from tests.lookup.archive_data import BASE_TIME, StoredBuild, metadata, store_index  # noqa: E402

from osiris.adapters.s3 import S3Store  # noqa: E402
from osiris.adapters.s3client import make_client  # noqa: E402
from osiris.config import LookupConfig, load_lookup_config  # noqa: E402
from osiris.core.keys import KeyLayout  # noqa: E402
from osiris.entrypoints.lookup import build_app  # noqa: E402
from osiris.simulator.buildlogs import LogSpec, iter_log  # noqa: E402

LOG_SIZE = 100 * 1024 * 1024
MARKER = "bench/populated-{builds}-{namespaces}"
RESULTS = ROOT / "benchmarks" / "results" / "lookup_bench.json"


def environment(bucket: str) -> dict[str, str]:
    env = {
        "OSIRIS_STORAGE_URL": f"s3://{bucket}",
        "OSIRIS_S3_ENDPOINT": os.environ["OSIRIS_TEST_S3_ENDPOINT"],
        "AWS_ACCESS_KEY_ID": os.environ["OSIRIS_TEST_S3_ACCESS_KEY"],
        "AWS_SECRET_ACCESS_KEY": os.environ["OSIRIS_TEST_S3_SECRET_KEY"],
        "OSIRIS_S3_REGION": os.environ.get("OSIRIS_TEST_S3_REGION", "us-east-1"),
        "OSIRIS_CLUSTER": "bench",
        "OSIRIS_AUTH": "none",
    }
    if os.environ.get("OSIRIS_TEST_S3_CA_BUNDLE"):
        env["OSIRIS_S3_CA_BUNDLE"] = os.environ["OSIRIS_TEST_S3_CA_BUNDLE"]
    return env


def index_build(store: S3Store, layout: KeyLayout, n: int, namespaces: int) -> None:
    """The index entries of build ``n`` of the benchmark's bucket (the archive's layout)."""
    namespace = f"ns-{n % namespaces:03d}"
    number = n // namespaces + 1
    bc = f"app-{number % 10}"
    phase = ("Complete", "Failed", "Complete", "Cancelled")[n % 4]
    build = StoredBuild(
        namespace,
        f"{bc}-{number}",
        BASE_TIME + n,
        phase=phase,
        buildconfig=bc,
        number=number,
        uid=str(uuid.UUID(int=n + 1)),
        log=b"x\n",
    )
    store_index(store, layout, build)


def populate(store: S3Store, layout: KeyLayout, builds: int, namespaces: int) -> StoredBuild:
    """Index entries for every build; full objects for the 100 MB log's build."""
    per_namespace = builds // namespaces

    def write(n: int) -> None:
        index_build(store, layout, n, namespaces)

    started = time.perf_counter()
    with ThreadPoolExecutor(32) as pool:
        for done, _ in enumerate(pool.map(write, range(builds)), 1):
            if done % 10_000 == 0:
                rate = done / (time.perf_counter() - started)
                print(f"  {done} builds indexed ({rate:.0f}/s)", flush=True)
    print(f"  {per_namespace} builds per namespace")
    return big_build(store, layout, write_it=True)


def big_build(store: S3Store, layout: KeyLayout, *, write_it: bool) -> StoredBuild:
    spec = LogSpec(seed=1, size=LOG_SIZE, namespace="ns-000", build_name="big-1")
    build = StoredBuild(
        "ns-000",
        "big-1",
        BASE_TIME + 10_000_000,
        buildconfig="big",
        number=1,
        uid=str(uuid.UUID(int=0xB16)),
        log=b"",
    )
    if not write_it:
        return build
    raw, parts = store_log(store, layout, build, iter_log(spec))
    print(f"  100 MB log stored ({raw} bytes raw, {parts} parts)")
    return build


def store_log(
    store: S3Store, layout: KeyLayout, build: StoredBuild, chunks: Iterable[bytes]
) -> tuple[int, int]:
    """Archive ``chunks`` as ``build``'s log the way the archiver lays it out (one gzip
    member, 8 MiB parts, index entries, build.json last); (raw bytes, parts)."""
    upload = store.start_upload(
        layout.log_key(build.ref), content_type="text/plain; charset=utf-8", content_encoding="gzip"
    )
    buffer, part, raw = bytearray(), 1, 0
    deflate = zlib.compressobj(1, zlib.DEFLATED, 31)  # one gzip member, like the archiver
    for chunk in chunks:
        raw += len(chunk)
        buffer += deflate.compress(chunk)
        if len(buffer) >= 8 * 1024 * 1024:
            upload.upload_part(part, bytes(buffer))
            part, buffer = part + 1, bytearray()
    buffer += deflate.flush()
    upload.upload_part(part, bytes(buffer))
    upload.complete()
    build = replace(build, log_size=raw)  # in the index entry, as the archiver does
    store_index(store, layout, build)
    document = metadata(layout, build)
    document["log"].update({"state": "archived", "reason": None, "rawBytes": raw})
    store.put(
        layout.metadata_key(build.ref),
        json.dumps(document).encode(),
        content_type="application/json",
    )
    return raw, part


def timed(action: Callable[[], object], runs: int) -> list[float]:
    action()  # warm: connections, caches of the OS and of Ceph
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def report(name: str, ours: list[float], raw: list[float], calls: float) -> dict[str, Any]:
    ours_ms, raw_ms = statistics.median(ours) * 1000, statistics.median(raw) * 1000
    print(
        f"{name:34s} lookup {ours_ms:7.2f} ms   raw {raw_ms:7.2f} ms   "
        f"ratio {ours_ms / raw_ms:4.2f}x   S3 calls/request {calls:.0f}"
    )
    return {
        "name": name,
        "lookup_ms": round(ours_ms, 2),
        "raw_ms": round(raw_ms, 2),
        "ratio": round(ours_ms / raw_ms, 3),
        "s3_calls": calls,
    }


@dataclass(frozen=True)
class BenchBucket:
    """The lookup's environment and configuration for a bucket, its client, store, layout."""

    env: dict[str, str]
    config: LookupConfig
    client: Any
    store: S3Store
    layout: KeyLayout


def bench_bucket(bucket: str) -> BenchBucket:
    """The benchmark's bucket (created if need be) as the lookup would read it."""
    env = environment(bucket)
    config = load_lookup_config(env)
    assert config.storage.s3 is not None
    client = make_client(config.storage.s3)
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=bucket)
    layout = KeyLayout(config.storage.prefix, config.cluster)
    return BenchBucket(env, config, client, S3Store(client, bucket), layout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bucket", default="osiris-lookup-bench")
    parser.add_argument("--builds", type=int, default=100_000)
    parser.add_argument("--namespaces", type=int, default=100)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args()

    bench = bench_bucket(args.bucket)
    env, client, store, layout = bench.env, bench.client, bench.store, bench.layout
    marker = MARKER.format(builds=args.builds, namespaces=args.namespaces)
    if store.head(marker) is None:
        print(f"populating {args.builds} builds over {args.namespaces} namespaces ...")
        big = populate(store, layout, args.builds, args.namespaces)
        store.put(marker, b"", content_type="text/plain")
    else:
        big = big_build(store, layout, write_it=False)

    app = build_app(env)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    metrics = app.extensions["osiris.metrics"]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    session = requests.Session()

    def lookup(path: str, headers: dict[str, str] | None = None) -> Callable[[], object]:
        def call() -> object:
            response = session.get(base + path, headers=headers, stream=True)
            assert response.status_code == 200, response.text
            first = response.raw.read(1, decode_content=False)  # the first byte
            response.close()
            return first

        return call

    def calls_of(action: Callable[[], object]) -> float:
        before = metrics.s3_calls()
        action()
        return float(metrics.s3_calls() - before)

    bucket = args.bucket
    ns_prefix = layout.namespace_index_prefix("ns-042")
    bc_prefix = layout.buildconfig_index_prefix("ns-042", "app-3")
    print(f"{args.builds} builds, {args.namespaces} namespaces; median of {args.runs} runs each")

    log_key = layout.log_key(big.ref)

    def raw_first_byte() -> object:
        body = client.get_object(Bucket=bucket, Key=log_key)["Body"]
        first = body.read(1)
        body.close()
        return first

    big_prefix = layout.build_prefix("ns-000", big.name)

    def raw_first_byte_by_name() -> object:
        # What a raw client does to read a log by name: list the name's objects, then get.
        client.list_objects_v2(Bucket=bucket, Prefix=big_prefix, MaxKeys=1000)
        return raw_first_byte()

    gzip = {"Accept-Encoding": "gzip"}
    questions: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (
            "newest 50 builds of a namespace",
            lookup("/api/v1/namespaces/ns-042/builds?limit=50"),
            lambda: client.list_objects_v2(Bucket=bucket, Prefix=ns_prefix, MaxKeys=51),
        ),
        (
            "latest build of a BuildConfig",
            lookup("/api/v1/namespaces/ns-042/buildconfigs/app-3/latest"),
            lambda: client.list_objects_v2(Bucket=bucket, Prefix=bc_prefix, MaxKeys=1),
        ),
        (
            "first byte of a 100 MB log",
            lookup(f"/api/v1/namespaces/ns-000/builds/{big.name}/log", gzip),
            raw_first_byte_by_name,
        ),
        (
            "first byte, by a list item's link",
            lookup(f"/api/v1/namespaces/ns-000/builds/{big.name}/log?uid={big.uid}", gzip),
            raw_first_byte,
        ),
    ]
    cases = [
        report(name, timed(ours, args.runs), timed(raw, args.runs), calls_of(ours))
        for name, ours, raw in questions
    ]
    server.shutdown()
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "builds": args.builds,
        "namespaces": args.namespaces,
        "runs": args.runs,
        "load_average": round(os.getloadavg()[0], 1),
        "cases": cases,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
