"""The key layout: the bucket is the index.

Writer (archive) and reader (lookup) share these pure functions; ``docs/key-layout.md``
explains the design. Everything lives under ``<prefix>/v1/<cluster>/``::

    builds/<ns>/<name>/<uid>/log.gz        the log, gzip (Content-Encoding: gzip)
    builds/<ns>/<name>/<uid>/build.json    the metadata document, written last
    index/ns/<ns>/<entry>                  one empty object per build, newest first
    index/bc/<ns>/<bc>/<entry>             the same entry under its BuildConfig
    index/phase/<ns>/<phase>/<entry>       ... under its phase
    index/bc-phase/<ns>/<bc>/<phase>/<entry>  ... under its BuildConfig and phase
    index/commit/<sha>/<ns>/<entry>        the same entry under its git commit

An ``<entry>`` is one path segment whose fields are joined by ``_`` (a character no
DNS-1123 name can hold)::

    <inverted created>_<name>_<phase>_<number>_<bc>_<started>_<completed>_<log bytes>_<uid>
    ... _<finding>                           when the log produced a finding (its rule id)

``inverted created`` is ``9999999999 - creation time in epoch seconds``, zero-padded, so
a plain ascending listing returns the newest build first, and a list view needs nothing
but the listing: phase, times and log size are in the key. Absent values are ``-``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from osiris.core.names import (
    is_label,
    is_subdomain,
    validate_commit,
    validate_label,
    validate_prefix,
    validate_subdomain,
    validate_uid,
)
from osiris.errors import InvalidKeyError, InvalidNameError

LAYOUT_VERSION = "v1"
LOG_OBJECT = "log.gz"
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


def uid(value: str) -> str:
    return _check(validate_uid, value, "uid")


def finding_rule(value: str) -> str:
    return _check(validate_label, value, "finding rule id")


def _phase(value: str) -> str:
    if value not in TERMINAL_PHASES:
        raise InvalidNameError(f"phase must be one of {', '.join(TERMINAL_PHASES)}")
    return value


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


@dataclass(frozen=True)
class IndexEntry:
    """Everything a list view shows about a build, carried in one key segment."""

    created: int
    name: str
    phase: str
    uid: str
    number: int | None = None
    buildconfig: str | None = None
    started: int | None = None
    completed: int | None = None
    log_bytes: int | None = None  # None: the log could not be archived
    finding: str | None = None  # the rule id of the most severe finding in the log

    def __post_init__(self) -> None:
        build_name(self.name)
        uid(self.uid)
        if self.finding is not None:
            finding_rule(self.finding)
        if self.buildconfig is not None:
            buildconfig_name(self.buildconfig)
        if self.phase not in TERMINAL_PHASES:
            raise InvalidKeyError(f"phase {self.phase!r} is not a terminal build phase")
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
            opt(self.buildconfig),
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
            buildconfig=None if bc == _ABSENT else bc,
            started=opt_int(started),
            completed=opt_int(completed),
            log_bytes=opt_int(log_bytes),
            finding=finding,
        )


@dataclass(frozen=True)
class KeyLayout:
    """Builds and parses every key of one cluster under one prefix."""

    prefix: str
    cluster: str

    def __post_init__(self) -> None:
        try:
            validate_prefix(self.prefix)
            validate_label(self.cluster, "cluster")
        except ValueError as exc:
            raise InvalidNameError(str(exc)) from None

    @property
    def root(self) -> str:
        return f"{self.prefix.strip('/')}/{LAYOUT_VERSION}/{self.cluster}/"

    @staticmethod
    def clusters_prefix(prefix: str) -> str:
        """Delimiter-list this to learn which clusters share the bucket."""
        return f"{prefix.strip('/')}/{LAYOUT_VERSION}/"

    # -- objects of one build
    def build_prefix(self, namespace: str, name: str) -> str:
        """All archived incarnations (uids) of one build name."""
        return f"{self.root}builds/{namespace_name(namespace)}/{build_name(name)}/"

    def object_prefix(self, ref: BuildRef) -> str:
        return f"{self.build_prefix(ref.namespace, ref.name)}{ref.uid}/"

    def log_key(self, ref: BuildRef) -> str:
        return self.object_prefix(ref) + LOG_OBJECT

    def metadata_key(self, ref: BuildRef) -> str:
        return self.object_prefix(ref) + METADATA_OBJECT

    def parse_object_key(self, key: str) -> tuple[BuildRef, str]:
        """``builds/<ns>/<name>/<uid>/<object>`` → (ref, object name)."""
        parts = self._relative(key, "builds/").split("/")
        if len(parts) != 4 or parts[3] not in (LOG_OBJECT, METADATA_OBJECT):
            raise InvalidKeyError(f"{key[:200]!r} is not a build object key")
        return BuildRef(parts[0], parts[1], parts[2]), parts[3]

    # -- status documents (outside builds/ and index/: no listing or check reads them)
    def status_key(self, component: str) -> str:
        """Where ``component`` (a fixed word such as "sweep") records its last run."""
        return f"{self.root}status/{_check(validate_label, component, 'component')}.json"

    # -- index
    def namespaces_prefix(self) -> str:
        """Delimiter-list this: the common prefixes are the namespaces."""
        return f"{self.root}index/ns/"

    def namespace_index_prefix(self, namespace: str) -> str:
        return f"{self.namespaces_prefix()}{namespace_name(namespace)}/"

    def buildconfigs_prefix(self, namespace: str) -> str:
        """Delimiter-list this: the common prefixes are the BuildConfigs."""
        return f"{self.root}index/bc/{namespace_name(namespace)}/"

    def buildconfig_index_prefix(self, namespace: str, buildconfig: str) -> str:
        return f"{self.buildconfigs_prefix(namespace)}{buildconfig_name(buildconfig)}/"

    def phase_index_prefix(self, namespace: str, phase: str) -> str:
        return f"{self.root}index/phase/{namespace_name(namespace)}/{_phase(phase)}/"

    def buildconfig_phase_index_prefix(self, namespace: str, buildconfig: str, phase: str) -> str:
        return (
            f"{self.root}index/bc-phase/{namespace_name(namespace)}/"
            f"{buildconfig_name(buildconfig)}/{_phase(phase)}/"
        )

    def commit_index_prefix(self, commit: str, *, allow_prefix: bool = False) -> str:
        """For a full sha the entries of that commit; for a prefix (≥ 7) all matching."""
        try:
            sha = validate_commit(commit, allow_prefix=allow_prefix)
        except ValueError as exc:
            raise InvalidNameError(str(exc)) from None
        base = f"{self.root}index/commit/{sha}"
        return base if allow_prefix else base + "/"

    def index_keys(self, namespace: str, entry: IndexEntry, commit: str | None) -> list[str]:
        """Every index key a build is listed under."""
        segment = entry.encode()
        keys = [
            self.namespace_index_prefix(namespace) + segment,
            self.phase_index_prefix(namespace, entry.phase) + segment,
        ]
        if entry.buildconfig is not None:
            bc = entry.buildconfig
            keys.append(self.buildconfig_index_prefix(namespace, bc) + segment)
            keys.append(self.buildconfig_phase_index_prefix(namespace, bc, entry.phase) + segment)
        if commit is not None:
            keys.append(f"{self.commit_index_prefix(commit)}{namespace_name(namespace)}/{segment}")
        return keys

    def parse_index_key(self, key: str) -> tuple[str, IndexEntry]:
        """Any index key → (namespace, entry)."""
        parts = self._relative(key, "index/").split("/")
        # index/<kind>/...: where the namespace sits, and how many levels each kind has
        shapes = {"ns": (3, 1), "bc": (4, 1), "phase": (4, 1), "commit": (4, 2), "bc-phase": (5, 1)}
        shape = shapes.get(parts[0])
        if shape is not None and len(parts) == shape[0]:
            namespace, segment = parts[shape[1]], parts[-1]
        else:
            raise InvalidKeyError(f"{key[:200]!r} is not an index key")
        return namespace_name(namespace), IndexEntry.decode(segment)

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
