"""One search answer being assembled: runs' hits → the API's items, in run order.

A run is searched as the list of its logs: a Build's one log, a TaskRun's archived steps
in step order (as its document lists them). Each item names the run's kind, the run, the
step (TaskRuns) and the PipelineRun the TaskRun's document says it belongs to, with links
to the line in the web UI and to the log in the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from osiris.core.keys import IndexEntry
from osiris.core.rfc3339 import format_epoch
from osiris.core.search import LogHits
from osiris.core.views import link, run_path
from osiris.kinds import Kind

START = "start"  # token position before the first run


@dataclass(frozen=True)
class Resume:
    """Where a search continues: after the run at ``after`` (an index tail), and inside
    the run ``uid``, at its log number ``log`` (0-based) past ``lines`` of its lines."""

    after: str | None
    uid: str | None = None
    log: int = 0
    lines: int = 0

    def encode(self) -> str:
        head = self.after or START
        return head if self.uid is None else f"{head}/{self.uid}/{self.log}/{self.lines}"

    @classmethod
    def decode(cls, position: str) -> Resume | None:
        """None for a position this search never issues."""
        parts = position.split("/")
        after = None if parts[0] == START else parts[0]
        if len(parts) == 1:
            return cls(after)
        if len(parts) == 4 and parts[2].isdigit() and parts[3].isdigit():
            return cls(after, parts[1], int(parts[2]), int(parts[3]))
        return None


@dataclass(frozen=True)
class Listed:
    """A run the index listing gave: its position (tail), its kind, its entry."""

    position: str
    kind: Kind
    entry: IndexEntry


@dataclass
class RunHits:
    """What searching one run found: its logs' hits, from log number ``first`` on."""

    first: int = 0
    logs: list[tuple[str | None, LogHits]] = field(default_factory=list)  # (step, hits)
    pipeline_run: str | None = None
    searched: bool = False  # False: the run had nothing to search (or was filtered out)


class SearchPage:
    """The answer being assembled, in run order."""

    def __init__(self, namespace: str, cluster: str | None, count_only: bool, limit: int) -> None:
        self.namespace = namespace
        self.count_only = count_only
        self.limit = limit
        self.items: list[dict[str, Any]] = []
        self.searched: dict[str, int] = {}  # runs searched, by kind
        self._cluster = cluster

    @property
    def full(self) -> bool:
        return len(self.items) >= self.limit

    def add(self, listed: Listed, found: RunHits) -> Resume | None:
        """Take one run's hits; where to resume when the page ends inside this run."""
        if found.searched:
            kind = listed.kind.kind
            self.searched[kind] = self.searched.get(kind, 0) + 1
        for number, (step, hits) in enumerate(found.logs, start=found.first):
            resume = self._add_log(listed, found, step, hits)
            if resume is not None:
                return Resume(None, listed.entry.uid, number, resume)
        return None

    def _add_log(
        self, listed: Listed, found: RunHits, step: str | None, hits: LogHits
    ) -> int | None:
        """One log's hits; the lines done when the page ends inside it."""
        about = self._about(listed, found, step)
        if self.count_only:
            if hits.matches:
                self.items.append({**about, "matches": hits.matches})
            return None if hits.complete else hits.lines_done
        taken = hits.hits[: self.limit - len(self.items)]
        for hit in taken:
            line_link = self._line_link(listed, step) + f"#L{hit.line}"
            links = {**about["links"], "line": line_link}
            self.items.append({**about, "line": hit.line, "text": hit.text, "links": links})
        if len(taken) < len(hits.hits):
            return taken[-1].line if taken else 0  # full before this log: from its start
        return None if hits.complete else hits.lines_done

    def _about(self, listed: Listed, found: RunHits, step: str | None) -> dict[str, Any]:
        view, entry = listed.kind.view, listed.entry
        run = {
            "name": entry.name,
            "uid": entry.uid,
            view.group_field: entry.group,
            "phase": entry.phase,
            "created": format_epoch(entry.created),
        }
        path = run_path(view, self.namespace, entry.name)
        log_query = {"uid": entry.uid} if step is None else {"uid": entry.uid, "step": step}
        about: dict[str, Any] = {"kind": view.kind, "run": run}
        if step is None:
            about["build"] = run  # the name every Build hit has had: clients read it
        else:
            about["step"] = step
            about["pipelineRun"] = found.pipeline_run
        about["links"] = {
            "run": link(path, self._cluster, uid=entry.uid),
            "log": link(f"{path}/log", self._cluster, **log_query),
        }
        return about

    def _line_link(self, listed: Listed, step: str | None) -> str:
        """The run's page in the web UI (outside the API), at the step searched."""
        view, entry = listed.kind.view, listed.entry
        page = f"/namespaces/{self.namespace}/{view.resource}/{entry.name}"
        query = {"uid": entry.uid} if step is None else {"uid": entry.uid, "step": step}
        return link(page, self._cluster, **query)
