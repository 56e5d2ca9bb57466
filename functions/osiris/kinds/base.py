"""What every kind of run tells osiris about itself. Pure: no I/O.

A kind (Build, TaskRun, PipelineRun, ...) is one module that knows how to read its
object, where in the cluster API its logs are, which group it belongs to (BuildConfig,
Task, Pipeline), how its status maps to a terminal phase, and what its metadata document
holds. The archive, the sweep, the lookup and the maintenance commands work on the
:class:`Kind` interface alone, so a new kind is a module plus its registration in
:mod:`osiris.kinds`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from osiris.core.keys import BuildRef, IndexEntry, KindKeys
from osiris.core.metadata import ArchivedLog, UnavailableLog
from osiris.core.views import KindView

LogResult = ArchivedLog | UnavailableLog


@dataclass(frozen=True)
class LogPart:
    """One log of a run: the run's only log (``step`` None) or one step's.

    ``path`` and ``query`` say where the cluster API serves it; ``unavailable`` says why
    it cannot be had when that is known without asking (a TaskRun that never got a pod).
    """

    step: str | None
    path: str
    query: tuple[tuple[str, str], ...] = ()
    unavailable: str | None = None


class RunFacts(Protocol):
    """What the archive needs of a parsed run, whatever its kind."""

    @property
    def ref(self) -> BuildRef: ...

    @property
    def phase(self) -> str: ...

    @property
    def finished(self) -> bool: ...

    @property
    def commit(self) -> str | None: ...

    @property
    def git_ref(self) -> str | None: ...

    @property
    def finished_at(self) -> datetime:
        """When it finished (else started, else was created): the sweep archives the oldest
        first, as they are pruned first."""

    def index_entry(self, log_bytes: int | None, finding: str | None = None) -> IndexEntry: ...

    def log_parts(self) -> tuple[LogPart, ...]: ...


@dataclass(frozen=True)
class IndexFields:
    """The kind-specific parts of a run's index entries, as its document records them.

    The rest (created, phase, times, log size, finding) has the same name in every
    kind's document.
    """

    group: str | None
    number: int | None
    commit: str | None
    git_ref: str | None


@dataclass(frozen=True)
class Archiving:
    """The facts of one archiving that go into every document."""

    cluster: str
    archived_at: datetime
    event_id: str
    event_type: str


class Kind(Protocol):
    """One kind of run; see the module docstring."""

    @property
    def kind(self) -> str:
        """The object's ``kind``: "Build", "TaskRun"."""

    @property
    def api_version(self) -> str:
        """The object's ``apiVersion``: "build.openshift.io/v1"."""

    @property
    def keys(self) -> KindKeys:
        """Where its objects and index live in the bucket."""

    @property
    def group_kind(self) -> str:
        """What its group is called: "BuildConfig", "Task", "Pipeline"."""

    @property
    def view(self) -> KindView:
        """How the lookup API names it: paths, fields, links."""

    def object_path(self, namespace: str, name: str) -> str:
        """The cluster API path of one object."""

    def list_path(self, namespace: str) -> str:
        """The cluster API path of a namespace's objects of this kind."""

    def parse(self, obj: Any) -> RunFacts:
        """Validate an object and extract its facts; InvalidEventError if unusable."""

    def document(
        self, facts: Any, logs: Mapping[str | None, LogResult], archiving: Archiving
    ) -> dict[str, Any]:
        """The metadata document (``facts`` is what :meth:`parse` returned)."""

    def index_fields(self, document: dict[str, Any]) -> IndexFields:
        """What a stored document of this kind says about its index entries."""

    def log_sections(self, document: dict[str, Any]) -> list[tuple[str | None, Any]]:
        """A stored document's log sections (``log`` of the document's shape), by step."""

    def children(self, document: dict[str, Any]) -> list[tuple[str, str]]:
        """The runs (resource, name) that belong to this one and expire with it."""
