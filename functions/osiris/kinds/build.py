"""A ``build.openshift.io/v1`` Build object → the facts osiris keeps about it.

Field names and meanings follow openshift/api ``build/v1/types.go`` (see
``tests/data/schemas/openshift-build``). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from osiris.core import keys
from osiris.core.keys import BUILD_KEYS, TERMINAL_PHASES, BuildRef, IndexEntry, KindKeys
from osiris.core.metadata import SCHEMA_VERSION, UnavailableLog, log_section
from osiris.core.views import KindView
from osiris.errors import InvalidEventError, InvalidNameError
from osiris.kinds import fields
from osiris.kinds.base import Archiving, IndexFields, LogPart, LogResult

KIND = "Build"
API_VERSION = "build.openshift.io/v1"

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

    @property
    def git_ref(self) -> str | None:
        ref = self.git.ref if self.git else None
        return _valid_ref(ref)

    @property
    def finished_at(self) -> datetime:
        return self.completed or self.started or self.created

    def log_parts(self) -> tuple[LogPart, ...]:
        return (LogPart(None, object_path(self.ref.namespace, self.ref.name) + "/log"),)

    def index_entry(self, log_bytes: int | None, finding: str | None = None) -> IndexEntry:
        return IndexEntry(
            created=fields.epoch(self.created),
            name=self.ref.name,
            phase=self.phase,
            uid=self.ref.uid,
            number=self.number,
            group=self.buildconfig,
            started=fields.epoch(self.started) if self.started else None,
            completed=fields.epoch(self.completed) if self.completed else None,
            log_bytes=log_bytes,
            finding=finding,
        )


def parse_build(obj: Any) -> BuildFacts:
    """Validate a Build object and extract its facts; InvalidEventError if unusable."""
    metadata, spec, status, ref = fields.object_parts(obj, KIND)
    try:
        buildconfig = _buildconfig(metadata, status)
    except InvalidNameError as exc:
        raise InvalidEventError(str(exc)) from None
    annotations = fields.strings(metadata.get("annotations"))
    started = fields.time(status, "startTimestamp", KIND)
    completed = fields.time(status, "completionTimestamp", KIND)
    duration = status.get("duration")
    output = fields.mapping(status, "output", KIND)
    strategy = fields.mapping(spec, "strategy", KIND)
    source = fields.mapping(spec, "source", KIND)
    return BuildFacts(
        ref=ref,
        resource_version=fields.text(metadata, "resourceVersion", KIND) or "",
        phase=fields.text(status, "phase", KIND) or "New",
        created=fields.time(metadata, "creationTimestamp", KIND, required=True) or datetime.min,
        buildconfig=buildconfig,
        number=_number(annotations.get(BUILD_NUMBER_ANNOTATION)),
        reason=fields.text(status, "reason", KIND),
        message=fields.text(status, "message", KIND),
        started=started,
        completed=completed,
        duration_seconds=_duration(duration, started, completed),
        strategy=fields.text(strategy, "type", KIND),
        context_dir=fields.text(source, "contextDir", KIND),
        git=_git(source, fields.mapping(fields.mapping(spec, "revision", KIND), "git", KIND)),
        output_image=fields.text(status, "outputDockerImageReference", KIND),
        output_digest=fields.text(fields.mapping(output, "to", KIND), "imageDigest", KIND),
        triggered_by=_triggers(spec.get("triggeredBy")),
        labels=fields.strings(metadata.get("labels")),
    )


def _buildconfig(metadata: dict[str, Any], status: dict[str, Any]) -> str | None:
    # The annotation holds the full name; the label may be truncated to 63 characters.
    annotations = fields.strings(metadata.get("annotations"))
    labels = fields.strings(metadata.get("labels"))
    name = (
        annotations.get(BUILD_CONFIG_ANNOTATION)
        or fields.text(fields.mapping(status, "config", KIND), "name", KIND)
        or labels.get(BUILD_CONFIG_LABEL)
        or labels.get(LEGACY_BUILD_CONFIG_LABEL)
    )
    return keys.buildconfig_name(name) if name else None


def _git(source: dict[str, Any], revision: dict[str, Any]) -> GitRevision | None:
    git = fields.mapping(source, "git", KIND)
    if not git and not revision:
        return None
    author = fields.mapping(revision, "author", KIND)
    commit = fields.text(revision, "commit", KIND)
    return GitRevision(
        uri=fields.text(git, "uri", KIND),
        ref=fields.text(git, "ref", KIND),
        commit=commit.lower() if commit and fields.is_sha(commit) else None,
        author_name=fields.text(author, "name", KIND),
        author_email=fields.text(author, "email", KIND),
        message=fields.text(revision, "message", KIND),
    )


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


def _number(value: str | None) -> int | None:
    # str.isdigit() is true for digits of every script and for superscripts, which int()
    # refuses or reads as other numbers: only ASCII digits are a build number.
    if value is None or not value.isascii() or not value.isdigit():
        return None
    return int(value) if len(value) <= MAX_NUMBER_DIGITS else None


def _valid_ref(ref: str | None) -> str | None:
    """A ref that can be indexed; anything else (a sha, junk) is only kept in the document."""
    if ref is None or fields.is_sha(ref):
        return None
    try:
        return keys.git_ref(ref)
    except InvalidNameError:
        return None


def object_path(namespace: str, name: str) -> str:
    return f"/apis/{API_VERSION}/namespaces/{namespace}/builds/{name}"


def build_document(
    facts: BuildFacts, log: LogResult, archiving: Archiving, findings: list[dict[str, Any]]
) -> dict[str, Any]:
    git = facts.git
    return {
        "schemaVersion": SCHEMA_VERSION,
        "cluster": archiving.cluster,
        "namespace": facts.ref.namespace,
        "name": facts.ref.name,
        "uid": facts.ref.uid,
        "resourceVersion": facts.resource_version,
        "buildConfig": facts.buildconfig,
        "number": facts.number,
        "phase": facts.phase,
        "reason": facts.reason,
        "message": facts.message,
        "created": fields.rfc3339(facts.created),
        "started": fields.rfc3339(facts.started),
        "completed": fields.rfc3339(facts.completed),
        "durationSeconds": facts.duration_seconds,
        "strategy": facts.strategy,
        "source": {
            "git": None
            if git is None
            else {
                "uri": git.uri,
                "ref": git.ref,
                "commit": git.commit,
                "author": {"name": git.author_name, "email": git.author_email},
                "message": git.message,
            },
            "contextDir": facts.context_dir,
        },
        "output": {"imageReference": facts.output_image, "imageDigest": facts.output_digest},
        "triggeredBy": list(facts.triggered_by),
        "labels": dict(sorted(facts.labels.items())),
        "log": log_section(log),
        "findings": findings,
        "archivedAt": fields.rfc3339(archiving.archived_at),
        "eventId": archiving.event_id,
        "eventType": archiving.event_type,
    }


class BuildKind:
    """``build.openshift.io/v1`` Build: one log, grouped by BuildConfig, numbered."""

    kind = KIND
    api_version = API_VERSION
    keys: KindKeys = BUILD_KEYS
    group_kind = "BuildConfig"
    view = KindView(KIND, "builds", "build", "buildConfig", "buildconfigs", numbered=True)

    def object_path(self, namespace: str, name: str) -> str:
        return object_path(namespace, name)

    def list_path(self, namespace: str) -> str:
        return f"/apis/{API_VERSION}/namespaces/{namespace}/builds"

    def parse(self, obj: Any) -> BuildFacts:
        return parse_build(obj)

    def document(
        self, facts: BuildFacts, logs: Mapping[str | None, LogResult], archiving: Archiving
    ) -> dict[str, Any]:
        log = logs[None]
        findings = [] if isinstance(log, UnavailableLog) else [f.document() for f in log.findings]
        return build_document(facts, log, archiving, findings)

    def index_fields(self, document: dict[str, Any]) -> IndexFields:
        source = document.get("source")
        git = source.get("git") if isinstance(source, dict) else None
        git = git if isinstance(git, dict) else {}
        commit, ref = git.get("commit"), git.get("ref")
        number = document.get("number")
        group = document.get("buildConfig")
        return IndexFields(
            group=group if isinstance(group, str) and group else None,
            number=fields.integer(number),
            commit=commit if isinstance(commit, str) and commit else None,
            git_ref=_valid_ref(ref) if isinstance(ref, str) else None,
        )

    def log_sections(self, document: dict[str, Any]) -> list[tuple[str | None, Any]]:
        return [(None, document.get("log"))]

    def children(self, document: dict[str, Any]) -> list[tuple[str, str]]:
        return []


BUILD = BuildKind()
