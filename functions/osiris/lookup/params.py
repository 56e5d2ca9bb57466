"""Query-string and path parameters → validated values (400 on anything else).

Error messages name the parameter and the rule, never the value that was sent, so a
problem body cannot echo the request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from osiris.core.keys import TERMINAL_PHASES
from osiris.core.names import (
    is_label,
    is_subdomain,
    validate_commit,
    validate_git_ref,
    validate_uid,
)
from osiris.core.refs import finding_rule
from osiris.core.rfc3339 import parse_timestamp
from osiris.errors import InvalidNameError
from osiris.kinds import BUILD, TASKRUN, Kind

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
MAX_TAIL_LINES = 100_000

Query = Mapping[str, Sequence[str]]


def namespace(value: str) -> str:
    if not is_label(value):
        raise InvalidNameError("the namespace must be a DNS-1123 label (a-z, 0-9, '-')")
    return value


def cluster(query: Query, default: str) -> str:
    """``cluster=``: whose archives (a DNS-1123 label, like the path segment it becomes)."""
    raw = _single(query, "cluster")
    if raw is None:
        return default
    if not is_label(raw):
        raise InvalidNameError("cluster must be a DNS-1123 label (a-z, 0-9, '-')")
    return raw


def build_name(value: str) -> str:
    return run_name(value, "build")


def buildconfig(value: str) -> str:
    return group(value, "BuildConfig")


def group(value: str, group_kind: str) -> str:
    """A BuildConfig, Task or Pipeline name."""
    if not is_subdomain(value):
        raise InvalidNameError(
            f"the {group_kind} name must be a DNS-1123 subdomain (a-z, 0-9, '-', '.')"
        )
    return value


def run_name(value: str, noun: str) -> str:
    if not is_subdomain(value):
        raise InvalidNameError(f"the {noun} name must be a DNS-1123 subdomain (a-z, 0-9, '-', '.')")
    return value


def step(query: Query) -> str | None:
    raw = _single(query, "step")
    if raw is not None and not is_label(raw):
        raise InvalidNameError("step must be a DNS-1123 label (a-z, 0-9, '-')")
    return raw


def git_ref(query: Query) -> str | None:
    raw = _single(query, "ref")
    if raw is None:
        return None
    try:
        return validate_git_ref(raw)
    except ValueError:
        raise InvalidNameError("ref must be a git branch or tag name") from None


def _single(query: Query, name: str) -> str | None:
    values = query.get(name) or []
    if len(values) > 1:
        raise InvalidNameError(f"{name} may be given only once")
    return values[0] if values else None


def _integer(query: Query, name: str, default: int, low: int, high: int) -> int:
    raw = _single(query, name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidNameError(f"{name} must be an integer from {low} to {high}")
    return int(raw)


def limit(query: Query) -> int:
    return _integer(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)


def tail(query: Query) -> int | None:
    if _single(query, "tail") is None:
        return None
    return _integer(query, "tail", 0, 1, MAX_TAIL_LINES)


def flag(query: Query, name: str) -> bool:
    raw = _single(query, name)
    if raw is None:
        return False
    if raw.lower() in {"1", "true", "yes"}:
        return True
    if raw.lower() in {"0", "false", "no", ""}:
        return False
    raise InvalidNameError(f"{name} must be 1 or 0")


def phases(query: Query, allowed: tuple[str, ...] = TERMINAL_PHASES) -> frozenset[str]:
    """``phase=`` (repeated or comma-separated): phases of the kind asked about."""
    chosen: set[str] = set()
    for raw in query.get("phase") or []:
        for part in raw.split(","):
            if part not in allowed:
                raise InvalidNameError(f"phase must be one of {', '.join(allowed)}")
            chosen.add(part)
    return frozenset(chosen)


def findings(query: Query) -> frozenset[str]:
    chosen: set[str] = set()
    for raw in query.get("finding") or []:
        for part in raw.split(","):
            chosen.add(finding_rule(part))
    return frozenset(chosen)


def search_pattern(query: Query) -> str:
    raw = _single(query, "q")
    if raw is None:
        raise InvalidNameError("q (an RE2 pattern) is required")
    return raw


def optional_group(query: Query, parameter: str, group_kind: str) -> str | None:
    raw = _single(query, parameter)
    return None if raw is None else group(raw, group_kind)


def timestamp(query: Query, name: str) -> int | None:
    raw = _single(query, name)
    return None if raw is None else parse_timestamp(raw, name)


def page_token(query: Query) -> str | None:
    return _single(query, "pageToken")


def uid(query: Query) -> str | None:
    raw = _single(query, "uid")
    if raw is None:
        return None
    try:
        return validate_uid(raw)
    except ValueError:
        raise InvalidNameError("uid must be a lower-case RFC 4122 UUID") from None


def commit(query: Query) -> str:
    raw = _single(query, "commit")
    if raw is None:
        raise InvalidNameError("commit is required: a git commit id or a prefix of 7 or more")
    try:
        return validate_commit(raw, allow_prefix=True)
    except ValueError:
        raise InvalidNameError(
            "commit must be 7 to 64 hexadecimal characters (a git commit id or its prefix)"
        ) from None


@dataclass(frozen=True)
class RunFilter:
    """Which runs of one kind a list asks for; ``group``: its BuildConfig, Task, Pipeline."""

    group: str | None
    phases: frozenset[str]
    since: int | None
    until: int | None
    findings: frozenset[str] = frozenset()

    @classmethod
    def from_query(cls, query: Query, kind: Kind = BUILD) -> RunFilter:
        since = timestamp(query, "since")
        until = timestamp(query, "until")
        if since is not None and until is not None and since > until:
            raise InvalidNameError("since must not be later than until")
        return cls(
            optional_group(query, kind.view.group_param, kind.group_kind),
            phases(query, kind.keys.phases),
            since,
            until,
            findings(query),
        )


# The kinds a search reads, by the ``kind=`` word: those with logs of their own. A
# PipelineRun's log is its TaskRuns' steps, so it is searched as its TaskRuns
# (``pipeline=``), and each hit names the PipelineRun.
SEARCHED_KINDS: tuple[Kind, ...] = (BUILD, TASKRUN)
_SEARCH_GROUPS: dict[str, Kind] = {"buildconfig": BUILD, "task": TASKRUN, "pipeline": TASKRUN}


@dataclass(frozen=True)
class SearchScope:
    """Which runs a search reads: one filter per kind, newest first across them all.

    ``pipeline``: only TaskRuns whose document names this Pipeline (no index has that
    axis: each listed TaskRun's document is read, as the search reads it anyway).
    """

    kinds: tuple[tuple[Kind, RunFilter], ...]
    pipeline: str | None = None

    def fingerprint(self) -> list[object]:
        parts: list[object] = [self.pipeline]
        for kind, chosen in self.kinds:
            phases = sorted(chosen.phases)
            parts += [kind.keys.resource, chosen.group, phases, chosen.since, chosen.until]
        return parts


def search_scope(query: Query) -> SearchScope:
    """``kind``, ``buildconfig`` | ``task`` | ``pipeline``, ``phase``, ``since``, ``until``."""
    words = {kind.kind.lower(): kind for kind in SEARCHED_KINDS}
    asked: list[Kind] = []
    for raw in query.get("kind") or []:
        for part in raw.split(","):
            if part not in words:
                raise InvalidNameError(f"kind must be one of {', '.join(words)}")
            asked.append(words[part])
    groups = [name for name in _SEARCH_GROUPS if query.get(name)]
    if len(groups) > 1:
        raise InvalidNameError("give at most one of buildconfig, task and pipeline")
    kinds = tuple(dict.fromkeys(asked)) or SEARCHED_KINDS
    group_name, pipeline = None, None
    if groups:
        grouped = _SEARCH_GROUPS[groups[0]]
        if grouped not in kinds:
            raise InvalidNameError(f"{groups[0]} filters {grouped.view.plural}: kind excludes them")
        kinds = (grouped,)
        if groups[0] == "pipeline":
            pipeline = optional_group(query, "pipeline", "Pipeline")
        else:
            group_name = optional_group(query, groups[0], grouped.group_kind)
    allowed = tuple(dict.fromkeys(p for kind in kinds for p in kind.keys.phases))
    asked_phases = phases(query, allowed)
    since, until = timestamp(query, "since"), timestamp(query, "until")
    if since is not None and until is not None and since > until:
        raise InvalidNameError("since must not be later than until")
    chosen: list[tuple[Kind, RunFilter]] = []
    for kind in kinds:
        own = asked_phases & frozenset(kind.keys.phases)
        if asked_phases and not own:
            continue  # none of the phases asked for is one of this kind's
        chosen.append((kind, RunFilter(group_name, own, since, until)))
    return SearchScope(tuple(chosen), pipeline)
