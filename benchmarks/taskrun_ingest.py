"""Ingest benchmark for TaskRuns: many steps against few, small steps against large.

Run by hand from the repository root (see benchmarks/README.md)::

    .venv/bin/python -m benchmarks.taskrun_ingest              # 1x64M, 4x16M, 16x4M, 4x256M
    .venv/bin/python -m benchmarks.taskrun_ingest --cases 1x64M,16x4M --repeat 3

The set-up is that of ``archive_ingest`` (both in ``benchmarks.ingest``): a simulated
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
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.ingest.cli import add_run_arguments, knobs
from benchmarks.ingest.taskrun_report import table, verdict, write_json
from benchmarks.ingest.taskrun_runs import Case, run
from benchmarks.ingest.units import parse_size

DEFAULT_CASES = "1x64M,4x16M,16x4M,4x256M"
RESULTS = Path(__file__).resolve().parent / "results" / "taskrun_ingest.json"


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
    args.knobs = knobs(args)
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
