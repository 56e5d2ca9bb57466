"""What osiris needs from its surroundings, stated once.

The deployment manifests (``eventing/``, ``openshift/``, ``func.yaml``) must agree with
these facts; the manifest tests compare them against this module rather than against a
second hand-written list.
"""

from __future__ import annotations

from dataclasses import dataclass

# functions-framework: one source file, one target per Knative Service.
FUNCTION_SOURCE = "functions/main.py"
ARCHIVE_TARGET = "archive"
LOOKUP_TARGET = "lookup"
SWEEP_TARGET = "sweep"
SIGNATURE_TYPES = {ARCHIVE_TARGET: "cloudevent", LOOKUP_TARGET: "http", SWEEP_TARGET: "cloudevent"}

# What a Knative PingSource sends on its schedule (knative/eventing pkg/apis/sources/v1).
PING_EVENT_TYPE = "dev.knative.sources.ping"

# The objects the archive function is told about.
BUILD_API_GROUP = "build.openshift.io"
BUILD_API_VERSION = "build.openshift.io/v1"
BUILD_KIND = "Build"
BUILD_RESOURCE = "builds"

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


# What the archive function's service account does against the cluster API.
ARCHIVE_PERMISSIONS = (
    Permission(BUILD_API_GROUP, "builds", ("get",)),
    Permission(BUILD_API_GROUP, "builds/log", ("get",)),
)
# What the sweep's service account does: find the watched namespaces (cluster scope) ...
SWEEP_CLUSTER_PERMISSIONS = (Permission("", "namespaces", ("list",)),)
# ... and, in each of them, list the builds and archive the missing ones like the archive.
SWEEP_PERMISSIONS = (
    Permission(BUILD_API_GROUP, "builds", ("get", "list")),
    Permission(BUILD_API_GROUP, "builds/log", ("get",)),
)
# What the ApiServerSource's service account needs to watch builds.
SOURCE_PERMISSIONS = (Permission(BUILD_API_GROUP, "builds", ("get", "list", "watch")),)
# What a lookup user must be allowed, checked with a SubjectAccessReview per namespace.
LOOKUP_USER_PERMISSION = Permission(BUILD_API_GROUP, "builds/log", ("get",))
# The lookup function's service account calls TokenReview/SubjectAccessReview.
LOOKUP_CLUSTER_ROLE = "system:auth-delegator"
