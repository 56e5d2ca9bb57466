"""``/namespaces/{ns}/search``: matching lines across a namespace's archived logs.

Runs of every kind with logs (Builds, TaskRuns; a PipelineRun's are its TaskRuns') are
listed newest first from the merge of their kinds' indexes (one order: an index tail
starts with the inverted creation time, whatever the kind), searched several at once
(each log decoded in constant memory by :mod:`osiris.lookup.logstream`), and answered in
that order. Every request is bounded by a byte budget (decoded bytes read) and a time
budget; when either runs out, or the page is full, the answer carries a token that
resumes exactly where it stopped, in the middle of a log if need be: the token names the
last run searched to its end, the run searched in part, which of its logs (steps) and
how many of that log's lines are done.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from osiris.adapters.store import ObjectStore
from osiris.core.keys import BuildRef
from osiris.core.listing import DEFAULT_CALL_BUDGET, Decision, Page, page_through
from osiris.core.pagetoken import decode_token, encode_token, query_fingerprint
from osiris.core.search import LogHits, compile_search, search_lines
from osiris.errors import InvalidNameError, NotFoundError
from osiris.kinds import BUILD, Kind
from osiris.lookup import logstream
from osiris.lookup.entrypages import until_position
from osiris.lookup.params import SearchScope
from osiris.lookup.reader import ArchiveReader
from osiris.lookup.searchpage import Listed, Resume, RunHits, SearchPage

SEARCH_WORKERS = 4  # runs read and searched at once per request
# Runs listed or being searched ahead of the one the page waits for: the workers never
# wait for a listing call or for the slowest of a batch.
SEARCH_WINDOW = 2 * SEARCH_WORKERS
SEARCH_PIECE = 1024 * 1024  # decoded bytes handed to RE2 at once, per log being searched


@dataclass(frozen=True)
class SearchBudget:
    bytes: int  # decoded log bytes one request may read
    seconds: float  # wall time one request may spend reading logs


DEFAULT_SEARCH_BUDGET = SearchBudget(256 * 1024 * 1024, 10.0)


@dataclass(frozen=True)
class SearchQuery:
    pattern: str
    ignore_case: bool = False
    count_only: bool = False


class _Allowance:
    """The request's budget, shared by the threads searching its logs."""

    def __init__(self, budget: SearchBudget, clock: Callable[[], float]) -> None:
        self._left = budget.bytes
        self._deadline = clock() + budget.seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._unreserved = budget.bytes
        self.spent = 0
        self.exhausted = False
        self.closed = False  # the answer is made: searches still running stop

    def reserve(self, size: int, forced: bool) -> bool:
        """Whether a run of ``size`` decoded bytes (its index entry's) may start: only if
        the bytes not yet promised to runs in flight cover it, so that a run started is
        not cut by the byte budget and thrown away with the page (its bytes read twice).
        ``forced``: the request's first run, which is cut at the budget if need be."""
        with self._lock:
            if not forced and (self.exhausted or self._unreserved < size):
                self.exhausted = True
                return False
            self._unreserved -= size
            return True

    def spend(self, size: int, forced: bool) -> bool:
        """``forced``: granted whatever is left (the first line of a request's first log,
        so that following tokens always gets somewhere)."""
        with self._lock:
            if self.closed:
                return False
            # Not ``self.exhausted``: a refused reservation sets it, yet the runs already
            # in flight were promised their bytes and must finish, or they are cut and
            # read again by the next page.
            if not forced and (self._left <= 0 or self._clock() >= self._deadline):
                self.exhausted = True
                return False
            self._left -= size
            self.spent += size
            return True


