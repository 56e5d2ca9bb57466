"""The S3 object store (Ceph RGW first, any S3 second), built on boto3.

Every call runs inside :func:`~osiris.adapters.s3client.translated`: no botocore
exception leaves this module.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from osiris.adapters.s3client import NOT_FOUND_CODES, error_code, make_client, translated
from osiris.adapters.store import ListPage, ObjectInfo, UploadInfo
from osiris.config import S3Settings
from osiris.errors import NotFoundError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

_TAGGING_ATTEMPTS = 6  # 50 ms doubling: about 1.6 s in all


class S3Store:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    @classmethod
    def from_settings(cls, settings: S3Settings) -> S3Store:
        return cls(make_client(settings), settings.bucket)

    def head(self, key: str) -> ObjectInfo | None:
        try:
            with translated(f"HEAD {key}"):
                response = self._client.head_object(Bucket=self._bucket, Key=key)
        except NotFoundError:
            return None
        return _info(key, response)

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        content_encoding: str | None = None,
        if_none_match: bool = False,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        extra: dict[str, Any] = {"IfNoneMatch": "*"} if if_none_match else {}
        if tags:
            extra["Tagging"] = urlencode(dict(tags))
        if content_encoding:
            extra["ContentEncoding"] = content_encoding
        with translated(f"PUT {key}"):
            self._client.put_object(
                Bucket=self._bucket, Key=key, Body=data, ContentType=content_type, **extra
            )

    def get(self, key: str) -> bytes:
        with translated(f"GET {key}"):
            response = self._client.get_object(Bucket=self._bucket, Key=key)
            body: bytes = response["Body"].read()
        return body

    def open(self, key: str, *, byte_range: tuple[int, int] | None = None) -> S3Reader:
        extra: dict[str, Any] = {}
        if byte_range is not None:
            extra["Range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
        with translated(f"GET {key}"):
            response = self._client.get_object(Bucket=self._bucket, Key=key, **extra)
        return S3Reader(_info(key, response), response["Body"])

    def list_objects(
        self,
        prefix: str,
        *,
        delimiter: str | None = None,
        start_after: str | None = None,
        continuation: str | None = None,
        max_keys: int = 1000,
    ) -> ListPage:
        args: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix, "MaxKeys": max_keys}
        if delimiter:
            args["Delimiter"] = delimiter
        if continuation:
            args["ContinuationToken"] = continuation
        elif start_after:
            args["StartAfter"] = start_after
        with translated(f"LIST {prefix}"):
            response = self._client.list_objects_v2(**args)
        objects = [
            ObjectInfo(
                key=item["Key"],
                size=item["Size"],
                etag=item["ETag"].strip('"'),
                last_modified=item["LastModified"],
            )
            for item in response.get("Contents", [])
        ]
        prefixes = [item["Prefix"] for item in response.get("CommonPrefixes", [])]
        # RGW may return short pages: only IsTruncated says whether more follow.
        token = response.get("NextContinuationToken") if response.get("IsTruncated") else None
        return ListPage(objects, prefixes, token)

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch: list[ObjectIdentifierTypeDef] = [
                {"Key": key} for key in keys[start : start + 1000]
            ]
            with translated("DELETE objects"):
                self._client.delete_objects(
                    Bucket=self._bucket, Delete={"Objects": batch, "Quiet": True}
                )

    def start_upload(
        self,
        key: str,
        *,
        content_type: str,
        content_encoding: str | None,
        tags: Mapping[str, str] | None = None,
    ) -> S3Upload:
        extra: dict[str, Any] = {"ContentEncoding": content_encoding} if content_encoding else {}
        if tags:
            extra["Tagging"] = urlencode(dict(tags))
        with translated(f"CreateMultipartUpload {key}"):
            response = self._client.create_multipart_upload(
                Bucket=self._bucket, Key=key, ContentType=content_type, **extra
            )
        return S3Upload(self._client, self._bucket, key, response["UploadId"], tags)

    def check(self) -> None:
        with translated(f"HEAD bucket {self._bucket}"):
            self._client.head_bucket(Bucket=self._bucket)

    # -- maintenance (osiris verify / retention)
    def list_uploads(self, prefix: str) -> Iterator[UploadInfo]:
        args: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix}
        while True:
            with translated(f"ListMultipartUploads {prefix}"):
                response = self._client.list_multipart_uploads(**args)
            for upload in response.get("Uploads", []):
                yield UploadInfo(upload["Key"], upload["UploadId"], upload["Initiated"])
            if not response.get("IsTruncated"):
                return
            args["KeyMarker"] = response.get("NextKeyMarker", "")
            args["UploadIdMarker"] = response.get("NextUploadIdMarker", "")

    def abort_upload(self, key: str, upload_id: str) -> None:
        from botocore.exceptions import ClientError

        with translated(f"AbortMultipartUpload {key}"):
            try:
                self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=key, UploadId=upload_id
                )
            except ClientError as exc:
                # Someone else (or a lifecycle rule) finished it first.
                if error_code(exc) not in {"NoSuchUpload", *NOT_FOUND_CODES}:
                    raise

    def get_tags(self, key: str) -> dict[str, str]:
        with translated(f"GetObjectTagging {key}"):
            response = self._client.get_object_tagging(Bucket=self._bucket, Key=key)
        # RGW leaves TagSet out entirely when an object has no tags.
        return {tag["Key"]: tag["Value"] for tag in response.get("TagSet", [])}

    def lifecycle_rules(self) -> list[dict[str, Any]]:
        """The bucket's lifecycle rules as S3 returns them (empty if it has none)."""
        from botocore.exceptions import ClientError

        with translated(f"GetBucketLifecycleConfiguration {self._bucket}"):
            try:
                response = self._client.get_bucket_lifecycle_configuration(Bucket=self._bucket)
            except ClientError as exc:
                if error_code(exc) == "NoSuchLifecycleConfiguration":
                    return []
                raise
        return [dict(rule) for rule in response.get("Rules", [])]

    def set_lifecycle_rules(self, rules: list[dict[str, Any]]) -> None:
        """Replace the bucket's whole lifecycle configuration (no rules: remove it)."""
        with translated(f"PutBucketLifecycleConfiguration {self._bucket}"):
            if rules:
                self._client.put_bucket_lifecycle_configuration(
                    Bucket=self._bucket,
                    LifecycleConfiguration={"Rules": rules},  # type: ignore[typeddict-item]
                )
            else:
                self._client.delete_bucket_lifecycle(Bucket=self._bucket)


