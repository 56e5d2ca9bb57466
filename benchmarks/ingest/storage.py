"""The S3 side: which Ceph the runs store in, and clearing what a run stored."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import urllib3
from benchmarks.ingest.names import BUCKET, PREFIX
from benchmarks.ingest.units import MiB
from tests.support.ceph import CephCluster

from osiris.adapters.s3client import make_client
from osiris.config import S3Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class S3Target:
    """Where the runs store: a Ceph booted here, or one already running (``--ceph-dir``)."""

    http_endpoint: str
    https_endpoint: str
    ca_bundle: str
    access_key: str
    secret_key: str
    region: str
    daemons: Path  # the Ceph working directory: its daemons' CPU is counted

    def client(self, tls: bool) -> S3Client:
        """A boto3 client of the benchmark's bucket, configured as the functions are."""
        return make_client(
            S3Settings(
                bucket=BUCKET,
                access_key_id=self.access_key,
                secret_access_key=self.secret_key,
                endpoint_url=self.https_endpoint if tls else self.http_endpoint,
                region=self.region,
                ca_bundle=self.ca_bundle if tls else None,
            )
        )


@contextmanager
def s3_target(ceph_dir: Path | None, workdir: Path) -> Iterator[S3Target]:
    if ceph_dir is not None:
        env = dict(
            line.removeprefix("export ").split("=", 1)
            for line in (ceph_dir / "env").read_text().splitlines()
            if "=" in line
        )
        env = {key: value.strip("'\"") for key, value in env.items()}
        yield S3Target(
            env["OSIRIS_TEST_S3_HTTP_ENDPOINT"],
            env["OSIRIS_TEST_S3_HTTPS_ENDPOINT"],
            env["OSIRIS_TEST_S3_CA_BUNDLE"],
            env["OSIRIS_TEST_S3_ACCESS_KEY"],
            env["OSIRIS_TEST_S3_SECRET_KEY"],
            env["OSIRIS_TEST_S3_REGION"],
            ceph_dir.resolve(),
        )
        return
    with CephCluster(workdir / "ceph") as ceph:
        yield S3Target(
            ceph.http_endpoint,
            ceph.https_endpoint,
            ceph.ca_bundle,
            ceph.access_key,
            ceph.secret_key,
            ceph.region,
            (workdir / "ceph").resolve(),
        )


def upload_raw(http: urllib3.PoolManager, url: str, s3: S3Client, key: str) -> None:
    """The reference path: the log as it comes, handed from GET to ``upload_fileobj``."""
    response = http.request("GET", url, preload_content=False, headers={"Accept": "*/*"})
    if response.status != 200:
        raise RuntimeError(f"GET {url}: {response.status}")
    try:
        s3.upload_fileobj(
            response,  # type: ignore[arg-type]  # read(amt) is all upload_fileobj needs
            BUCKET,
            key,
            ExtraArgs={"ContentType": "text/plain; charset=utf-8"},
        )
    finally:
        response.release_conn()


def stored_digest(s3: S3Client, key: str) -> str:
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"]
    digest = hashlib.sha256()
    with gzip.GzipFile(fileobj=body) as log:
        while chunk := log.read(4 * MiB):
            digest.update(chunk)
    return digest.hexdigest()


def clear_archive(s3: S3Client) -> None:
    """Remove what the archive wrote, so the same build is archived afresh next time."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=BUCKET, Delete={"Objects": keys, "Quiet": True})  # type: ignore[typeddict-item]


def collect_garbage(daemons: Path) -> None:
    """Free the RADOS objects of what was deleted now: RGW's garbage collector waits two
    hours by default, and a memstore OSD fills up (and hangs every request) after a few
    1 GiB rounds."""
    subprocess.run(
        ["radosgw-admin", "gc", "process", "--include-all"],
        env={**os.environ, "CEPH_CONF": str(daemons / "ceph.conf")},
        check=True,
        capture_output=True,
        timeout=300,
    )
