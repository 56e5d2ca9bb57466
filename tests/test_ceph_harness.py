"""The S3 harness is a real Ceph RGW, reachable over HTTP and HTTPS, with Ceph's semantics.

Each test using ``s3_bucket`` runs once per target (``ceph-http``, ``ceph-https``).
"""

from __future__ import annotations

import hashlib
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, SSLError

from tests.support.ceph import CephBootError, CephCluster
from tests.support.s3 import (
    MAX_BUCKET_NAME,
    S3Bucket,
    S3Target,
    ceph_targets,
    create_bucket,
    empty_and_delete_bucket,
    unique_bucket_name,
)

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

MiB = 1024 * 1024
REPO_ROOT = Path(__file__).resolve().parent.parent


def _error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def _status(error: ClientError) -> int:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)


def test_object_round_trips_byte_for_byte(s3_bucket: S3Bucket) -> None:
    client = s3_bucket.target.client()
    body = os.urandom(300_000) + b"\x00\r\n\xff"
    client.put_object(Bucket=s3_bucket.name, Key="logs/a b/ü.txt", Body=body)

    fetched = client.get_object(Bucket=s3_bucket.name, Key="logs/a b/ü.txt")

    assert fetched["Body"].read() == body
    assert fetched["ContentLength"] == len(body)
    # A single PUT's ETag is the MD5 of the bytes: the server really stored them.
    assert fetched["ETag"].strip('"') == hashlib.md5(body).hexdigest()