class S3Upload:
    def __init__(
        self,
        client: S3Client,
        bucket: str,
        key: str,
        upload_id: str,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key
        self._upload_id = upload_id
        self._tags = dict(tags or {})
        self._etags: dict[int, str] = {}
        self._lock = threading.Lock()

    def upload_part(self, number: int, data: bytes) -> None:
        with translated(f"UploadPart {self._key} #{number}"):
            response = self._client.upload_part(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=data,
            )
        with self._lock:
            self._etags[number] = response["ETag"]

    def complete(self) -> None:
        parts = [{"PartNumber": n, "ETag": self._etags[n]} for n in sorted(self._etags)]
        with translated(f"CompleteMultipartUpload {self._key}"):
            self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
            )
        if self._tags:
            self._tag_completed_object()

    def _tag_completed_object(self) -> None:
        """Set the tags on the completed object again.

        Ceph RGW 16 drops the Tagging given to CreateMultipartUpload (AWS keeps it). A
        crash before this leaves an untagged log but no build.json yet, so the
        redelivery rewrites both. While concurrent deliveries of the same build complete
        their uploads of the same key, RGW answers 409 OperationAborted: the object is
        busy for a moment, so the tagging is tried again, and every delivery tags the
        object after its own completion, so the last one leaves it tagged.
        """
        from botocore.exceptions import ClientError

        tag_set = [{"Key": key, "Value": value} for key, value in self._tags.items()]
        for attempt in range(_TAGGING_ATTEMPTS):
            with translated(f"PutObjectTagging {self._key}"):
                try:
                    self._client.put_object_tagging(
                        Bucket=self._bucket,
                        Key=self._key,
                        Tagging={"TagSet": tag_set},  # type: ignore[typeddict-item]
                    )
                    return
                except ClientError as exc:
                    if error_code(exc) != "OperationAborted" or attempt + 1 == _TAGGING_ATTEMPTS:
                        raise
            time.sleep(0.05 * 2**attempt)

    def abort(self) -> None:
        # Best effort: an abort that fails leaves an incomplete upload for the
        # lifecycle rule (AbortIncompleteMultipartUpload) to collect.
        with translated(f"AbortMultipartUpload {self._key}"):
            self._client.abort_multipart_upload(
                Bucket=self._bucket, Key=self._key, UploadId=self._upload_id
            )


class S3Reader:
    def __init__(self, info: ObjectInfo, body: Any) -> None:
        self.info = info
        self._body = body

    def iter_chunks(self, chunk_size: int = 65536) -> Iterator[bytes]:
        read: Callable[[int], bytes] = self._body.read
        while True:
            with translated(f"GET {self.info.key} (body)"):
                chunk = read(chunk_size)
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        self._body.close()


def _info(key: str, response: Any) -> ObjectInfo:
    return ObjectInfo(
        key=key,
        size=int(response.get("ContentLength", 0)),
        etag=str(response.get("ETag", "")).strip('"'),
        last_modified=response["LastModified"],
        content_type=response.get("ContentType"),
        content_encoding=response.get("ContentEncoding"),
    )
