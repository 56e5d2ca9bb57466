"""What the sweep and backfill tests check is left behind in the bucket: multipart uploads
still open (an interrupted or stalled run must leave none)."""

from __future__ import annotations

from tests.support.s3 import S3Bucket


def open_uploads(bucket: S3Bucket) -> list[object]:
    client = bucket.target.client()
    return list(client.list_multipart_uploads(Bucket=bucket.name).get("Uploads", []))
