"""Who the simulated API server thinks a caller is, and what they may do.

Usage::

    from osiris.simulator.auth import AccessPolicy, User

    tokens = {"sha256~alice": User("alice", groups=("devs",)),
              "sha256~archiver": User("system:serviceaccount:osiris:archive")}
    policy = (AccessPolicy()
              .allow("alice", namespaces=["shop"], resources=["builds", "builds/log"])
              .allow("group:devs", namespaces=["web"], resources=["builds/log"], verbs=["get"])
              .allow("system:serviceaccount:osiris:archive", resources=["builds", "builds/log"])
              .allow("system:serviceaccount:osiris:lookup",
                     resources=["tokenreviews", "subjectaccessreviews"], verbs=["create"]))
    policy.allows(User("alice"), "get", "builds/log", "shop")   # True

A subject is a user name, ``group:<name>``, or ``*`` (everybody authenticated).
``namespaces="*"`` also covers cluster-scope requests (lists across all namespaces).
Resources are plural names with an optional subresource (``builds/log``); the API
group is not part of a rule because every resource name here is unique.

A user may carry OpenShift OAuth scopes (``User("alice", scopes=("user:info",))``): the
TokenReview reports them in ``extra``, and a SubjectAccessReview that passes them on is
allowed only for ``user:full``, as OpenShift's scope authorizer does for every resource
outside the ``user:*`` scopes' own few (``role:`` scopes are not modelled: refused).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

AUTHENTICATED_GROUP = "system:authenticated"
SCOPES_EXTRA = "scopes.authorization.openshift.io"
FULL_SCOPE = "user:full"
READ_VERBS = ("get", "list", "watch")


@dataclass(frozen=True)
class User:
    """An authenticated identity as TokenReview reports it."""

    username: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    # An OpenShift OAuth token's scopes (TokenReview: extra[SCOPES_EXTRA]); () is unscoped.
    scopes: tuple[str, ...] = ()

    @property
    def all_groups(self) -> tuple[str, ...]:
        return (
            self.groups
            if AUTHENTICATED_GROUP in self.groups
            else (*self.groups, AUTHENTICATED_GROUP)
        )


@dataclass(frozen=True)
class Rule:
    subject: str
    namespaces: frozenset[str] | None  # None: every namespace and the cluster scope
    resources: frozenset[str]
    verbs: frozenset[str]

    def matches(
        self, username: str, groups: Iterable[str], verb: str, resource: str, namespace: str
    ) -> bool:
        group = self.subject.removeprefix("group:") if self.subject.startswith("group:") else None
        if self.subject not in ("*", username) and (group is None or group not in set(groups)):
            return False
        if "*" not in self.verbs and verb not in self.verbs:
            return False
        if "*" not in self.resources and resource not in self.resources:
            return False
        return self.namespaces is None or namespace in self.namespaces


class AccessPolicy:
    """An allow-list of rules; everything not allowed is forbidden."""

    def __init__(self) -> None:
        self._rules: list[Rule] = []

    @classmethod
    def allow_all(cls) -> AccessPolicy:
        return cls().allow("*", resources=["*"], verbs=["*"])

    def allow(
        self,
        subject: str,
        *,
        namespaces: Iterable[str] | str = "*",
        resources: Iterable[str] = ("builds", "builds/log", "buildconfigs"),
        verbs: Iterable[str] = READ_VERBS,
    ) -> AccessPolicy:
        scope = (
            None
            if namespaces == "*"
            else frozenset([namespaces] if isinstance(namespaces, str) else namespaces)
        )
        self._rules.append(Rule(subject, scope, frozenset(resources), frozenset(verbs)))
        return self

    def allows(
        self,
        user: User | str,
        verb: str,
        resource: str,
        namespace: str = "",
        groups: Iterable[str] | None = None,
    ) -> bool:
        username = user.username if isinstance(user, User) else user
        all_groups = list(groups or ()) + list(user.all_groups if isinstance(user, User) else ())
        if AUTHENTICATED_GROUP not in all_groups:
            all_groups.append(AUTHENTICATED_GROUP)
        return any(
            rule.matches(username, all_groups, verb, resource, namespace) for rule in self._rules
        )

    def reason(self, user: str, verb: str, resource: str, namespace: str) -> str:
        """The RBAC-style sentence the server puts in an allowed SubjectAccessReview."""
        where = f' in namespace "{namespace}"' if namespace else ""
        return f'RBAC: allowed by simulated policy to User "{user}" to {verb} {resource}{where}'
