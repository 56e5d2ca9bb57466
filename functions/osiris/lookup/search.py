"""``/namespaces/{ns}/search``: matching lines across a namespace's archived logs.

Builds are searched newest first, several logs at once (each decoded in constant memory
by :mod:`osiris.lookup.logstream`), and answered in build order. Every request is bounded
by a byte budget (decoded bytes read) and a time budget; when either runs out, or the
page is full, the answer carries a token that resumes exactly where it stopped, in the
middle of a log if need be: the token names the last build searched to its end, the
build searched in part and how many of its lines are done.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from osiris.adapters.store import ObjectStore
from osiris.core.keys import BuildRef, IndexEntry
from osiris.core.pagetoken import decode_token, encode_token, query_fingerprint
from osiris.core.rfc3339 import format_epoch
from osiris.core.search import LogHits, compile_search, search_lines
from osiris.core.views import build_path, link, ui_build_path
from osiris.errors import InvalidNameError, NotFoundError
from osiris.lookup import logstream
from osiris.lookup.params import RunFilter
from osiris.lookup.reader import ArchiveReader

SEARCH_WORKERS = 4  # logs read and searched at once per request
SEARCH_PIECE = 1024 * 1024  # decoded bytes handed to RE2 at once, per log being searched
_START = "start"  # token position before the first build


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
        self.spent = 0
        self.exhausted = False

    def spend(self, size: int, forced: bool) -> bool:
        """``forced``: granted whatever is left (the first line of a request's first log,
        so that following tokens always gets somewhere)."""
        with self._lock:
            if not forced and (
                self.exhausted or self._left <= 0 or self._clock() >= self._deadline
            ):
                self.exhausted = True
                return False
            self._left -= size
            self.spent += size
            return True


@dataclass(frozen=True)
class _Resume:
    after: str | None  # position of the last build searched to its end
    uid: str | None  # the build searched in part, if any
    lines: int


def _encode_position(resume: _Resume) -> str:
    head = resume.after or _START
    return head if resume.uid is None else f"{head}/{resume.uid}/{resume.lines}"


def _decode_position(position: str) -> _Resume:
    parts = position.split("/")
    after = None if parts[0] == _START else parts[0]
    if len(parts) == 1:
        return _Resume(after, None, 0)
    if len(parts) == 3 and parts[2].isdigit():
        return _Resume(after, parts[1], int(parts[2]))
    raise InvalidNameError("pageToken is not a token this API issued")


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
        chosen: RunFilter,
        query: SearchQuery,
        limit: int,
        token: str | None,
    ) -> dict[str, Any]:
        regex = compile_search(query.pattern, ignore_case=query.ignore_case)
        fingerprint = query_fingerprint(
            reader.layout.cluster,
            "search",
            namespace,
            chosen.group,
            sorted(chosen.phases),
            chosen.since,
            chosen.until,
            query.pattern,
            query.ignore_case,
            query.count_only,
        )
        resume = (
            _Resume(None, None, 0)
            if token is None
            else _decode_position(decode_token(token, fingerprint))
        )
        allowance = _Allowance(self._budget, self._clock)
        page = _Page(namespace, reader, query.count_only, limit)
        following = self._fill(page, reader, namespace, chosen, regex, resume, allowance)
        nothing = following is None and not page.items and token is None
        if nothing and not reader.namespace_exists(namespace):
            raise NotFoundError("no archived builds in this namespace")
        return page.answer(following, fingerprint, allowance)

    def _fill(
        self,
        page: _Page,
        reader: ArchiveReader,
        namespace: str,
        chosen: RunFilter,
        regex: Any,
        resume: _Resume,
        allowance: _Allowance,
    ) -> _Resume | None:
        """Search builds into ``page``; where the next page starts (None: nowhere)."""
        after, partial, first = resume.after, resume, True
        max_hits = None if page.count_only else page.limit
        while not page.full and not allowance.exhausted:
            listed = reader.entries(namespace, chosen, after, SEARCH_WORKERS * 2)
            searches: list[tuple[str, IndexEntry, Future[LogHits] | None]] = []
            for position, entry in listed.items:
                search = self._submit(
                    reader, namespace, entry, regex, partial, allowance, first, max_hits
                )
                first = first and search is None  # the first log of the request is granted
                searches.append((position, entry, search))
            partial = _Resume(None, None, 0)  # only the first build can be the one half-done
            for number, (position, entry, future) in enumerate(searches):
                if future is not None and not page.add(entry, future.result()):
                    _cancel(searches[number + 1 :])
                    return _Resume(after, entry.uid, page.resume_lines)
                after = position
                if page.full:
                    _cancel(searches[number + 1 :])
                    return _Resume(after, None, 0)
            if not listed.more:
                return None
            after = listed.position or after  # past entries the filters skipped
        return _Resume(after, None, 0)

    def _submit(
        self,
        reader: ArchiveReader,
        namespace: str,
        entry: IndexEntry,
        regex: Any,
        partial: _Resume,
        allowance: _Allowance,
        first: bool,
        max_hits: int | None,
    ) -> Future[LogHits] | None:
        if entry.log_bytes is None:
            return None  # the log was not archived: nothing to search
        skip = partial.lines if partial.uid == entry.uid else 0
        key = reader.layout.log_key(BuildRef(namespace, entry.name, entry.uid))

        def run() -> LogHits:
            try:
                stored = self._bucket.open(key)
            except NotFoundError:
                return LogHits(complete=True)  # removed by retention meanwhile
            return search_lines(
                logstream.decompressed_chunks(stored, SEARCH_PIECE),
                regex,
                skip_lines=skip,
                max_hits=max_hits,
                spend=allowance.spend,
                must_progress=first,
            )

        return self._pool.submit(run)


def _cancel(searches: list[tuple[str, IndexEntry, Future[LogHits] | None]]) -> None:
    for _, _, future in searches:
        if future is not None:
            future.cancel()


class _Page:
    """The answer being assembled, in build order."""

    def __init__(self, namespace: str, reader: ArchiveReader, count_only: bool, limit: int) -> None:
        self.namespace = namespace
        self.count_only = count_only
        self.limit = limit
        self.items: list[dict[str, Any]] = []
        self.builds = 0
        self.resume_lines = 0
        self._cluster = reader.links_cluster

    @property
    def full(self) -> bool:
        return len(self.items) >= self.limit

    def add(self, entry: IndexEntry, hits: LogHits) -> bool:
        """Take one build's hits; False when the page ends inside this build."""
        self.builds += 1
        path = build_path(self.namespace, entry.name)
        build = {
            "name": entry.name,
            "uid": entry.uid,
            "buildConfig": entry.group,
            "phase": entry.phase,
            "created": format_epoch(entry.created),
        }
        if self.count_only:
            if hits.matches:
                self.items.append({"build": build, "matches": hits.matches})
            self.resume_lines = hits.lines_done
            return hits.complete
        room = self.limit - len(self.items)
        taken = hits.hits[:room]
        for hit in taken:
            self.items.append(
                {
                    "build": build,
                    "line": hit.line,
                    "text": hit.text,
                    "links": {
                        "line": link(
                            ui_build_path(self.namespace, entry.name), self._cluster, uid=entry.uid
                        )
                        + f"#L{hit.line}",
                        "log": link(f"{path}/log", self._cluster, uid=entry.uid),
                    },
                }
            )
        if len(taken) < len(hits.hits):
            self.resume_lines = taken[-1].line if taken else 0
            return False
        self.resume_lines = hits.lines_done
        return hits.complete

    def answer(
        self, resume: _Resume | None, fingerprint: str, allowance: _Allowance
    ) -> dict[str, Any]:
        token = None if resume is None else encode_token(_encode_position(resume), fingerprint)
        body: dict[str, Any] = {
            "namespace": self.namespace,
            "items": self.items,
            "searched": {"builds": self.builds, "bytes": allowance.spent},
            "budgetExhausted": allowance.exhausted,
            "nextPageToken": token,
        }
        if self.count_only:
            body["matches"] = sum(item["matches"] for item in self.items)
        return body
