"""The key layout: the bucket is the index, for every kind of run.

Writer (archive) and reader (lookup) share these pure functions; ``docs/key-layout.md``
explains the design. Everything lives under ``<prefix>/v1/<cluster>/``. Each kind of
run (Build, TaskRun, PipelineRun, ...) has a :class:`KindKeys`: the section its objects
live in and the root of its index. A run's objects::

    <resource>/<ns>/<name>/<uid>/log.gz               its log, gzip (a Build's)
    <resource>/<ns>/<name>/<uid>/steps/<step>.log.gz  one log per step (a TaskRun's)
    <resource>/<ns>/<name>/<uid>/<document>           the metadata document, written last

and its index entries under ``<index root>`` (``index/`` for Builds, the layout they have
always had; ``index/<resource>/`` for every kind added since)::

    ns/<ns>/<entry>                       one empty object per run, newest first
    <group>/<ns>/<group name>/<entry>     under its group (BuildConfig, Task, Pipeline)
    phase/<ns>/<phase>/<entry>            under its phase
    <group>-phase/<ns>/<group name>/<phase>/<entry>
    commit/<sha>/<ns>/<entry>             under its git commit
    ref/<git ref>/<ns>/<entry>            under its git branch or tag (percent-encoded)

An ``<entry>`` is one path segment whose fields are joined by ``_`` (a character no
DNS-1123 name can hold)::

    <inverted created>_<name>_<phase>_<number>_<group>_<started>_<completed>_<log bytes>_<uid>
    ... _<finding>                           when the log produced a finding (its rule id)

``inverted created`` is ``9999999999 - creation time in epoch seconds``, zero-padded, so
a plain ascending listing returns the newest run first, and a list view needs nothing
but the listing: phase, times and log size are in the key. Absent values are ``-``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from osiris.core.names import (
    encode_git_ref,
    is_label,
    is_subdomain,
    validate_commit,
    validate_git_ref,
    validate_label,
    validate_prefix,
    validate_subdomain,
    validate_uid,
)
from osiris.errors import InvalidKeyError, InvalidNameError

LAYOUT_VERSION = "v1"
LOG_OBJECT = "log.gz"
STEP_LOGS = "steps"
STEP_LOG_SUFFIX = ".log.gz"
METADATA_OBJECT = "build.json"
TIME_CEILING = 9_999_999_999  # epoch seconds: year 2286
TERMINAL_PHASES = ("Complete", "Failed", "Error", "Cancelled")
_ABSENT = "-"
_FIELDS = 9
# Entries written before findings existed have no tenth field; a build without a
# finding still gets nine, so its keys are the same as they always were.
_FIELDS_WITH_FINDING = 10


def _check(validator: Callable[[str, str], str], value: str, what: str) -> str:
    try:
        return validator(value, what)
    except ValueError as exc:
        raise InvalidNameError(f"invalid {what}: {exc}") from None


def namespace_name(value: str) -> str:
    return _check(validate_label, value, "namespace")


def build_name(value: str) -> str:
    return _check(validate_subdomain, value, "build name")


def buildconfig_name(value: str) -> str:
    return _check(validate_subdomain, value, "BuildConfig name")


def run_name(value: str, kind: str = "run") -> str:
    return _check(validate_subdomain, value, f"{kind} name")


def step_name(value: str) -> str:
    return _check(validate_label, value, "step name")


def git_ref(value: str) -> str:
    """A branch or tag, normalised (``refs/heads/x`` → ``x``)."""
    return _check(lambda v, _: validate_git_ref(v), value, "git ref")


def uid(value: str) -> str:
    return _check(validate_uid, value, "uid")


def finding_rule(value: str) -> str:
    return _check(validate_label, value, "finding rule id")


def _phase_word(value: str) -> bool:
    return value.isascii() and value.isalpha() and value[:1].isupper() and len(value) <= 20


def invert_time(epoch_seconds: int) -> str:
    if not 0 <= epoch_seconds <= TIME_CEILING:
        raise InvalidKeyError(f"timestamp {epoch_seconds} is outside the key layout's range")
    return f"{TIME_CEILING - epoch_seconds:010d}"


def revert_time(inverted: str) -> int:
    if len(inverted) != 10 or not inverted.isdigit():
        raise InvalidKeyError(f"{inverted!r} is not an inverted timestamp")
    return TIME_CEILING - int(inverted)


@dataclass(frozen=True, order=True)
class BuildRef:
    """Identifies one archived build: a name can be reused, the uid cannot."""

    namespace: str
    name: str
    uid: str

    def __post_init__(self) -> None:
        namespace_name(self.namespace)
        build_name(self.name)
        uid(self.uid)


# The levels right under index/ that the Builds' layout uses.
_BUILD_AXES = frozenset({"ns", "bc", "phase", "bc-phase", "commit", "ref"})
# Phases no kind ever archives under: a run in them is not finished.
_NOT_FINAL = frozenset({"New", "Pending", "Running", "Unknown", "Started"})


@dataclass(frozen=True)
class KindKeys:
    """Where one kind of run lives in the layout; see the module docstring."""

    resource: str  # the object section, the API's plural: "builds", "taskruns"
    document: str  # the metadata document's object name: "build.json"
    group_axis: str  # the index level of the group: "bc", "task", "pipeline"
    phases: tuple[str, ...]  # the terminal phases, the only ones in its keys
    index_root: str  # "" (Builds: the layout they always had) or "<resource>/"

    @classmethod
    def added(
        cls, resource: str, document: str, group_axis: str, phases: tuple[str, ...]
    ) -> KindKeys:
        """A kind added after Builds: its index is rooted at ``index/<resource>/``."""
        if resource in _BUILD_AXES:
            raise ValueError(f"{resource!r} is an index level of the Builds' layout")
        return cls(resource, document, group_axis, phases, f"{resource}/")

    def phase(self, value: str) -> str:
        if value not in self.phases:
            raise InvalidNameError(f"phase must be one of {', '.join(self.phases)}")
        return value


BUILD_KEYS = KindKeys("builds", METADATA_OBJECT, "bc", TERMINAL_PHASES, "")


@dataclass(frozen=True)
class IndexEntry:
    """Everything a list view shows about a run, carried in one key segment.

    ``group`` is the run's BuildConfig, Task or Pipeline. The phase is checked against
    the phases of the run's kind by :class:`KeyLayout`, which knows the kind.
    """

    created: int
    name: str
    phase: str
    uid: str
    number: int | None = None
    group: str | None = None
    started: int | None = None
    completed: int | None = None
    log_bytes: int | None = None  # None: the log could not be archived
    finding: str | None = None  # the rule id of the most severe finding in the log

    def __post_init__(self) -> None:
        build_name(self.name)
        uid(self.uid)
        if self.finding is not None:
            finding_rule(self.finding)
        if self.group is not None:
            run_name(self.group, "group")
        if not _phase_word(self.phase) or self.phase in _NOT_FINAL:
            raise InvalidKeyError(f"phase {self.phase!r} is not a terminal phase")
        for field_name in ("number", "started", "completed", "log_bytes"):
            value = getattr(self, field_name)
            if value is not None and value < 0:
                raise InvalidKeyError(f"{field_name} must not be negative")
        invert_time(self.created)

    @property
    def duration(self) -> int | None:
        if self.started is None or self.completed is None:
            return None
        return max(0, self.completed - self.started)

    def encode(self) -> str:
        def opt(value: object | None) -> str:
            return _ABSENT if value is None else str(value)

        fields = [
            invert_time(self.created),
            self.name,
            self.phase,
            opt(self.number),
            opt(self.group),
            opt(self.started),
            opt(self.completed),
            opt(self.log_bytes),
            self.uid,
        ]
        if self.finding is not None:
            fields.append(self.finding)
        return "_".join(fields)

    @classmethod
    def decode(cls, segment: str) -> IndexEntry:
        fields = segment.split("_")
        if len(fields) not in (_FIELDS, _FIELDS_WITH_FINDING):
            raise InvalidKeyError(f"index entry {segment[:120]!r} has {len(fields)} fields")
        inverted, name, phase, number, bc, started, completed, log_bytes, build_uid = fields[
            :_FIELDS
        ]
        finding = fields[_FIELDS] if len(fields) == _FIELDS_WITH_FINDING else None

        def opt_int(value: str) -> int | None:
            if value == _ABSENT:
                return None
            if not value.isdigit():
                raise InvalidKeyError(f"index entry field {value[:40]!r} is not a number")
            return int(value)

        return cls(
            created=revert_time(inverted),
            name=name,
            phase=phase,
            uid=build_uid,
            number=opt_int(number),
            group=None if bc == _ABSENT else bc,
            started=opt_int(started),
            completed=opt_int(completed),
            log_bytes=opt_int(log_bytes),
            finding=finding,
        )


@dataclass(frozen=True)
class KeyLayout:
    """Builds and parses every key of one kind of run, of one cluster, under one prefix.

    ``KeyLayout(prefix, cluster)`` is the Builds' layout; :meth:`for_kind` gives the
    same cluster's layout for another kind.
    """

    prefix: str
    cluster: str
    kind: KindKeys = BUILD_KEYS

    def __post_init__(self) -> None:
        try:
            validate_prefix(self.prefix)
            validate_label(self.cluster, "cluster")
        except ValueError as exc:
            raise InvalidNameError(str(exc)) from None

    def for_kind(self, kind: KindKeys) -> KeyLayout:
        return KeyLayout(self.prefix, self.cluster, kind)

    @property
    def root(self) -> str:
        return f"{self.prefix.strip('/')}/{LAYOUT_VERSION}/{self.cluster}/"

    @property
    def index_root(self) -> str:
        return f"{self.root}index/{self.kind.index_root}"

    @staticmethod
    def clusters_prefix(prefix: str) -> str:
        """Delimiter-list this to learn which clusters share the bucket."""
        return f"{prefix.strip('/')}/{LAYOUT_VERSION}/"

    # -- objects of one run
    def objects_prefix(self) -> str:
        """Every object of every run of this kind."""
        return f"{self.root}{self.kind.resource}/"

    def build_prefix(self, namespace: str, name: str) -> str:
        """All archived incarnations (uids) of one run name."""
        return f"{self.objects_prefix()}{namespace_name(namespace)}/{run_name(name)}/"

    def object_prefix(self, ref: BuildRef) -> str:
        return f"{self.build_prefix(ref.namespace, ref.name)}{ref.uid}/"

    def log_key(self, ref: BuildRef, step: str | None = None) -> str:
        """The run's log, or with ``step`` that step's log."""
        if step is None:
            return self.object_prefix(ref) + LOG_OBJECT
        return f"{self.object_prefix(ref)}{STEP_LOGS}/{step_name(step)}{STEP_LOG_SUFFIX}"

    def metadata_key(self, ref: BuildRef) -> str:
        return self.object_prefix(ref) + self.kind.document

    def parse_object_key(self, key: str) -> tuple[BuildRef, str]:
        """``<resource>/<ns>/<name>/<uid>/<object>`` → (ref, object path below the uid)."""
        parts = self._relative(key, f"{self.kind.resource}/").split("/")
        if len(parts) == 4 and parts[3] in (LOG_OBJECT, self.kind.document):
            return BuildRef(parts[0], parts[1], parts[2]), parts[3]
        if (
            len(parts) == 5
            and parts[3] == STEP_LOGS
            and parts[4].endswith(STEP_LOG_SUFFIX)
            and is_label(parts[4][: -len(STEP_LOG_SUFFIX)])
        ):
            return BuildRef(parts[0], parts[1], parts[2]), f"{parts[3]}/{parts[4]}"
        raise InvalidKeyError(f"{key[:200]!r} is not a {self.kind.resource} object key")

    # -- status documents (outside the runs and index/: no listing or check reads them)
    def status_key(self, component: str) -> str:
        """Where ``component`` (a fixed word such as "sweep") records its last run."""
        return f"{self.root}status/{_check(validate_label, component, 'component')}.json"

    # -- index
    def namespaces_prefix(self) -> str:
        """Delimiter-list this: the common prefixes are the namespaces."""
        return f"{self.index_root}ns/"

    def namespace_index_prefix(self, namespace: str) -> str:
        return f"{self.namespaces_prefix()}{namespace_name(namespace)}/"

    def buildconfigs_prefix(self, namespace: str) -> str:
        """Delimiter-list this: the common prefixes are the groups (BuildConfigs, ...)."""
        return f"{self.index_root}{self.kind.group_axis}/{namespace_name(namespace)}/"

    def buildconfig_index_prefix(self, namespace: str, buildconfig: str) -> str:
        return f"{self.buildconfigs_prefix(namespace)}{run_name(buildconfig, 'group')}/"

    def phase_index_prefix(self, namespace: str, phase: str) -> str:
        return f"{self.index_root}phase/{namespace_name(namespace)}/{self.kind.phase(phase)}/"

    def buildconfig_phase_index_prefix(self, namespace: str, buildconfig: str, phase: str) -> str:
        return (
            f"{self.index_root}{self.kind.group_axis}-phase/{namespace_name(namespace)}/"
            f"{run_name(buildconfig, 'group')}/{self.kind.phase(phase)}/"
        )

    def commit_index_prefix(self, commit: str, *, allow_prefix: bool = False) -> str:
        """For a full sha the entries of that commit; for a prefix (≥ 7) all matching."""
        try:
            sha = validate_commit(commit, allow_prefix=allow_prefix)
        except ValueError as exc:
            raise InvalidNameError(str(exc)) from None
        base = f"{self.index_root}commit/{sha}"
        return base if allow_prefix else base + "/"

    def ref_index_prefix(self, ref: str, namespace: str | None = None) -> str:
        """The entries of a git branch or tag, of every namespace or of one."""
        base = f"{self.index_root}ref/{encode_git_ref(git_ref(ref))}/"
        return base if namespace is None else f"{base}{namespace_name(namespace)}/"

    def index_keys(
        self, namespace: str, entry: IndexEntry, commit: str | None, ref: str | None = None
    ) -> list[str]:
        """Every index key a run is listed under."""
        self.kind.phase(entry.phase)
        segment = entry.encode()
        keys = [
            self.namespace_index_prefix(namespace) + segment,
            self.phase_index_prefix(namespace, entry.phase) + segment,
        ]
        if entry.group is not None:
            group = entry.group
            keys.append(self.buildconfig_index_prefix(namespace, group) + segment)
            keys.append(
                self.buildconfig_phase_index_prefix(namespace, group, entry.phase) + segment
            )
        if commit is not None:
            keys.append(f"{self.commit_index_prefix(commit)}{namespace_name(namespace)}/{segment}")
        if ref is not None:
            keys.append(self.ref_index_prefix(ref, namespace) + segment)
        return keys

    def parse_index_key(self, key: str) -> tuple[str, IndexEntry]:
        """Any index key of this kind → (namespace, entry)."""
        parts = key[len(self.index_root) :].split("/") if key.startswith(self.index_root) else []
        axis = self.kind.group_axis
        # <axis>/...: how many levels each axis has, and where the namespace sits
        shapes = {
            "ns": (3, 1),
            axis: (4, 1),
            "phase": (4, 1),
            "commit": (4, 2),
            "ref": (4, 2),
            f"{axis}-phase": (5, 1),
        }
        shape = shapes.get(parts[0]) if parts else None
        if shape is None or len(parts) != shape[0]:
            raise InvalidKeyError(f"{key[:200]!r} is not a {self.kind.resource} index key")
        namespace, entry = namespace_name(parts[shape[1]]), IndexEntry.decode(parts[-1])
        try:
            self.kind.phase(entry.phase)
        except InvalidNameError:
            raise InvalidKeyError(f"{key[:200]!r} has a phase its kind does not have") from None
        return namespace, entry

    def _relative(self, key: str, section: str) -> str:
        start = self.root + section
        if not key.startswith(start):
            raise InvalidKeyError(f"{key[:200]!r} is not under {start!r}")
        return key[len(start) :]


def child_names(prefixes: list[str], parent: str) -> list[str]:
    """Common prefixes of a delimiter listing → the names one level below ``parent``."""
    names = []
    for common in prefixes:
        name = common[len(parent) :].rstrip("/")
        if common.startswith(parent) and (is_label(name) or is_subdomain(name)):
            names.append(name)
    return names
