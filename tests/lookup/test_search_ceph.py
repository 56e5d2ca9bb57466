"""Search over real Ceph with OpenShift auth on: a caller reads the lines of namespaces
they may read, and not one line of any other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from osiris.adapters.s3 import S3Store
from osiris.core.keys import KeyLayout
from osiris.lookup.app import create_app
from osiris.lookup.auth import CachedAccessReviewer
from osiris.lookup.kubeaccess import KubeAccessReviewer
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.cluster import SimulatedCluster
from tests.lookup.archive_data import BASE_TIME, StoredBuild, store_build
from tests.lookup.conftest import ValidatingClient
from tests.lookup.openshift_auth import TOKENS, bearer, connector, policy
from tests.support.s3 import S3Bucket

SECRET_LINE = b"password=hunter2 panic: leaked"


@pytest.fixture
def api_server() -> Iterator[SimulatedApiServer]:
    with SimulatedApiServer(SimulatedCluster(), tokens=TOKENS, policy=policy(), tls=True) as api:
        yield api


@pytest.mark.s3
def test_search_sees_only_namespaces_the_caller_may_read(
    s3_bucket: S3Bucket,
    layout: KeyLayout,
    api_server: SimulatedApiServer,
    tmp_path: Path,
) -> None:
    store = S3Store(s3_bucket.target.client(), s3_bucket.name)
    for namespace, line in (("shop", b"panic: in shop"), ("secret", SECRET_LINE)):
        log = b"".join(b"line %d\n" % n for n in range(1, 500)) + line + b"\n"
        store_build(
            store, layout, StoredBuild(namespace, "app-1", BASE_TIME, "Failed", "app", 1, log=log)
        )
    reviewer = CachedAccessReviewer(KubeAccessReviewer(connector(api_server, tmp_path)), 10.0)
    client = ValidatingClient(create_app(lambda: store, layout, reviewer))

    allowed = client.get("/api/v1/namespaces/shop/search?q=panic", headers=bearer("alice-token"))
    assert allowed.status_code == 200
    assert [(i["line"], i["text"]) for i in allowed.get_json()["items"]] == [
        (500, "panic: in shop")
    ]

    for token, status in (("alice-token", 403), ("bob-token", 403), ("forged", 401)):
        denied = client.get("/api/v1/namespaces/secret/search?q=panic", headers=bearer(token))
        assert denied.status_code == status
        assert denied.content_type == "application/problem+json"
        assert b"hunter2" not in denied.data and b"leaked" not in denied.data
    anonymous = client.get("/api/v1/namespaces/secret/search?q=panic")
    assert anonymous.status_code == 401 and b"hunter2" not in anonymous.data
