"""The real :class:`~osiris.lookup.auth.AccessReviewer`: TokenReview and
SubjectAccessReview against the cluster API (the lookup function's service account
needs ``system:auth-delegator``).

The cluster client is built on first use, so a cold start that only answers
``/healthz`` never imports the kubernetes client.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from osiris.contract import LOOKUP_USER_PERMISSION
from osiris.errors import ApiRejectedError, AuthenticationError, ClusterUnavailableError
from osiris.lookup.auth import User

TOKEN_REVIEW_PATH = "/apis/authentication.k8s.io/v1/tokenreviews"  # noqa: S105 - a path
ACCESS_REVIEW_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews"


class JsonPoster(Protocol):
    def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]: ...


class KubeAccessReviewer:
    """``connect`` builds the cluster client; it is called once, on first use (a failed
    attempt is retried by the next request)."""

    def __init__(self, connect: Callable[[], JsonPoster]) -> None:
        self._connect = connect
        self._api: JsonPoster | None = None
        self._lock = threading.Lock()

    def _client(self) -> JsonPoster:
        with self._lock:
            if self._api is None:
                self._api = self._connect()
            return self._api

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._client().post_json(path, body)
        except ApiRejectedError as exc:
            # The cluster refused the review itself: the deployment is wrong. Deny by
            # answering 503 rather than guessing.
            raise ClusterUnavailableError(f"the cluster refused the review ({exc.code})") from None

    def authenticate(self, token: str) -> User:
        answer = self._post(
            TOKEN_REVIEW_PATH,
            {
                "apiVersion": "authentication.k8s.io/v1",
                "kind": "TokenReview",
                "spec": {"token": token},
            },
        )
        status = answer.get("status")
        if not isinstance(status, dict) or status.get("authenticated") is not True:
            raise AuthenticationError("the bearer token was not accepted by the cluster")
        user = status.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("username"), str):
            raise ClusterUnavailableError("the TokenReview answer names no user")
        groups = user.get("groups") or []
        extra = user.get("extra") or {}
        return User(
            username=user["username"],
            uid=str(user.get("uid") or ""),
            groups=tuple(str(group) for group in groups if isinstance(group, str)),
            extra=tuple(
                sorted(
                    (str(key), tuple(str(v) for v in values))
                    for key, values in extra.items()
                    if isinstance(values, list)
                )
            )
            if isinstance(extra, dict)
            else (),
        )

    def may_read_logs(self, user: User, namespace: str) -> bool:
        resource, _, subresource = LOOKUP_USER_PERMISSION.resource.partition("/")
        spec: dict[str, Any] = {
            "user": user.username,
            "groups": list(user.groups),
            "resourceAttributes": {
                "namespace": namespace,
                "verb": LOOKUP_USER_PERMISSION.verbs[0],
                "group": LOOKUP_USER_PERMISSION.api_group,
                "resource": resource,
                "subresource": subresource,
            },
        }
        if user.uid:
            spec["uid"] = user.uid
        if user.extra:
            # Scoped OpenShift tokens carry their scopes here; dropping them would
            # grant a scoped token its user's full rights.
            spec["extra"] = {key: list(values) for key, values in user.extra}
        answer = self._post(
            ACCESS_REVIEW_PATH,
            {
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SubjectAccessReview",
                "spec": spec,
            },
        )
        status = answer.get("status")
        if not isinstance(status, dict):
            raise ClusterUnavailableError("the SubjectAccessReview answer has no status")
        return status.get("allowed") is True
