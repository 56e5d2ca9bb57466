"""The auth gate of one request: who is asking, and may they read a namespace."""

from __future__ import annotations

from flask import g, request

from osiris.errors import PermissionDeniedError
from osiris.lookup import params
from osiris.lookup.auth import AccessReviewer, OpenAccess, User, bearer_token


class Gate:
    """``reviewer`` None is AUTH=none: every request passes as an anonymous user."""

    def __init__(self, reviewer: AccessReviewer | None) -> None:
        self._reviewer = reviewer

    @property
    def enabled(self) -> bool:
        return self._reviewer is not None

    def user(self) -> User:
        if self._reviewer is None:
            return OpenAccess.ANONYMOUS
        cached: User | None = g.get("user")
        if cached is None:
            token = bearer_token(request.headers.get("Authorization"))
            cached = self._reviewer.authenticate(token)
            g.user = cached
        return cached

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
