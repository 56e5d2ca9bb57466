"""``osiris backfill``: archive the finished builds a cluster still has, from a workstation.

It is the sweep run by hand: the current kubeconfig's cluster, the store configured by the
same environment variables as the archive function, every missing build (or at most
``--max-builds``). Safe to interrupt and to run again: what was archived is skipped, a
build cut off by Ctrl-C was never committed and is redone.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from types import FrameType
from typing import TextIO

from osiris import allocator
from osiris.config import load_sweep_config
from osiris.errors import OsirisError
from osiris.sweep.run import Scope, Summary
from osiris.sweep.wiring import build_sweeper

EVENT_TYPE = "osiris.backfill"
BAR_WIDTH = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "-n",
        "--namespace",
        action="append",
        default=[],
        help="namespace to backfill (repeatable)",
    )
    scope.add_argument(
        "-l",
        "--selector",
        help="label selector of the namespaces "
        "(default: OSIRIS_SWEEP_NAMESPACE_SELECTOR, else osiris.io/archive=enabled)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="list what would be archived, archive nothing"
    )
    parser.add_argument(
        "--max-builds", type=int, default=None, help="archive at most this many builds"
    )
    parser.add_argument(
        "--concurrency", type=int, default=None, help="builds archived at once (default 2)"
    )


class ProgressBar:
    """``[#####-----] 120/1000 archived 100 present 15 unavailable 5 failed 0`` on stderr.

    Redrawn in place on a terminal; elsewhere (a log, a pipe) one line per 5%.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._last_step = -1

    def __call__(self, done: int, total: int, summary: Summary) -> None:
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        line = (
            f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}/{total} "
            f"archived {summary.archived} unavailable {summary.unavailable} "
            f"present {summary.already_present} failed {summary.failed}"
        )
        if self._tty:
            self._stream.write("\r" + line + ("\n" if done == total else ""))
        else:
            step = 20 * done // total if total else 20
            if step == self._last_step and done != total:
                return
            self._last_step = step
            self._stream.write(line + "\n")
        self._stream.flush()


@contextmanager
def stop_on_interrupt() -> Iterator[threading.Event]:
    """The first Ctrl-C asks the run to stop after the builds in flight; a second one quits."""
    stop = threading.Event()

    def interrupted(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
            return
        stop.set()
        # os.write, not sys.stderr: the handler may run while the progress bar holds
        # stderr's buffer, and a reentrant buffered write raises.
        os.write(
            sys.stderr.fileno(), b"\nfinishing the builds in flight (Ctrl-C again to quit now)\n"
        )

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_sweep_config(os.environ)
        if args.concurrency is not None:
            config = replace(config, concurrency=max(1, min(16, args.concurrency)))
        allocator.pin_mmap_threshold()
        sweeper = build_sweeper(config)
        scope = Scope(
            namespaces=tuple(args.namespace),
            selector=args.selector if args.selector is not None else config.namespace_selector,
        )
        limit = args.max_builds if args.max_builds is not None else sys.maxsize
        plan = sweeper.plan(scope, max(0, limit))
    except OsirisError as exc:
        print(f"osiris backfill: {exc.message}", file=sys.stderr)
        return 2
    started = time.monotonic()
    where = config.archive.storage.describe()
    print(
        f"{plan.summary.found} finished builds in {plan.summary.namespaces} namespaces, "
        f"{plan.summary.already_present} already in {where}, {len(plan.chosen)} to archive",
        file=sys.stderr,
    )
    if args.dry_run:
        for candidate in plan.chosen:
            print(f"would archive {candidate.label} ({candidate.facts.phase})")
        summary = plan.summary
    else:
        with stop_on_interrupt() as stop:
            summary = sweeper.run(
                plan,
                event_id=f"backfill-{uuid.uuid4()}",
                event_type=EVENT_TYPE,
                progress=ProgressBar(sys.stderr),
                stop=stop,
            )
    for namespace, reason in summary.namespace_failures.items():
        print(f"namespace {namespace} not listed: {reason}", file=sys.stderr)
    elapsed = time.monotonic() - started
    print(json.dumps({**summary.record(), "dry_run": args.dry_run, "seconds": round(elapsed, 1)}))
    if summary.interrupted:
        print("interrupted: run the same command again to finish", file=sys.stderr)
        return 130
    return 1 if summary.failed or summary.namespace_failures else 0
