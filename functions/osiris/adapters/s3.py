"""The S3 object store (Ceph RGW first, any S3 second), built on boto3.

botocore exceptions end here: each is translated into an :mod:`osiris.errors`
exception. Credentials or bucket problems (AccessDenied, NoSuchBucket) are reported as
*retryable*: the event is valid, the deployment is wrong, and redelivery after the fix
must still archive it rather than drop it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from osiris.adapters.store import ListPage, ObjectInfo, UploadInfo
from osiris.config import S3Settings
from osiris.errors import (
    NotFoundError,
    OsirisError,
    PreconditionFailedError,
    StorageUnavailableError,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}
# What a deployment got wrong, said so that whoever reads the log knows what to fix.
_CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"}
_CREDENTIALS_HINT = (
    "the credentials were refused (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the bucket's "
    "Secret) or do not grant this bucket"
)
_PRECONDITION = {"PreconditionFailed", "412"}
_TAGGING_ATTEMPTS = 6  # 50 ms doubling: about 1.6 s in all


def make_client(settings: S3Settings) -> S3Client:
    """A boto3 client configured for Ceph RGW (see docs and ../ceph notes)."""
    import boto3  # heavy: imported when the first store is built, not at module import
    from botocore.config import Config

    verify: bool | str = settings.ca_bundle or settings.verify_tls
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path", "payload_signing_enabled": _sign_payload(settings)},
        # RGW 16 does not understand the aws-chunked checksum trailer boto3 >= 1.36 sends.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=32,
    )
    client: S3Client = boto3.client(
        "s3",
        endpoint_url=settings.endpoint_url,
        aws_access_key_id=settings.access_key_id,
        aws_secret_access_key=settings.secret_access_key,
        region_name=settings.region,
        verify=verify,
        config=config,
    )
    return client


def _sign_payload(settings: S3Settings) -> bool:
    """Whether each request's body is hashed into its signature (SigV4 payload signing).

    Over TLS with the certificate verified, the channel already protects the body, and
    the hash was a tenth of the archive's CPU: a SHA-256 of every part, on top of the
    one of the log (py-spy). Without TLS, or with verification off, the signature is
    what keeps a body from being altered on the way, so it stays.
    """
    endpoint = settings.endpoint_url or "https://"  # no endpoint: AWS, over HTTPS
    verified = bool(settings.ca_bundle) or settings.verify_tls  # as make_client's verify=
    return not (endpoint.startswith("https://") and verified)


def translate(exc: Exception, what: str) -> OsirisError:
    """A botocore exception → the osiris error that says what it means."""
    from botocore.exceptions import ClientError, EndpointConnectionError, SSLError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code == "NoSuchBucket" or (what.startswith("HEAD bucket") and status == 404):
            return StorageUnavailableError(
                f"{what}: S3 answered {status} {code or 'NotFound'}: the bucket does not exist "
                "(OSIRIS_STORAGE_URL or BUCKET_NAME)"
            )
        if code in _NOT_FOUND:
            return NotFoundError(f"{what}: not found")
        if code in _PRECONDITION or status == 412:
            return PreconditionFailedError(f"{what}: already exists")
        if code in _CREDENTIALS or status == 403:
            return StorageUnavailableError(
                f"{what}: S3 answered {status} {code}: {_CREDENTIALS_HINT}"
            )
        return StorageUnavailableError(f"{what}: S3 answered {status} {code}")
    if isinstance(exc, SSLError):
        return StorageUnavailableError(
            f"{what}: the S3 endpoint's certificate was not verified (OSIRIS_S3_CA_BUNDLE, "
            f"OSIRIS_S3_VERIFY_TLS): {exc}"
        )
    if isinstance(exc, EndpointConnectionError):
        return StorageUnavailableError(
            f"{what}: the S3 endpoint cannot be reached (OSIRIS_S3_ENDPOINT, BUCKET_HOST): {exc}"
        )
    return StorageUnavailableError(f"{what}: {type(exc).__name__}: {exc}")


def _code(exc: Exception) -> str:
    response: Any = getattr(exc, "response", {})
    return str(response.get("Error", {}).get("Code", ""))


@contextmanager
def _translated(what: str) -> Iterator[None]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, what) from exc


class S3Store:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    @classmethod
    def from_settings(cls, settings: S3Settings) -> S3Store:
        return cls(make_client(settings), settings.bucket)

    def head(self, key: str) -> ObjectInfo | None:
        try:
            with _translated(f"HEAD {key}"):
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
        with _translated(f"PUT {key}"):
            self._client.put_object(
                Bucket=self._bucket, Key=key, Body=data, ContentType=content_type, **extra
            )

    def get(self, key: str) -> bytes:
        with _translated(f"GET {key}"):
            response = self._client.get_object(Bucket=self._bucket, Key=key)
            body: bytes = response["Body"].read()
        return body

    def open(self, key: str, *, byte_range: tuple[int, int] | None = None) -> S3Reader:
        extra: dict[str, Any] = {}
        if byte_range is not None:
            extra["Range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
        with _translated(f"GET {key}"):
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
        with _translated(f"LIST {prefix}"):
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
            with _translated("DELETE objects"):
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
        with _translated(f"CreateMultipartUpload {key}"):
            response = self._client.create_multipart_upload(
                Bucket=self._bucket, Key=key, ContentType=content_type, **extra
            )
        return S3Upload(self._client, self._bucket, key, response["UploadId"], tags)

    def check(self) -> None:
        with _translated(f"HEAD bucket {self._bucket}"):
            self._client.head_bucket(Bucket=self._bucket)

    # -- maintenance (osiris verify / retention)
    def list_uploads(self, prefix: str) -> Iterator[UploadInfo]:
        args: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix}
        while True:
            with _translated(f"ListMultipartUploads {prefix}"):
                response = self._client.list_multipart_uploads(**args)
            for upload in response.get("Uploads", []):
                yield UploadInfo(upload["Key"], upload["UploadId"], upload["Initiated"])
            if not response.get("IsTruncated"):
                return
            args["KeyMarker"] = response.get("NextKeyMarker", "")
            args["UploadIdMarker"] = response.get("NextUploadIdMarker", "")

    def abort_upload(self, key: str, upload_id: str) -> None:
        from botocore.exceptions import ClientError

        with _translated(f"AbortMultipartUpload {key}"):
            try:
                self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=key, UploadId=upload_id
                )
            except ClientError as exc:
                # Someone else (or a lifecycle rule) finished it first.
                if _code(exc) not in {"NoSuchUpload", *_NOT_FOUND}:
                    raise

    def get_tags(self, key: str) -> dict[str, str]:
        with _translated(f"GetObjectTagging {key}"):
            response = self._client.get_object_tagging(Bucket=self._bucket, Key=key)
        # RGW leaves TagSet out entirely when an object has no tags.
        return {tag["Key"]: tag["Value"] for tag in response.get("TagSet", [])}

    def lifecycle_rules(self) -> list[dict[str, Any]]:
        """The bucket's lifecycle rules as S3 returns them (empty if it has none)."""
        from botocore.exceptions import ClientError

        with _translated(f"GetBucketLifecycleConfiguration {self._bucket}"):
            try:
                response = self._client.get_bucket_lifecycle_configuration(Bucket=self._bucket)
            except ClientError as exc:
                if _code(exc) == "NoSuchLifecycleConfiguration":
                    return []
                raise
        return [dict(rule) for rule in response.get("Rules", [])]

    def set_lifecycle_rules(self, rules: list[dict[str, Any]]) -> None:
        """Replace the bucket's whole lifecycle configuration (no rules: remove it)."""
        with _translated(f"PutBucketLifecycleConfiguration {self._bucket}"):
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
        with _translated(f"UploadPart {self._key} #{number}"):
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
        with _translated(f"CompleteMultipartUpload {self._key}"):
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
            with _translated(f"PutObjectTagging {self._key}"):
                try:
                    self._client.put_object_tagging(
                        Bucket=self._bucket,
                        Key=self._key,
                        Tagging={"TagSet": tag_set},  # type: ignore[typeddict-item]
                    )
                    return
                except ClientError as exc:
                    if _code(exc) != "OperationAborted" or attempt + 1 == _TAGGING_ATTEMPTS:
                        raise
            time.sleep(0.05 * 2**attempt)

    def abort(self) -> None:
        # Best effort: an abort that fails leaves an incomplete upload for the
        # lifecycle rule (AbortIncompleteMultipartUpload) to collect.
        with _translated(f"AbortMultipartUpload {self._key}"):
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
            with _translated(f"GET {self.info.key} (body)"):
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
