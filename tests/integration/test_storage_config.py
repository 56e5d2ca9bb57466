"""A bucket the archive function cannot use is refused at start-up, naming the cause.

Wrong credentials, a bucket that does not exist, an endpoint nobody listens on, a CA that
did not sign the endpoint's certificate: the function exits before it serves (a pod that
never gets ready, its log saying why), so no event is ever taken and stored nowhere. The
lookup reports the same as not ready (tests/lookup/test_ceph_end_to_end.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from osiris.dev.processes import FunctionProcess
from osiris.simulator.apiserver import SimulatedApiServer
from tests.support.ceph import CephCluster
from tests.support.s3 import S3Bucket

pytestmark = pytest.mark.one_s3_target


def refused(start: Callable[..., FunctionProcess], **environ: str) -> str:
    with pytest.raises(RuntimeError, match="exited with") as failure:
        start(**environ)
    return str(failure.value)


def test_wrong_credentials_are_refused_naming_the_variables(
    archive_function: Callable[..., FunctionProcess],
) -> None:
    output = refused(archive_function, AWS_SECRET_ACCESS_KEY="not-the-secret")
    assert "the archive cannot use its bucket" in output
    assert "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY" in output
    assert "not-the-secret" not in output  # a secret is never logged


def test_a_missing_bucket_is_refused(
    archive_function: Callable[..., FunctionProcess], s3_bucket: S3Bucket
) -> None:
    output = refused(archive_function, OSIRIS_STORAGE_URL=f"s3://{s3_bucket.name}-missing")
    assert "the bucket does not exist (OSIRIS_STORAGE_URL or BUCKET_NAME)" in output


def test_an_unreachable_endpoint_is_refused(
    archive_function: Callable[..., FunctionProcess],
) -> None:
    output = refused(archive_function, OSIRIS_S3_ENDPOINT="http://127.0.0.1:9")
    assert "the S3 endpoint cannot be reached (OSIRIS_S3_ENDPOINT" in output


def test_a_ca_that_did_not_sign_the_endpoint_is_refused(
    archive_function: Callable[..., FunctionProcess],
    ceph_cluster: CephCluster,
    apiserver: SimulatedApiServer,
    tmp_path: Path,
) -> None:
    assert apiserver.ca_file is not None  # another CA: the simulated API server's
    output = refused(
        archive_function,
        OSIRIS_S3_ENDPOINT=ceph_cluster.https_endpoint,
        OSIRIS_S3_CA_BUNDLE=str(apiserver.ca_file),
    )
    assert "certificate was not verified (OSIRIS_S3_CA_BUNDLE" in output


def test_the_right_bucket_starts(archive_function: Callable[..., FunctionProcess]) -> None:
    function = archive_function()
    assert "archive function ready" in function.output()
