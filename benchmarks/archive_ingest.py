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

Both use the same boto3 client configuration (``osiris.adapters.s3client.make_client``), the
same endpoints (HTTPS with the self-signed CAs by default) and the same bytes. Reported
per size: throughput of raw log bytes (MiB/s, median of the repeats), the ratio archive/raw
(goal ≥ 0.8), compressed size, the function worker's peak RSS (kernel ``VmHWM``; goal
< 150 MB at 1 GiB) and the sampled peak PSS of master + worker, and CPU seconds per process group
(where the time goes). The stored gzip object is downloaded and checked against the
generator's SHA-256 unless ``--no-verify``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.ingest.build_report import table, verdict, write_json
from benchmarks.ingest.build_runs import Options, run
from benchmarks.ingest.cli import add_run_arguments, knobs
from benchmarks.ingest.function import NO_RULES
from benchmarks.ingest.units import parse_size

RESULTS = Path(__file__).resolve().parent / "results" / "archive_ingest.json"
TEXTS = ("tests", "digests")  # osiris.simulator.bulktext.BulkText: ~9x and ~3.5x
DEFLATES = ("isal", "zlib")
VARIANTS = (*DEFLATES, *(f"{deflate}{NO_RULES}" for deflate in DEFLATES))


def _choices(text: str, allowed: tuple[str, ...], parser: argparse.ArgumentParser) -> list[str]:
    chosen = [item.strip() for item in text.split(",") if item.strip()]
    if not chosen or any(item not in allowed for item in chosen):
        parser.error(f"choose from {', '.join(allowed)} (comma-separated), not {text!r}")
    return chosen


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
    function_knobs = knobs(args)
    sizes = [parse_size(item) for item in args.sizes.split(",") if item.strip()]
    if not sizes or args.repeat < 1:
        parser.error("need at least one size and --repeat >= 1")
    options = Options(
        sizes,
        _choices(args.texts, TEXTS, parser),
        _choices(args.deflate, VARIANTS, parser),
        args.repeat,
        not args.plain_http,
        function_knobs,
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
