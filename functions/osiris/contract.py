"""What osiris needs from its surroundings, stated once.

The deployment manifests (``eventing/``, ``openshift/``, ``func.yaml``) must agree with
these facts; the manifest tests compare them against this module rather than against a
second hand-written list.
"""

from __future__ import annotations

from dataclasses import dataclass

from osiris.kinds import KINDS
from osiris.kinds.base import Kind

# functions-framework: one source file, one target per Knative Service.
FUNCTION_SOURCE = "functions/main.py"
ARCHIVE_TARGET = "archive"
LOOKUP_TARGET = "lookup"
SWEEP_TARGET = "sweep"
SIGNATURE_TYPES = {ARCHIVE_TARGET: "cloudevent", LOOKUP_TARGET: "http", SWEEP_TARGET: "cloudevent"}

# What a Knative PingSource sends on its schedule (knative/eventing pkg/apis/sources/v1).
PING_EVENT_TYPE = "dev.knative.sources.ping"


def api_group(api_version: str) -> str:
    """An ``apiVersion``'s group: "build.openshift.io/v1" → "build.openshift.io", "v1" → ""."""
    group, _, _version = api_version.rpartition("/")
    return group


def _kinds_in(group: str) -> tuple[Kind, ...]:
    return tuple(kind for kind in KINDS if api_group(kind.api_version) == group)


# The objects the archive function is told about: every kind of osiris.kinds.KINDS.
BUILD_API_GROUP = "build.openshift.io"
BUILD_KINDS = _kinds_in(BUILD_API_GROUP)
(_BUILD,) = BUILD_KINDS
BUILD_API_VERSION = _BUILD.api_version
BUILD_KIND = _BUILD.kind
BUILD_RESOURCE = _BUILD.keys.resource
# TaskRuns and PipelineRuns: served only where OpenShift Pipelines is installed.
TEKTON_API_GROUP = "tekton.dev"
TEKTON_KINDS = _kinds_in(TEKTON_API_GROUP)


@dataclass(frozen=True)
class WatchedKinds:
    """One ApiServerSource (its ``metadata.name``) and the kinds it watches.

    One source per API group: a source listing a kind the cluster does not serve never
    becomes ready, so the Tekton kinds must not share the Builds' source.
    """

    source: str
    kinds: tuple[Kind, ...]


API_SERVER_SOURCES = (
    WatchedKinds("osiris-builds", BUILD_KINDS),
    WatchedKinds("osiris-tekton", TEKTON_KINDS),
)

# ApiServerSource event types (knative/eventing pkg/adapter/apiserver/events).
RESOURCE_EVENT_TYPES = (
    "dev.knative.apiserver.resource.add",
    "dev.knative.apiserver.resource.update",
    "dev.knative.apiserver.resource.delete",
)
REFERENCE_EVENT_TYPES = (
    "dev.knative.apiserver.ref.add",
    "dev.knative.apiserver.ref.update",
    "dev.knative.apiserver.ref.delete",
)
ARCHIVE_EVENT_TYPES = RESOURCE_EVENT_TYPES + REFERENCE_EVENT_TYPES


@dataclass(frozen=True)
class Permission:
    api_group: str
    resource: str
    verbs: tuple[str, ...]


def _on_kinds(kinds: tuple[Kind, ...], verbs: tuple[str, ...]) -> tuple[Permission, ...]:
    return tuple(Permission(api_group(k.api_version), k.keys.resource, verbs) for k in kinds)


# A Build's log is its subresource; a TaskRun's step logs are its pod's containers' logs.
BUILD_LOG_PERMISSION = Permission(BUILD_API_GROUP, f"{BUILD_RESOURCE}/log", ("get",))
POD_LOG_PERMISSION = Permission("", "pods/log", ("get",))

# What the archive function's service account does against the cluster API: read the run
# (a PipelineRun's TaskRuns too) and its logs.
ARCHIVE_PERMISSIONS = (
    *_on_kinds(BUILD_KINDS, ("get",)),
    BUILD_LOG_PERMISSION,
    *_on_kinds(TEKTON_KINDS, ("get",)),
    POD_LOG_PERMISSION,
)
# What the sweep's service account does: find the watched namespaces (cluster scope) ...
SWEEP_CLUSTER_PERMISSIONS = (Permission("", "namespaces", ("list",)),)
# ... and, in each of them, list every kind and archive the missing runs like the archive.
# Its API discovery (GET /apis/tekton.dev/v1) needs no grant: the default
# system:discovery role allows it to every authenticated user.
SWEEP_PERMISSIONS = (
    *_on_kinds(BUILD_KINDS, ("get", "list")),
    BUILD_LOG_PERMISSION,
    *_on_kinds(TEKTON_KINDS, ("get", "list")),
    POD_LOG_PERMISSION,
)
# What the ApiServerSources' one service account needs to watch every kind.
SOURCE_PERMISSIONS = tuple(
    permission
    for watched in API_SERVER_SOURCES
    for permission in _on_kinds(watched.kinds, ("get", "list", "watch"))
)
# What a lookup user must be allowed, checked with a SubjectAccessReview per namespace.
LOOKUP_USER_PERMISSION = Permission(BUILD_API_GROUP, "builds/log", ("get",))
# The lookup function's service account calls TokenReview/SubjectAccessReview.
LOOKUP_CLUSTER_ROLE = "system:auth-delegator"
