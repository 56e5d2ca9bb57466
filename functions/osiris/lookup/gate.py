"""The auth gate of one request: who is asking, and may they read a namespace.

With AUTH=openshift a request may only ask about the cluster the function runs in
(``home_cluster``): the SubjectAccessReview is answered by this cluster's RBAC, and a
namespace of the same name in another cluster may belong to somebody else entirely, so
this cluster cannot vouch for it. Another cluster's archives are read through the
lookup function of that cluster. With AUTH=none every cluster in the bucket is served.

Behind the oauth-proxy sidecar (``trust_forwarded_token``) the proxy passes the logged-in
user's token as X-Forwarded-Access-Token over loopback. The peer is the socket's own
address (``remote_addr``; nothing here honours X-Forwarded-For), so a request that reaches
the function's port from anywhere else cannot use that header. The header is a token,
reviewed by the cluster like any other, never an identity: X-Forwarded-User is ignored.
"""

from __future__ import annotations

from flask import g, request

from osiris.errors import PermissionDeniedError
from osiris.lookup import params
from osiris.lookup.auth import (
    FORWARDED_TOKEN_HEADER,
    AccessReviewer,
    Credential,
    OpenAccess,
    User,
    is_loopback,
    proxy_session_user,
    request_token,
)


class Gate:
    """``reviewer`` None is AUTH=none: every request passes as an anonymous user."""

    def __init__(
        self,
        reviewer: AccessReviewer | None,
        home_cluster: str,
        *,
        trust_forwarded_token: bool = False,
    ) -> None:
        self._reviewer = reviewer
        self._home_cluster = home_cluster
        self._trust_forwarded_token = trust_forwarded_token

    @property
    def enabled(self) -> bool:
        return self._reviewer is not None

    @property
    def home_cluster(self) -> str:
        return self._home_cluster

    def user(self) -> User:
        if self._reviewer is None:
            return OpenAccess.ANONYMOUS
        cached: User | None = g.get("user")
        if cached is None:
            credential = self._credential()
            cached = self._reviewer.authenticate(credential.token)
            if credential.forwarded:
                cached = proxy_session_user(cached)
            g.user = cached
        return cached

    def _credential(self) -> Credential:
        trusted = self._trust_forwarded_token and is_loopback(request.remote_addr)
        return request_token(
            request.headers.get("Authorization"),
            request.headers.get(FORWARDED_TOKEN_HEADER),
            trust_forwarded=trusted,
        )

    def may_read_cluster(self, cluster: str) -> bool:
        return self._reviewer is None or cluster == self._home_cluster

    def cluster(self, query: params.Query) -> str:
        """The cluster a request asks about: 401, then 400, then 403 (see the module)."""
        self.user()
        cluster = params.cluster(query, self._home_cluster)
        if not self.may_read_cluster(cluster):
            raise PermissionDeniedError(
                "with OpenShift auth this function serves only the cluster it runs in; "
                "ask the lookup function of the other cluster"
            )
        return cluster

    def may_read(self, user: User, namespace: str) -> bool:
        return self._reviewer is None or self._reviewer.may_read_logs(user, namespace)

    def namespace(self, raw: str) -> str:
        """A namespace the caller may read: 401, then 400, then 403 — nobody learns
        anything about names without a valid token."""
        user = self.user()
        namespace = params.namespace(raw)
        if not self.may_read(user, namespace):
            raise PermissionDeniedError("you may not read build logs in this namespace")
        return namespace