def test_multipart_upload_with_parts_over_5_mib(s3_bucket: S3Bucket) -> None:
    client = s3_bucket.target.client()
    parts = [os.urandom(6 * MiB), os.urandom(6 * MiB), os.urandom(MiB // 3)]
    upload = client.create_multipart_upload(Bucket=s3_bucket.name, Key="big.log")
    completed: list[CompletedPartTypeDef] = []
    for number, data in enumerate(parts, start=1):
        response = client.upload_part(
            Bucket=s3_bucket.name,
            Key="big.log",
            UploadId=upload["UploadId"],
            PartNumber=number,
            Body=data,
        )
        completed.append({"PartNumber": number, "ETag": response["ETag"]})
    client.complete_multipart_upload(
        Bucket=s3_bucket.name,
        Key="big.log",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": completed},
    )

    fetched = client.get_object(Bucket=s3_bucket.name, Key="big.log")

    whole = b"".join(parts)
    assert fetched["ContentLength"] == len(whole)
    assert hashlib.sha256(fetched["Body"].read()).digest() == hashlib.sha256(whole).digest()
    assert fetched["ETag"].strip('"').endswith("-3")


def test_listing_returns_keys_in_byte_order_across_pages(s3_bucket: S3Bucket) -> None:
    client = s3_bucket.target.client()
    keys = ["b", "a/", "a/b", "a-b", "a.b", "a0", "B", "10", "9", "é", "z~", "a b", "Z"]
    for key in random.sample(keys, len(keys)):
        client.put_object(Bucket=s3_bucket.name, Key=key, Body=key.encode())

    listed: list[str] = []
    page = client.list_objects_v2(Bucket=s3_bucket.name, MaxKeys=3)
    while True:
        listed.extend(item["Key"] for item in page.get("Contents", []))
        # Ceph may return short pages: only IsTruncated says whether more follow.
        if not page.get("IsTruncated"):
            break
        page = client.list_objects_v2(
            Bucket=s3_bucket.name, MaxKeys=3, ContinuationToken=page["NextContinuationToken"]
        )

    assert listed == sorted(keys, key=lambda key: key.encode("utf-8"))


def test_if_none_match_star_refuses_to_overwrite(s3_bucket: S3Bucket) -> None:
    client = s3_bucket.target.client()
    client.put_object(Bucket=s3_bucket.name, Key="once", Body=b"first", IfNoneMatch="*")

    with pytest.raises(ClientError) as refused:
        client.put_object(Bucket=s3_bucket.name, Key="once", Body=b"second", IfNoneMatch="*")

    assert _status(refused.value) == 412
    assert _error_code(refused.value) == "PreconditionFailed"
    assert client.get_object(Bucket=s3_bucket.name, Key="once")["Body"].read() == b"first"


def test_bucket_cleanup_removes_objects_and_unfinished_uploads(s3_target: S3Target) -> None:
    client = s3_target.client()
    name = unique_bucket_name("cleanup")
    create_bucket(client, name, s3_target.region)
    for index in range(5):
        client.put_object(Bucket=name, Key=f"k/{index}", Body=b"x")
    client.create_multipart_upload(Bucket=name, Key="unfinished")

    empty_and_delete_bucket(client, name)

    with pytest.raises(ClientError) as missing:
        client.head_bucket(Bucket=name)
    assert _status(missing.value) == 404


@pytest.mark.parametrize(
    "hint", ["", "x", "Test_Thing[ceph-https]", "a" * 200, "--weird..name--", "ÄÖÜ"]
)
def test_unique_bucket_names_are_valid_and_distinct(hint: str) -> None:
    first, second = unique_bucket_name(hint), unique_bucket_name(hint)

    assert first != second
    for name in (first, second):
        assert 3 <= len(name) <= MAX_BUCKET_NAME
        assert name[0].isalnum() and name[-1].isalnum()
        assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


def test_https_needs_the_cluster_certificate(ceph_cluster: CephCluster) -> None:
    https = next(t for t in ceph_targets(ceph_cluster) if t.name == "ceph-https")
    assert https.endpoint_url.startswith("https://")
    untrusting = boto3.session.Session().client(
        "s3",
        endpoint_url=https.endpoint_url,
        aws_access_key_id=https.access_key,
        aws_secret_access_key=https.secret_key,
        region_name=https.region,
        config=Config(signature_version="s3v4", retries={"max_attempts": 1}),
    )

    with pytest.raises(SSLError):
        untrusting.list_buckets()
    assert isinstance(https.client().list_buckets()["Buckets"], list)


def test_boto3_default_checksums_fail_on_ceph_over_https(ceph_cluster: CephCluster) -> None:
    """Why S3Target.client() sets "when_required": this is the failure it avoids.

    If this test starts failing, Ceph (or boto3) has changed and the workaround can go.
    """
    https = next(t for t in ceph_targets(ceph_cluster) if t.name == "ceph-https")
    name = unique_bucket_name("checksum-trailer")
    configured = https.client()
    create_bucket(configured, name, https.region)
    default = boto3.session.Session().client(
        "s3",
        endpoint_url=https.endpoint_url,
        aws_access_key_id=https.access_key,
        aws_secret_access_key=https.secret_key,
        region_name=https.region,
        verify=https.ca_bundle,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    try:
        with pytest.raises(ClientError) as rejected:
            default.put_object(Bucket=name, Key="k", Body=b"payload")
        assert _status(rejected.value) == 411
        assert _error_code(rejected.value) == "MissingContentLength"
    finally:
        empty_and_delete_bucket(configured, name)


@pytest.mark.slow
def test_boot_failure_reports_the_daemon_log_and_cleans_up(tmp_path: Path) -> None:
    workdir = tmp_path / "ceph"
    cluster = CephCluster(workdir)
    # Occupy radosgw's HTTP port, so its frontend cannot bind and it exits.
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", cluster.ports.http))
        squatter.listen()
        with pytest.raises(CephBootError) as failed:
            cluster.start()

    message = str(failed.value)
    assert "client.rgw.a exited" in message
    assert f"failed to bind address 127.0.0.1:{cluster.ports.http}" in message
    assert not workdir.exists()


def test_boot_gives_up_at_its_deadline(tmp_path: Path) -> None:
    workdir = tmp_path / "ceph"
    with pytest.raises(CephBootError, match="did not boot within"):
        CephCluster(workdir, boot_timeout=0.3).start()
    assert not workdir.exists()


def test_refuses_to_use_a_foreign_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")

    cluster = CephCluster(tmp_path)

    with pytest.raises(CephBootError, match="refusing to delete"):
        cluster.start()
    cluster.stop()
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def _read_env_file(path: Path) -> dict[str, str]:
    exported: dict[str, str] = {}
    for line in path.read_text().splitlines():
        keyword, assignment = shlex.split(line)
        assert keyword == "export", line
        name, _, value = assignment.partition("=")
        exported[name] = value
    return exported


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_cli_up_serves_s3_until_signalled(tmp_path: Path, stop_signal: signal.Signals) -> None:
    workdir = tmp_path / "cluster"
    env_file = workdir / "env"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.ceph", "up", "--dir", str(workdir)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # As a shell's background job (`... &`) starts: with SIGINT ignored.
        preexec_fn=_ignore_sigint,  # noqa: PLW1509 - one signal() call, no locks
    )
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 90
        while not env_file.exists():
            assert process.poll() is None, process.communicate()[0].decode()
            assert time.monotonic() < deadline, "the CLI never wrote its env file"
            time.sleep(0.1)
        exported = _read_env_file(env_file)
        target = S3Target(
            name="cli",
            endpoint_url=exported["OSIRIS_TEST_S3_ENDPOINT"],
            access_key=exported["OSIRIS_TEST_S3_ACCESS_KEY"],
            secret_key=exported["OSIRIS_TEST_S3_SECRET_KEY"],
            region=exported["OSIRIS_TEST_S3_REGION"],
            ca_bundle=exported["OSIRIS_TEST_S3_CA_BUNDLE"],
        )
        client = target.client()
        client.create_bucket(Bucket="cli-bucket")
        client.put_object(Bucket="cli-bucket", Key="k", Body=b"via the CLI")
        assert client.get_object(Bucket="cli-bucket", Key="k")["Body"].read() == b"via the CLI"
        pids = [int(p.read_text()) for p in (workdir / "run").glob("*.pid")]
        assert len(pids) == 3
    finally:
        process.send_signal(stop_signal)
        output = process.communicate(timeout=60)[0].decode()

    assert process.returncode == 0, output
    assert "ceph: stopping" in output
    assert not workdir.exists()
    for pid in pids:
        state_file = Path(f"/proc/{pid}/stat")
        assert not state_file.exists() or state_file.read_text().rsplit(")", 1)[1].split()[0] == "Z"