class LogSearch:
    def __init__(
        self,
        bucket: ObjectStore,
        budget: SearchBudget,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bucket = bucket
        self._budget = budget
        self._clock = clock
        self._pool = ThreadPoolExecutor(SEARCH_WORKERS, thread_name_prefix="search")

    def search(
        self,
        reader: ArchiveReader,
        namespace: str,
        scope: SearchScope,
        query: SearchQuery,
        limit: int,
        token: str | None,
    ) -> dict[str, Any]:
        regex = compile_search(query.pattern, ignore_case=query.ignore_case)
        fingerprint = query_fingerprint(
            reader.layout.cluster,
            "search",
            namespace,
            *scope.fingerprint(),
            query.pattern,
            query.ignore_case,
            query.count_only,
        )
        resume = Resume(None)
        if token is not None:
            decoded = Resume.decode(decode_token(token, fingerprint))
            if decoded is None:
                raise InvalidNameError("pageToken is not a token this API issued")
            resume = decoded
        allowance = _Allowance(self._budget, self._clock)
        page = SearchPage(namespace, reader.links_cluster, query.count_only, limit)
        run = _Run(self, reader, namespace, scope, regex, allowance, page)
        try:
            following = run.fill(resume)
        finally:
            allowance.closed = True
        nothing = following is None and not page.items and token is None
        if nothing and not any(
            reader.for_kind(kind).namespace_exists(namespace) for kind, _ in scope.kinds
        ):
            raise NotFoundError("no archived runs in this namespace")
        return _answer(page, following, fingerprint, allowance)

    def submit(self, work: Callable[[], RunHits]) -> Future[RunHits]:
        return self._pool.submit(work)

    def open(self, key: str) -> Any:
        return self._bucket.open(key)


@dataclass(frozen=True)
class _Run:
    """One request's search: the listing, the runs in flight, the page."""

    search: LogSearch
    reader: ArchiveReader
    namespace: str
    scope: SearchScope
    regex: Any
    allowance: _Allowance
    page: SearchPage

    def fill(self, resume: Resume) -> Resume | None:
        """Search runs into the page; where the next page starts (None: nowhere)."""
        page, allowance = self.page, self.allowance
        after = resume.after  # the last run done with
        listed_to, more = after, True  # the listing's position, whether it goes on
        waiting: deque[Listed] = deque()  # listed, not yet submitted
        flight: deque[tuple[Listed, Future[RunHits] | None]] = deque()
        first, partial = True, resume
        while True:
            while len(flight) < SEARCH_WINDOW and not allowance.exhausted:
                if not waiting:
                    if not more:
                        break
                    listing = self._list(listed_to)
                    waiting.extend(listing.items)
                    listed_to, more = listing.position or listed_to, listing.more
                    if not waiting:
                        continue
                listed = waiting[0]
                size = listed.entry.log_bytes
                if size is not None and not allowance.reserve(size, first):
                    break  # the page ends before this run: the next one starts with it
                waiting.popleft()
                future = self._submit(listed, partial, first)
                first = first and future is None  # the first log of the request is granted
                partial = Resume(None)  # only the first run can be the one half-done
                flight.append((listed, future))
            if not flight:  # the budget is spent, or every run is searched
                if waiting:
                    return Resume(after)
                return Resume(listed_to) if more else None
            listed, future = flight.popleft()
            if future is not None:
                inside = page.add(listed, future.result())
                if inside is not None:
                    return Resume(after, inside.uid, inside.log, inside.lines)
            after = listed.position
            if page.full:
                return Resume(after)

    def _list(self, after: str | None) -> Page[Listed]:
        """The next runs of every kind asked for, newest first (one merged listing)."""
        streams: list[str] = []
        deciders: list[Callable[[str], tuple[Decision, Listed | None]]] = []
        start = after
        for kind, chosen in self.scope.kinds:
            prefixes, accept = self.reader.for_kind(kind).entry_streams(self.namespace, chosen)
            streams += prefixes
            deciders += [_listed(kind, accept)] * len(prefixes)
            until = until_position(chosen.until)  # the same for every kind
            if until is not None:
                start = until if start is None else max(start, until)
        return page_through(
            streams,
            self.reader.store.list_objects,
            deciders,
            limit=SEARCH_WINDOW,
            start_after=start,
            call_budget=max(DEFAULT_CALL_BUDGET, 2 * len(streams)),
        )

    def _submit(self, listed: Listed, partial: Resume, first: bool) -> Future[RunHits] | None:
        entry = listed.entry
        if entry.log_bytes is None:
            return None  # no log was archived: nothing to search
        start = partial if partial.uid == entry.uid else Resume(None)
        reader = self.reader.for_kind(listed.kind)
        max_hits = None if self.page.count_only else self.page.limit
        ref = BuildRef(self.namespace, entry.name, entry.uid)

        def run() -> RunHits:
            found = RunHits(first=start.log)
            logs = self._logs(reader, ref, found) if listed.kind is not BUILD else [None]
            for number, step in enumerate(logs[start.log :], start=start.log):
                skip = start.lines if number == start.log else 0
                try:
                    stored = self.search.open(reader.layout.log_key(ref, step))
                except NotFoundError:
                    hits = LogHits(complete=True)  # removed by retention meanwhile
                else:
                    hits = search_lines(
                        logstream.decompressed_chunks(stored, SEARCH_PIECE),
                        self.regex,
                        skip_lines=skip,
                        max_hits=max_hits,
                        spend=self.allowance.spend,
                        must_progress=first and number == start.log,
                    )
                found.searched = True
                found.logs.append((step, hits))
                if not hits.complete:
                    break  # budget spent or the page full: resume in this log
            return found

        return self.search.submit(run)

    def _logs(self, reader: ArchiveReader, ref: BuildRef, found: RunHits) -> list[str | None]:
        """A TaskRun's archived steps, in step order, from its document (one GetObject);
        none when it is not of the Pipeline asked for."""
        try:
            document = reader.read_document(ref)
        except NotFoundError:
            return []  # removed by retention meanwhile
        pipeline_run = document.get("pipelineRun")
        found.pipeline_run = pipeline_run if isinstance(pipeline_run, str) else None
        wanted = self.scope.pipeline
        if wanted is not None and document.get("pipeline") != wanted:
            return []
        steps: list[str | None] = []
        for step, log in reader.kind.log_sections(document):
            if step and isinstance(log, dict) and log.get("state") == "archived":
                steps.append(step)
        return steps


def _listed(
    kind: Kind, accept: Callable[[str], tuple[Decision, Any]]
) -> Callable[[str], tuple[Decision, Listed | None]]:
    def decide(tail: str) -> tuple[Decision, Listed | None]:
        decision, entry = accept(tail)
        return decision, None if entry is None else Listed(tail, kind, entry)

    return decide


def _answer(
    page: SearchPage, resume: Resume | None, fingerprint: str, allowance: _Allowance
) -> dict[str, Any]:
    token = None if resume is None else encode_token(resume.encode(), fingerprint)
    searched = page.searched
    body: dict[str, Any] = {
        "namespace": page.namespace,
        "items": page.items,
        "searched": {
            "builds": searched.get("Build", 0),
            "taskRuns": searched.get("TaskRun", 0),
            "bytes": allowance.spent,
        },
        "budgetExhausted": allowance.exhausted,
        "nextPageToken": token,
    }
    if page.count_only:
        body["matches"] = sum(item["matches"] for item in page.items)
    return body
