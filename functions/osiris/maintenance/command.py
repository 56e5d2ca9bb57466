"""``osiris verify`` and ``osiris retention``: the archive's housekeeping, from a shell.

Both read the same environment as the functions (``OSIRIS_STORAGE_URL``, the S3
variables, ``OSIRIS_PREFIX``, ``OSIRIS_CLUSTER``; see the README), so they can run as
a Job beside the functions with the same ConfigMap and Secret, or on a laptop.
Exit status: 0 done and consistent, 1 inconsistencies remain, 2 bad usage or
configuration, 3 the store could not be reached, 4 another repairing or deleting run
holds the maintenance lease (see :mod:`osiris.maintenance.lease`).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TextIO

from osiris.adapters.factory import build_maintained_store
from osiris.adapters.s3 import S3Store
from osiris.adapters.store import MaintainedStore
from osiris.config import load_archive_config
from osiris.core.keys import BuildRef, KeyLayout
from osiris.errors import ConfigError, OsirisError
from osiris.maintenance import lease
from osiris.maintenance.lifecycle import lifecycle_rules, merge_rules, owned, without_ours
from osiris.maintenance.policy import MAX_DAYS, RetentionPolicy
from osiris.maintenance.retention import RetentionResult, run_retention
from osiris.maintenance.verify import Report, VerifyOptions, verify

EXIT_OK = 0
EXIT_INCONSISTENT = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
EXIT_BUSY = 4


def _days(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"must be 1-{MAX_DAYS}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _minutes(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


# --------------------------------------------------------------------------- verify


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repair",
        action="store_true",
        help="rewrite missing index entries, delete orphans, abort stale uploads",
    )
    parser.add_argument(
        "--check-content",
        action="store_true",
        help="also read every log and compare its sha256 and size with build.json",
    )
    parser.add_argument(
        "--grace-minutes",
        type=_minutes,
        default=60.0,
        help="leave objects younger than this alone: their archive may still be running",
    )
    parser.add_argument("--workers", type=_positive, default=8, help="parallel reads")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run_verify(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout

    def work(store: MaintainedStore, layout: KeyLayout) -> int:
        options = VerifyOptions(
            grace=timedelta(minutes=args.grace_minutes),
            repair=args.repair,
            check_content=args.check_content,
            workers=args.workers,
        )
        with _lease(store, layout, "osiris verify --repair", wanted=args.repair):
            report = verify(store, layout, options, datetime.now(UTC), progress=_stderr)
        _print_report(report, layout, as_json=args.json, out=out)
        return EXIT_OK if report.consistent else EXIT_INCONSISTENT

    return _with_store(work)


def _print_report(report: Report, layout: KeyLayout, *, as_json: bool, out: TextIO) -> None:
    if as_json:
        json.dump(
            {
                "root": layout.root,
                "runs": report.runs,
                "indexEntries": report.index_entries,
                "uploads": report.uploads,
                "consistent": report.consistent,
                "findings": [
                    {
                        "kind": f.kind.value,
                        "key": f.key,
                        "detail": f.detail,
                        "repairable": f.repairable,
                        "repaired": f.repaired,
                    }
                    for f in report.findings
                ],
            },
            out,
            indent=2,
        )
        out.write("\n")
        return
    for f in report.findings:
        state = "repaired" if f.repaired else ("repairable" if f.repairable else "not repairable")
        out.write(f"{f.kind.value}\t{f.key}\t{f.detail}\t({state})\n")
    open_findings = sum(1 for f in report.findings if not f.repaired)
    out.write(
        f"{layout.root}: {report.runs} runs, {report.index_entries} index entries, "
        f"{report.uploads} unfinished uploads; {len(report.findings)} findings, "
        f"{open_findings} open\n"
    )


# --------------------------------------------------------------------------- retention


def add_retention_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="retention_action", required=True)
    apply = actions.add_parser("apply", help="install lifecycle rules on the bucket (S3 only)")
    _policy_arguments(apply)
    apply.add_argument(
        "--abort-incomplete-days",
        type=_days,
        default=1,
        help="abort multipart uploads unfinished after this many days (default 1)",
    )
    actions.add_parser("show", help="print the bucket's lifecycle rules")
    actions.add_parser("remove", help="remove this cluster's osiris lifecycle rules")
    run = actions.add_parser("run", help="delete expired builds now, in bounded batches")
    _policy_arguments(run)
    run.add_argument("--batch", type=_positive, default=1000, help="builds per delete round")
    run.add_argument("--dry-run", action="store_true", help="list what would be deleted")


def _policy_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=_days, required=True, help="keep builds this many days")
    parser.add_argument(
        "--failed-days",
        type=_days,
        default=None,
        help="keep Failed and Error builds this many days instead",
    )


def run_retention_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    action: str = args.retention_action

    def work(store: MaintainedStore, layout: KeyLayout) -> int:
        if action == "run":
            return _run(store, layout, args, out)
        if not isinstance(store, S3Store):
            raise ConfigError(
                "lifecycle rules need an S3 store; for a local directory use 'osiris retention run'"
            )
        existing = store.lifecycle_rules()
        if action == "show":
            json.dump(existing, out, indent=2, default=str)
            out.write("\n")
        elif action == "remove":
            store.set_lifecycle_rules(without_ours(existing, layout))
            out.write(f"removed the osiris lifecycle rules of {layout.root}\n")
        else:
            policy = RetentionPolicy.of(args.days, args.failed_days)
            ours = lifecycle_rules(layout, policy, args.abort_incomplete_days)
            store.set_lifecycle_rules(merge_rules(existing, ours, layout))
            kept = sum(1 for rule in existing if not owned(rule, layout))
            out.write(
                f"installed {len(ours)} lifecycle rules for {layout.root} "
                f"(kept {kept} other rules of the bucket)\n"
            )
        return EXIT_OK

    return _with_store(work)


def _run(store: MaintainedStore, layout: KeyLayout, args: argparse.Namespace, out: TextIO) -> int:
    policy = RetentionPolicy.of(args.days, args.failed_days)

    def report(result: RetentionResult, batch: list[BuildRef]) -> None:
        if args.dry_run:
            for ref in batch:
                out.write(f"would delete {ref.namespace}/{ref.name} {ref.uid}\n")
        _stderr(f"batch {result.batches}: {result.expired} expired builds so far")

    with _lease(store, layout, "osiris retention run", wanted=not args.dry_run):
        result = run_retention(
            store,
            layout,
            policy,
            datetime.now(UTC),
            batch_size=args.batch,
            dry_run=args.dry_run,
            progress=report,
        )
    verb = "would delete" if args.dry_run else "deleted"
    out.write(
        f"{layout.root}: examined {result.examined} index entries, {verb} "
        f"{result.expired} builds in {result.batches} batches\n"
    )
    return EXIT_OK


# --------------------------------------------------------------------------- shared


@contextmanager
def _lease(
    store: MaintainedStore, layout: KeyLayout, purpose: str, *, wanted: bool
) -> Iterator[None]:
    """Hold the maintenance lease around a run that repairs or deletes."""
    if not wanted:
        yield
        return
    holder = f"{socket.gethostname()} pid {os.getpid()}"
    with lease.held(store, layout, holder=holder, purpose=purpose):
        yield


def _with_store(work: Callable[[MaintainedStore, KeyLayout], int]) -> int:
    try:
        config = load_archive_config(os.environ)
        layout = KeyLayout(config.storage.prefix, config.cluster)
        store = build_maintained_store(config.storage)
        store.check()
        return work(store, layout)
    except lease.MaintenanceBusyError as exc:
        _stderr(f"osiris: {exc}")
        return EXIT_BUSY
    except ConfigError as exc:
        _stderr(f"osiris: {exc}")
        return EXIT_USAGE
    except ValueError as exc:
        _stderr(f"osiris: {exc}")
        return EXIT_USAGE
    except OsirisError as exc:
        _stderr(f"osiris: {exc}")
        return EXIT_UNAVAILABLE


def _stderr(message: str) -> None:
    sys.stderr.write(message + "\n")
