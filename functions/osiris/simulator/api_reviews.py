"""The simulated API server's TokenReview and SubjectAccessReview (a mixin of its handler).

``POST /apis/authentication.k8s.io/v1/tokenreviews`` answers from the server's token table;
``POST /apis/authorization.k8s.io/v1/subjectaccessreviews`` from its
:class:`~osiris.simulator.auth.AccessPolicy` (a scoped token's scopes honoured, as the
OpenShift authorizer does). Both are authorised as ``create`` for the caller.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from osiris.simulator.auth import FULL_SCOPE, SCOPES_EXTRA
from osiris.simulator.errors import ClusterError, bad_request

JSON = dict[str, Any]


class ReviewHandlers:
    if TYPE_CHECKING:
        sim: Any

        def _authorize(self, verb: str, resource: str, namespace: str, name: str = "") -> None: ...
        def _send_json(self, code: int, body: JSON, headers: Any = None) -> None: ...

    def _review_body(self, body: bytes, kind: str, api_version: str) -> JSON:
        try:
            review = json.loads(body or b"null")
        except json.JSONDecodeError as exc:
            raise bad_request(f"error decoding request body: {exc}") from None
        if not isinstance(review, dict) or not isinstance(review.get("spec"), dict):
            raise ClusterError(
                422,
                "Invalid",
                f'{kind}.{api_version.split("/", maxsplit=1)[0]} "" is invalid: spec: Required value',
                {"kind": kind, "group": api_version.split("/", maxsplit=1)[0]},
            )
        review["kind"], review["apiVersion"] = kind, api_version
        review.setdefault("metadata", {})["creationTimestamp"] = None
        return review

    def _h_token_review(self, body: bytes) -> None:
        self._authorize("create", "tokenreviews", "")
        review = self._review_body(body, "TokenReview", "authentication.k8s.io/v1")
        token = review["spec"].get("token") or ""
        user = (self.sim.tokens or {}).get(token)
        status: JSON
        if user is None:
            status = {"user": {}, "error": "[invalid bearer token, token lookup failed]"}
        else:
            status = {
                "authenticated": True,
                "user": {
                    "username": user.username,
                    "uid": user.uid,
                    "groups": list(user.all_groups),
                },
            }
            if user.scopes:
                status["user"]["extra"] = {SCOPES_EXTRA: list(user.scopes)}
            if review["spec"].get("audiences"):
                status["audiences"] = review["spec"]["audiences"]
        review["status"] = status
        self._send_json(201, review)

    def _h_access_review(self, body: bytes) -> None:
        self._authorize("create", "subjectaccessreviews", "")
        review = self._review_body(body, "SubjectAccessReview", "authorization.k8s.io/v1")
        spec = review["spec"]
        attributes = spec.get("resourceAttributes")
        user = spec.get("user") or ""
        if not isinstance(attributes, dict) or not user:
            raise ClusterError(
                422,
                "Invalid",
                'SubjectAccessReview.authorization.k8s.io "" is invalid: [spec.resourceAttributes: Required value, '
                'spec.user: Invalid value: "": at least one of user or group must be specified]',
                {"kind": "SubjectAccessReview", "group": "authorization.k8s.io"},
            )
        resource = attributes.get("resource", "")
        if attributes.get("subresource"):
            resource = f"{resource}/{attributes['subresource']}"
        verb = attributes.get("verb", "")
        namespace = attributes.get("namespace", "")
        scopes = (spec.get("extra") or {}).get(SCOPES_EXTRA)
        allowed = (not scopes or FULL_SCOPE in scopes) and self.sim.policy.allows(
            user, verb, resource, namespace, groups=spec.get("groups") or []
        )
        review["status"] = (
            {"allowed": True, "reason": self.sim.policy.reason(user, verb, resource, namespace)}
            if allowed
            else {"allowed": False}
        )
        self._send_json(201, review)
