"""The kinds of run osiris archives, registered once.

Each module knows one kind (see :mod:`osiris.kinds.base`); everything else looks a
kind up here. Adding a kind: write its module, add it to :data:`KINDS`, watch it in the
ApiServerSource (``eventing/``) and grant its RBAC (``osiris.contract``).
"""

from __future__ import annotations

from osiris.kinds.base import Kind
from osiris.kinds.build import BUILD
from osiris.kinds.pipelinerun import PIPELINERUN
from osiris.kinds.taskrun import TASKRUN

__all__ = [
    "ALL_PHASES",
    "BUILD",
    "KINDS",
    "PIPELINERUN",
    "TASKRUN",
    "Kind",
    "by_resource",
    "kind_of",
]

KINDS: tuple[Kind, ...] = (BUILD, TASKRUN, PIPELINERUN)
# Every phase any kind files a run under, in a stable order.
ALL_PHASES: tuple[str, ...] = tuple(dict.fromkeys(p for kind in KINDS for p in kind.keys.phases))
_BY_OBJECT = {(kind.api_version, kind.kind): kind for kind in KINDS}
_BY_RESOURCE = {kind.keys.resource: kind for kind in KINDS}


def kind_of(api_version: str, kind: str) -> Kind | None:
    """The registered kind of an object, None when osiris does not archive it."""
    return _BY_OBJECT.get((api_version, kind))


def by_resource(resource: str) -> Kind:
    """``"taskruns"`` → the TaskRun kind; KeyError for an unknown resource."""
    return _BY_RESOURCE[resource]
