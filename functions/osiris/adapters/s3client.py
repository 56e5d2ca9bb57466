"""The boto3 S3 client as osiris configures it for Ceph RGW, and the one place botocore's
exceptions become :mod:`osiris.errors` exceptions.

Credentials or bucket problems (AccessDenied, NoSuchBucket) are reported as *retryable*:
the event is valid, the deployment is wrong, and redelivery after the fix must still
archive it rather than drop it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from osiris.config import S3Settings
from osiris.errors import (
    NotFoundError,
    OsirisError,
    PreconditionFailedError,
    StorageUnavailableError,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NOT_FOUND_CODES = {"NoSuchKey", "404", "NotFound"}
# What a deployment got wrong, said so that whoever reads the log knows what to fix.
_CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"}
_CREDENTIALS_HINT = (
    "the credentials were refused (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the bucket's "
    "Secret) or do not grant this bucket"
)
_PRECONDITION = {"PreconditionFailed", "412"}


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
        if code in NOT_FOUND_CODES:
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


def error_code(exc: Exception) -> str:
    response: Any = getattr(exc, "response", {})
    return str(response.get("Error", {}).get("Code", ""))


@contextmanager
def translated(what: str) -> Iterator[None]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, what) from exc
