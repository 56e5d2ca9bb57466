"""pytest plugin: real S3 endpoints for the suite (a local Ceph RGW, or one you name).

Fixtures:

- ``ceph_cluster`` (session): one :class:`~tests.support.ceph.CephCluster` for the whole
  run, booted on first use. Boot failure fails every test that needs it, loudly.
- ``s3_targets`` (session): the endpoints to test against. Normally the Ceph cluster
  over plain HTTP (``ceph-http``) and over HTTPS with its self-signed CA (``ceph-https``).
  If ``OSIRIS_TEST_S3_ENDPOINT`` is set, only that endpoint (``external``) is used and
  Ceph is not booted; ``OSIRIS_TEST_S3_ACCESS_KEY`` and ``OSIRIS_TEST_S3_SECRET_KEY``
  are then required, ``OSIRIS_TEST_S3_CA_BUNDLE`` and ``OSIRIS_TEST_S3_REGION`` optional.
  (``python -m tests.support.ceph up`` writes exactly these variables.)
- ``s3_target``: each test that uses it runs once per target; it is marked ``s3``.
  A test marked ``one_s3_target`` (what it proves does not depend on the transport, and
  it is long) runs against the first target only.
- ``s3_bucket``: an :class:`S3Bucket` ``(target, name)`` with a fresh bucket, emptied
  (objects, versions, unfinished multipart uploads) and deleted after the test.

Tests that need Ceph itself (e.g. its short lifecycle "day") should request
``ceph_cluster`` directly.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.ceph import CephBootError, CephCluster

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

ENDPOINT_VARIABLE = "OSIRIS_TEST_S3_ENDPOINT"
EXTERNAL_TARGET = "external"
CEPH_TARGETS = ("ceph-http", "ceph-https")
DEFAULT_REGION = "us-east-1"

# Fixtures whose users talk to a real S3 endpoint and so get the ``s3`` marker.
S3_FIXTURES = frozenset({"ceph_cluster", "s3_targets", "s3_target", "s3_bucket"})

MAX_BUCKET_NAME = 63
DELETE_BATCH = 1000  # DeleteObjects accepts at most 1000 keys per request


@dataclass(frozen=True)
class S3Target:
    """One S3 endpoint with credentials; ``client()`` builds a boto3 client for it."""

    name: str
    endpoint_url: str
    access_key: str
    secret_key: str
    region: str
    ca_bundle: str | None

    def client(self) -> S3Client:
        config = Config(
            signature_version="s3v4",
            # Ceph serves buckets under the endpoint's path, not as virtual hosts.
            s3={"addressing_style": "path"},
            # boto3 >= 1.36 otherwise sends aws-chunked checksum trailers, which Ceph 16
            # rejects over HTTPS (411 MissingContentLength).
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=5,
            read_timeout=120,
        )
        # A private session: the default one is shared and not safe across threads.
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            verify=self.ca_bundle if self.ca_bundle is not None else True,
            config=config,
        )


class S3Bucket(NamedTuple):
    target: S3Target
    name: str

    def environ(self) -> dict[str, str]:
        """The osiris storage variables that point a function at this bucket."""
        env = {
            "OSIRIS_STORAGE_URL": f"s3://{self.name}",
            "OSIRIS_S3_ENDPOINT": self.target.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.target.access_key,
            "AWS_SECRET_ACCESS_KEY": self.target.secret_key,
            "OSIRIS_S3_REGION": self.target.region,
        }
        if self.target.ca_bundle:
            env["OSIRIS_S3_CA_BUNDLE"] = self.target.ca_bundle
        return env

    def object_keys(self) -> list[str]:
        """Every key in the bucket, in listing order."""
        paginator = self.target.client().get_paginator("list_objects_v2")
        return [
            item["Key"]
            for page in paginator.paginate(Bucket=self.name)
            for item in page.get("Contents", [])
        ]


def external_target_from_env(environ: Mapping[str, str]) -> S3Target | None:
    """The endpoint named by ``OSIRIS_TEST_S3_*`` variables, or None if none is named."""
    endpoint = environ.get(ENDPOINT_VARIABLE)
    if not endpoint:
        return None
    missing = [
        name
        for name in ("OSIRIS_TEST_S3_ACCESS_KEY", "OSIRIS_TEST_S3_SECRET_KEY")
        if not environ.get(name)
    ]
    if missing:
        pytest.fail(f"{ENDPOINT_VARIABLE} is set but {', '.join(missing)} is not", pytrace=False)
    return S3Target(
        name=EXTERNAL_TARGET,
        endpoint_url=endpoint,
        access_key=environ["OSIRIS_TEST_S3_ACCESS_KEY"],
        secret_key=environ["OSIRIS_TEST_S3_SECRET_KEY"],
        region=environ.get("OSIRIS_TEST_S3_REGION") or DEFAULT_REGION,
        ca_bundle=environ.get("OSIRIS_TEST_S3_CA_BUNDLE") or None,
    )


def ceph_targets(cluster: CephCluster) -> list[S3Target]:
    common = {
        "access_key": cluster.access_key,
        "secret_key": cluster.secret_key,
        "region": cluster.region,
    }
    return [
        S3Target(name="ceph-http", endpoint_url=cluster.http_endpoint, ca_bundle=None, **common),
        S3Target(
            name="ceph-https",
            endpoint_url=cluster.https_endpoint,
            ca_bundle=cluster.ca_bundle,
            **common,
        ),
    ]


def unique_bucket_name(hint: str) -> str:
    """A valid, unique bucket name (3-63 chars) that still says which test made it."""
    slug = re.sub(r"[^a-z0-9]+", "-", hint.lower()).strip("-")[:44].rstrip("-") or "bucket"
    name = f"{slug}-{uuid.uuid4().hex[:12]}"
    assert 3 <= len(name) <= MAX_BUCKET_NAME, name
    return name


def create_bucket(client: S3Client, name: str, region: str) -> None:
    if region == DEFAULT_REGION:
        client.create_bucket(Bucket=name)
    else:
        client.create_bucket(
            Bucket=name,
            CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
        )


def empty_and_delete_bucket(client: S3Client, name: str) -> None:
    """Remove every object version, delete marker and unfinished upload, then the bucket."""
    try:
        for uploads_page in client.get_paginator("list_multipart_uploads").paginate(Bucket=name):
            for upload in uploads_page.get("Uploads", []):
                client.abort_multipart_upload(
                    Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"]
                )
        batch: list[ObjectIdentifierTypeDef] = []
        # Versions also cover unversioned buckets (VersionId "null"); the paginator
        # follows IsTruncated, so Ceph's short pages are handled.
        for versions_page in client.get_paginator("list_object_versions").paginate(Bucket=name):
            entries = [*versions_page.get("Versions", []), *versions_page.get("DeleteMarkers", [])]
            for entry in entries:
                batch.append({"Key": entry["Key"], "VersionId": entry["VersionId"]})
                if len(batch) == DELETE_BATCH:
                    _delete_batch(client, name, batch)
                    batch = []
        if batch:
            _delete_batch(client, name, batch)
        client.delete_bucket(Bucket=name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchBucket":
            return  # the test deleted it itself
        raise


def _delete_batch(client: S3Client, bucket: str, batch: list[ObjectIdentifierTypeDef]) -> None:
    response = client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    if errors := response.get("Errors"):
        raise RuntimeError(f"could not empty bucket {bucket}: {errors[:5]}")


# -- pytest hooks and fixtures ---------------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "s3_target" not in metafunc.fixturenames:
        return
    names = [EXTERNAL_TARGET] if os.environ.get(ENDPOINT_VARIABLE) else list(CEPH_TARGETS)
    if metafunc.definition.get_closest_marker("one_s3_target"):
        names = names[:1]
    metafunc.parametrize("s3_target", names, indirect=True, ids=names)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if S3_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.s3)


@pytest.fixture(scope="session")
def ceph_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CephCluster]:
    cluster = CephCluster(tmp_path_factory.mktemp("ceph"))
    boot_error: CephBootError | None = None
    try:
        cluster.start()
    except CephBootError as error:
        boot_error = error
    if boot_error is not None:  # failed outside the except block: no chained traceback noise
        pytest.fail(
            "could not start the local Ceph S3 endpoint the integration tests need.\n"
            "Install Ceph with scripts/install-system-deps, or point the tests at another S3 "
            f"endpoint with {ENDPOINT_VARIABLE} (see tests/support/s3.py).\n\n{boot_error}",
            pytrace=False,
        )
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def s3_targets(request: pytest.FixtureRequest) -> list[S3Target]:
    external = external_target_from_env(os.environ)
    if external is not None:
        return [external]
    cluster: CephCluster = request.getfixturevalue("ceph_cluster")
    return ceph_targets(cluster)


@pytest.fixture
def s3_target(request: pytest.FixtureRequest, s3_targets: list[S3Target]) -> S3Target:
    wanted: str = request.param
    for target in s3_targets:
        if target.name == wanted:
            return target
    pytest.fail(f"no S3 target named {wanted!r}; have {[t.name for t in s3_targets]}")


@pytest.fixture
def s3_bucket(request: pytest.FixtureRequest, s3_target: S3Target) -> Iterator[S3Bucket]:
    client = s3_target.client()
    name = unique_bucket_name(request.node.name)
    create_bucket(client, name, s3_target.region)
    try:
        yield S3Bucket(s3_target, name)
    finally:
        empty_and_delete_bucket(client, name)
