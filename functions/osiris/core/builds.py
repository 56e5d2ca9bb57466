"""A ``build.openshift.io/v1`` Build object → the facts osiris keeps about it.

Field names and meanings follow openshift/api ``build/v1/types.go`` (see
``tests/data/schemas/openshift-build``). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from osiris.core import keys
from osiris.core.keys import TERMINAL_PHASES, TIME_CEILING, BuildRef, IndexEntry
from osiris.errors import InvalidEventError, InvalidNameError

BUILD_CONFIG_ANNOTATION = "openshift.io/build-config.name"
BUILD_NUMBER_ANNOTATION = "openshift.io/build.number"
BUILD_CONFIG_LABEL = "openshift.io/build-config.name"
LEGACY_BUILD_CONFIG_LABEL = "buildconfig"
NANOSECONDS = 1_000_000_000
# The annotation is an int64 in OpenShift; anything longer is not a build number.
MAX_NUMBER_DIGITS = 18


@dataclass(frozen=True)
class GitRevision:
    uri: str | None = None
    ref: str | None = None
    commit: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class BuildFacts:
    ref: BuildRef
    resource_version: str
    phase: str
    created: datetime
    buildconfig: str | None = None
    number: int | None = None
    reason: str | None = None
    message: str | None = None
    started: datetime | None = None
    completed: datetime | None = None
    duration_seconds: float | None = None
    strategy: str | None = None
    context_dir: str | None = None
    git: GitRevision | None = None
    output_image: str | None = None
    output_digest: str | None = None
    triggered_by: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.phase in TERMINAL_PHASES

    @property
    def commit(self) -> str | None:
        return self.git.commit if self.git else None

    def index_entry(self, log_bytes: int | None, finding: str | None = None) -> IndexEntry:
        return IndexEntry(
            created=_epoch(self.created),
            name=self.ref.name,
            phase=self.phase,
            uid=self.ref.uid,
            number=self.number,
            buildconfig=self.buildconfig,
            started=_epoch(self.started) if self.started else None,
            completed=_epoch(self.completed) if self.completed else None,
            log_bytes=log_bytes,
            finding=finding,
        )


def parse_build(obj: Any) -> BuildFacts:
    """Validate a Build object and extract its facts; InvalidEventError if unusable."""
    if not isinstance(obj, dict):
        raise InvalidEventError("the Build is not a JSON object")
    metadata = _mapping(obj, "metadata")
    spec = _mapping(obj, "spec")
    status = _mapping(obj, "status")
    try:
        ref = BuildRef(
            namespace=_text(metadata, "namespace", required=True) or "",
            name=_text(metadata, "name", required=True) or "",
            uid=_text(metadata, "uid", required=True) or "",
        )
        buildconfig = _buildconfig(metadata, status)
    except InvalidNameError as exc:
        raise InvalidEventError(str(exc)) from None
    annotations = _strings(metadata.get("annotations"))
    started = _time(status, "startTimestamp")
    completed = _time(status, "completionTimestamp")
    duration = status.get("duration")
    output = _mapping(status, "output")
    strategy = _mapping(spec, "strategy")
    source = _mapping(spec, "source")
    return BuildFacts(
        ref=ref,
        resource_version=_text(metadata, "resourceVersion") or "",
        phase=_text(status, "phase") or "New",
        created=_time(metadata, "creationTimestamp", required=True) or datetime.min,
        buildconfig=buildconfig,
        number=_number(annotations.get(BUILD_NUMBER_ANNOTATION)),
        reason=_text(status, "reason"),
        message=_text(status, "message"),
        started=started,
        completed=completed,
        duration_seconds=_duration(duration, started, completed),
        strategy=_text(strategy, "type"),
        context_dir=_text(source, "contextDir"),
        git=_git(source, _mapping(_mapping(spec, "revision"), "git")),
        output_image=_text(status, "outputDockerImageReference"),
        output_digest=_text(_mapping(output, "to"), "imageDigest"),
        triggered_by=_triggers(spec.get("triggeredBy")),
        labels=_strings(metadata.get("labels")),
    )


def _buildconfig(metadata: dict[str, Any], status: dict[str, Any]) -> str | None:
    # The annotation holds the full name; the label may be truncated to 63 characters.
    annotations = _strings(metadata.get("annotations"))
    labels = _strings(metadata.get("labels"))
    name = (
        annotations.get(BUILD_CONFIG_ANNOTATION)
        or _text(_mapping(status, "config"), "name")
        or labels.get(BUILD_CONFIG_LABEL)
        or labels.get(LEGACY_BUILD_CONFIG_LABEL)
    )
    return keys.buildconfig_name(name) if name else None


def _git(source: dict[str, Any], revision: dict[str, Any]) -> GitRevision | None:
    git = _mapping(source, "git")
    if not git and not revision:
        return None
    author = _mapping(revision, "author")
    commit = _text(revision, "commit")
    return GitRevision(
        uri=_text(git, "uri"),
        ref=_text(git, "ref"),
        commit=commit.lower() if commit and _is_sha(commit) else None,
        author_name=_text(author, "name"),
        author_email=_text(author, "email"),
        message=_text(revision, "message"),
    )


def _is_sha(value: str) -> bool:
    return len(value) in (40, 64) and all(c in "0123456789abcdefABCDEF" for c in value)


def _triggers(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        str(item["message"]) for item in value if isinstance(item, dict) and item.get("message")
    )


def _duration(value: Any, started: datetime | None, completed: datetime | None) -> float | None:
    # status.duration is a time.Duration: integer nanoseconds.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value / NANOSECONDS
    if started and completed:
        return max(0.0, (completed - started).total_seconds())
    return None


def _mapping(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidEventError(f"Build field {key!r} is not an object")
    return value


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}


def _text(parent: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = parent.get(key)
    if value is None or value == "":
        if required:
            raise InvalidEventError(f"the Build has no {key!r}")
        return None
    if not isinstance(value, str):
        raise InvalidEventError(f"Build field {key!r} is not a string")
    return value


def _time(parent: dict[str, Any], key: str, *, required: bool = False) -> datetime | None:
    value = _text(parent, key, required=required)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidEventError(f"Build field {key!r} is not an RFC 3339 time") from None
    if parsed.tzinfo is None:
        raise InvalidEventError(f"Build field {key!r} has no time zone")
    try:
        moment = parsed.astimezone(UTC)  # year 1 east of UTC, year 9999 west of it overflow
    except OverflowError:
        moment = None
    # Every time goes into an index key, which holds 1970 to 2286: a time outside that is
    # refused here, before the log is uploaded, not when the index is written after it.
    if moment is None or not 0 <= moment.timestamp() <= TIME_CEILING:
        raise InvalidEventError(f"Build field {key!r} is outside 1970-2286")
    return moment


def _number(value: str | None) -> int | None:
    # str.isdigit() is true for digits of every script and for superscripts, which int()
    # refuses or reads as other numbers: only ASCII digits are a build number.
    if value is None or not value.isascii() or not value.isdigit():
        return None
    return int(value) if len(value) <= MAX_NUMBER_DIGITS else None


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def rfc3339(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
