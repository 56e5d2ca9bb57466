"""The simulated API server's authentication and authorization: tokens, RBAC, reviews, scopes."""

from __future__ import annotations

import json
from typing import Any

from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.cluster import SimulatedCluster

from .apiclient import BUILDS, LOG, get, status_of
from .conftest import ALICE_SCOPED_TOKEN, ALICE_TOKEN, REVIEWER_TOKEN, TOKENS


def test_callers_need_a_known_token_and_permission(
    server: SimulatedApiServer, cluster: SimulatedCluster
) -> None:
    cluster.start_build("ops", "tools")
    cluster.start_build("shop", "api")
    for token in (None, "sha256~unknown"):
        response = get(server, BUILDS.format(ns="shop"), token=token)
        assert response.status == 401
        assert status_of(response)["message"] == "Unauthorized"
    forbidden = get(server, LOG.format(ns="ops", name="tools-1"), token=ALICE_TOKEN)
    assert forbidden.status == 403
    assert status_of(forbidden) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'builds.build.openshift.io "tools-1" is forbidden: User "alice" cannot get resource '
        '"builds/log" in API group "build.openshift.io" in the namespace "ops"',
        "reason": "Forbidden",
        "details": {"name": "tools-1", "group": "build.openshift.io", "kind": "builds"},
        "code": 403,
    }
    cluster_wide = get(server, "/apis/build.openshift.io/v1/builds", token=ALICE_TOKEN)
    assert cluster_wide.status == 403 and status_of(cluster_wide)["message"].endswith(
        "at the cluster scope"
    )
    assert get(server, LOG.format(ns="shop", name="api-1"), token=ALICE_TOKEN).status == 200


def test_token_reviews(server: SimulatedApiServer) -> None:
    path = "/apis/authentication.k8s.io/v1/tokenreviews"
    review = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenReview",
        "spec": {"token": ALICE_TOKEN},
    }
    good = get(server, path, token=REVIEWER_TOKEN, method="POST", body=review)
    assert good.status == 201
    assert json.loads(good.data)["status"] == {
        "authenticated": True,
        "user": {
            "username": "alice",
            "uid": TOKENS[ALICE_TOKEN].uid,
            "groups": ["devs", "system:authenticated"],
        },
    }
    review = {**review, "spec": {"token": "sha256~forged"}}
    bad = json.loads(get(server, path, token=REVIEWER_TOKEN, method="POST", body=review).data)
    assert "authenticated" not in bad["status"] and bad["status"]["user"] == {}
    assert get(server, path, token=ALICE_TOKEN, method="POST", body=review).status == 403


def test_subject_access_reviews(server: SimulatedApiServer) -> None:
    path = "/apis/authorization.k8s.io/v1/subjectaccessreviews"

    def review(namespace: str) -> dict[str, Any]:
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": {
                "user": "alice",
                "groups": ["devs"],
                "resourceAttributes": {
                    "namespace": namespace,
                    "verb": "get",
                    "group": "build.openshift.io",
                    "resource": "builds",
                    "subresource": "log",
                },
            },
        }
        response = get(server, path, token=REVIEWER_TOKEN, method="POST", body=body)
        assert response.status == 201
        answer: dict[str, Any] = json.loads(response.data)
        assert answer["spec"] == body["spec"] and answer["kind"] == "SubjectAccessReview"
        status: dict[str, Any] = answer["status"]
        return status

    assert review("shop")["allowed"] is True
    assert review("ops") == {"allowed": False}
    invalid = get(server, path, token=REVIEWER_TOKEN, method="POST", body={"spec": {}})
    assert invalid.status == 422 and status_of(invalid)["reason"] == "Invalid"


def test_scoped_tokens_report_their_scopes_and_reviews_honour_them(
    server: SimulatedApiServer,
) -> None:
    token_path = "/apis/authentication.k8s.io/v1/tokenreviews"
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview"}
    answer = get(
        server,
        token_path,
        token=REVIEWER_TOKEN,
        method="POST",
        body={**review, "spec": {"token": ALICE_SCOPED_TOKEN}},
    )
    user = json.loads(answer.data)["status"]["user"]
    assert user["extra"] == {
        "scopes.authorization.openshift.io": ["user:info", "user:check-access"]
    }
    unscoped = get(
        server,
        token_path,
        token=REVIEWER_TOKEN,
        method="POST",
        body={**review, "spec": {"token": ALICE_TOKEN}},
    )
    assert "extra" not in json.loads(unscoped.data)["status"]["user"]

    def allowed(extra: dict[str, list[str]] | None) -> bool:
        spec: dict[str, Any] = {
            "user": "alice",
            "resourceAttributes": {
                "namespace": "shop",
                "verb": "get",
                "group": "build.openshift.io",
                "resource": "builds",
                "subresource": "log",
            },
        }
        if extra is not None:
            spec["extra"] = extra
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": spec,
        }
        response = get(
            server,
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            token=REVIEWER_TOKEN,
            method="POST",
            body=body,
        )
        result: bool = json.loads(response.data)["status"]["allowed"]
        return result

    scopes = "scopes.authorization.openshift.io"
    assert allowed(None) is True
    assert allowed({scopes: ["user:info", "user:check-access"]}) is False
    assert allowed({scopes: ["user:full"]}) is True
    assert allowed({scopes: ["role:view:shop"]}) is False  # role scopes: not modelled, refused
