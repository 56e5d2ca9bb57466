"""One sweep: list the cluster's finished runs of every kind, find the missing ones, archive
a bounded number of them through the archive function's own
:class:`~osiris.archive.service.Archiver`.

Nothing is persisted between runs: a run that stops early (work bound, time budget,
Ctrl-C) leaves the rest unarchived, and the next run finds exactly those missing again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from osiris.adapters.store import ObjectStore
from osiris.archive.service import Archiver, Decision
from osiris.contract import SWEEP_TARGET
from osiris.core.events import Mode, RunEvent
from osiris.core.keys import KeyLayout, namespace_name
from osiris.errors import NotFoundError, OsirisError
from osiris.kinds import KINDS
from osiris.kinds.base import Kind
from osiris.kinds.fields import rfc3339
from osiris.sweep.bucket import check_bucket
from osiris.sweep.cluster import RunLister
from osiris.sweep.plan import Candidate, finished_candidates, rotation, select

log = logging.getLogger("osiris.sweep")

# How soon a stop request is seen while every worker is busy.
STOP_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Scope:
    """Which namespaces: the ones named, else those matching the label selector."""

    namespaces: tuple[str, ...] = ()
    selector: str = ""


@dataclass
class Summary:
    namespaces: int = 0
    found: int = 0  # finished builds in the cluster
    already_present: int = 0
    archived: int = 0
    unavailable: int = 0  # archived as metadata only: the log could not be had
    failed: int = 0
    deferred: int = 0  # missing, left for the next run (work bound, time budget, interrupt)
    rejected: int = 0  # listed objects that are not usable Builds
    bucket_lists: int = 0
    namespace_failures: dict[str, str] = field(default_factory=dict)
    retry: bool = False  # a listing failed transiently: the trigger should try again
    interrupted: bool = False
    namespaces_pending: int = 0  # not examined: enough work was found, or time ran out
    resume_after: str = ""  # the next run starts after this namespace ("" = from the first)

    def record(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SweepPlan:
    summary: Summary
    chosen: list[Candidate]
    deferred: list[Candidate]


Progress = Callable[[int, int, Summary], None]


class Sweeper:
    def __init__(
        self,
        lister: RunLister,
        store: ObjectStore,
        archiver: Archiver,
        layout: KeyLayout,
        *,
        concurrency: int = 2,
        clock: Callable[[], float] = time.monotonic,
        kinds: tuple[Kind, ...] = KINDS,
    ) -> None:
        self._kinds = kinds
        self._lister = lister
        self._store = store
        self._archiver = archiver
        self._layout = layout
        self._concurrency = concurrency
        self._clock = clock

    def publish(self, summary: Summary, finished_at: datetime) -> None:
        """Record the run in the bucket, where the lookup's /metrics reads it."""
        document = {"finishedAt": rfc3339(finished_at), **summary.record()}
        self._store.put(
            self._layout.status_key(SWEEP_TARGET),
            json.dumps(document, sort_keys=True).encode(),
            content_type="application/json",
        )

    def resume_point(self) -> str:
        """The namespace the last run stopped after ("" when it examined them all)."""
        try:
            document = json.loads(self._store.get(self._layout.status_key(SWEEP_TARGET)))
        except NotFoundError:
            return ""
        except ValueError:
            log.warning("sweep status unreadable: starting from the first namespace")
            return ""
        value = document.get("resume_after") if isinstance(document, dict) else None
        return value if isinstance(value, str) else ""

    def plan(
        self,
        scope: Scope,
        max_builds: int,
        *,
        resume_after: str = "",
        time_budget: float | None = None,
    ) -> SweepPlan:
        """List and compare, namespace by namespace, until there is enough work.

        It stops examining namespaces once ``max_builds`` missing builds are found or
        ``time_budget`` is spent, and records where, so a large cluster is covered over
        several runs instead of one run timing out. OsirisError if the namespaces
        themselves cannot be listed.
        """
        summary = Summary()
        deadline = None if time_budget is None else self._clock() + time_budget
        names = rotation(
            (namespace_name(name) for name in scope.namespaces)
            if scope.namespaces
            else self._lister.namespaces(scope.selector),
            resume_after,
        )
        kinds = [kind for kind in self._kinds if self._lister.serves(kind)]
        missing: list[Candidate] = []
        for position, namespace in enumerate(names):
            enough = len(missing) >= max_builds
            if position and (enough or (deadline is not None and self._clock() > deadline)):
                summary.namespaces_pending = len(names) - position
                summary.resume_after = names[position - 1]
                break
            summary.namespaces += 1
            try:
                for kind in kinds:
                    missing += self._missing_of(kind, namespace, summary)
            except OsirisError as exc:
                # One broken namespace must not starve the others.
                summary.namespace_failures[namespace] = exc.message
                summary.retry = summary.retry or exc.retryable
                log.warning(
                    "namespace not swept",
                    extra={"namespace": namespace, "reason": exc.message},
                )
        selection = select(missing, max_builds)
        summary.deferred = len(selection.deferred)
        return SweepPlan(summary, selection.chosen, selection.deferred)

    def _missing_of(self, kind: Kind, namespace: str, summary: Summary) -> list[Candidate]:
        items = self._lister.runs(kind, namespace)
        candidates, rejected = finished_candidates(self._layout, kind, items)
        for item in rejected:
            log.warning("run not usable", extra={"run": item.label, "reason": item.reason})
        prefix = f"{self._layout.for_kind(kind.keys).objects_prefix()}{namespace}/"
        check = check_bucket(self._store, prefix, candidates)
        summary.found += len(candidates)
        summary.rejected += len(rejected)
        summary.already_present += len(check.archived)
        summary.bucket_lists += check.list_requests
        return check.missing

    def run(
        self,
        plan: SweepPlan,
        *,
        event_id: str,
        event_type: str,
        time_budget: float | None = None,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
    ) -> Summary:
        """Archive the plan's chosen builds; setting ``stop`` ends the run early.

        Stopping is a flag, not an exception: a KeyboardInterrupt raised inside
        ``concurrent.futures.wait`` can leave a future's lock held, and the worker that
        then finishes that build blocks forever, and with it ``shutdown``.
        """
        summary = plan.summary
        deadline = None if time_budget is None else self._clock() + time_budget
        executor = ThreadPoolExecutor(self._concurrency, thread_name_prefix="sweep")
        futures: dict[Future[Decision | None], Candidate] = {
            executor.submit(self._archive_one, candidate, event_id, event_type, deadline): candidate
            for candidate in plan.chosen
        }
        pending = set(futures)
        try:
            while pending:
                if stop is not None and stop.is_set():
                    summary.interrupted = True
                    break
                finished, pending = wait(
                    pending, timeout=STOP_POLL_SECONDS, return_when=FIRST_COMPLETED
                )
                for future in finished:
                    self._count(summary, futures[future], future)
                if finished and progress is not None:
                    progress(len(futures) - len(pending), len(futures), summary)
        finally:
            # Builds in flight finish (or abort their upload); the queued ones are dropped.
            executor.shutdown(wait=True, cancel_futures=True)
        for future in pending:
            if future.cancelled():
                summary.deferred += 1
            else:
                self._count(summary, futures[future], future)
        return summary

    def _archive_one(
        self, candidate: Candidate, event_id: str, event_type: str, deadline: float | None
    ) -> Decision | None:
        if deadline is not None and self._clock() > deadline:
            return None  # over the time budget: the next run picks it up
        ref = candidate.facts.ref
        event = RunEvent(
            id=event_id,
            type=event_type,
            action="sweep",
            mode=Mode.RESOURCE,
            namespace=ref.namespace,
            name=ref.name,
            kind=candidate.kind,
            obj=candidate.obj,
        )
        # handle(): HEAD build.json again first, an event may have archived it meanwhile.
        return self._archiver.handle(event).decision

    def _count(
        self, summary: Summary, candidate: Candidate, future: Future[Decision | None]
    ) -> None:
        try:
            decision = future.result()
        except OsirisError as exc:
            summary.failed += 1
            log.warning("run not archived", extra={"run": candidate.label, "reason": exc.message})
            return
        if decision is None:
            summary.deferred += 1
        elif decision is Decision.ARCHIVED:
            summary.archived += 1
        elif decision is Decision.LOG_UNAVAILABLE:
            summary.unavailable += 1
        else:  # already archived by a concurrent event, or gone meanwhile
            summary.already_present += 1
