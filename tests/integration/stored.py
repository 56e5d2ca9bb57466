"""What the archive function stored in the integration tests' bucket: the key layout it
writes under, and a build's log read back (checked to be served as gzipped text)."""

from __future__ import annotations

import gzip

from osiris.core.keys import BuildRef, KeyLayout
from tests.integration.conftest import CLUSTER, PREFIX
from tests.support.s3 import S3Bucket

LAYOUT = KeyLayout(PREFIX, CLUSTER)


def stored_log(bucket: S3Bucket, build: dict) -> bytes:
    meta = build["metadata"]
    ref = BuildRef(meta["namespace"], meta["name"], meta["uid"])
    body = bucket.target.client().get_object(Bucket=bucket.name, Key=LAYOUT.log_key(ref))
    assert body["ContentEncoding"] == "gzip"
    assert body["ContentType"] == "text/plain; charset=utf-8"
    return gzip.decompress(body["Body"].read())
