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

An ``<entry>`` is one path segment that carries everything a list view shows
(:mod:`osiris.core.indexentry`); run names and references are :mod:`osiris.core.refs`.
"""

from __future__ import annotations

from dataclasses import dataclass

from osiris.core.indexentry import IndexEntry
from osiris.core.names import (
    encode_git_ref,
    is_label,
    is_subdomain,
    validate_commit,
    validate_label,
    validate_prefix,
)
from osiris.core.refs import (
    BuildRef,
    buildconfig_name,
    check_name,
    git_ref,
    namespace_name,
    run_name,
    step_name,
)
from osiris.errors import InvalidKeyError, InvalidNameError

# Re-exported: most modules import BuildRef and IndexEntry, and the kinds call the name
# checks as keys.<check>(), from here.
__all__ = [
    "BUILD_KEYS",
    "LAYOUT_VERSION",
    "LOG_OBJECT",
    "METADATA_OBJECT",
    "STEP_LOGS",
    "STEP_LOG_SUFFIX",
    "TERMINAL_PHASES",
    "BuildRef",
    "IndexEntry",
    "KeyLayout",
    "KindKeys",
    "buildconfig_name",
    "child_names",
    "git_ref",
    "namespace_name",
    "run_name",
    "step_name",
]

LAYOUT_VERSION = "v1"
LOG_OBJECT = "log.gz"
STEP_LOGS = "steps"
STEP_LOG_SUFFIX = ".log.gz"
METADATA_OBJECT = "build.json"
TERMINAL_PHASES = ("Complete", "Failed", "Error", "Cancelled")


# The levels right under index/ that the Builds' layout uses.
_BUILD_AXES = frozenset({"ns", "bc", "phase", "bc-phase", "commit", "ref"})


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
        return f"{self.root}status/{check_name(validate_label, component, 'component')}.json"

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
