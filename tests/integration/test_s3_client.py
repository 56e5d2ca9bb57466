"""The functions' boto3 client against real Ceph: what it hashes into each signature.

SigV4 can sign a request's body (its SHA-256 in ``x-amz-content-sha256``) or declare it
``UNSIGNED-PAYLOAD``. Over TLS with the certificate verified the channel protects the
body and the hash was a tenth of the archive's CPU, so it goes; over plain HTTP, or with
verification off, the signature is what protects the body, so it stays.
"""

from __future__ import annotations

import hashlib
from typing import Any

from osiris.adapters.s3client import make_client
from osiris.config import S3Settings
from tests.support.s3 import S3Bucket


def settings_of(bucket: S3Bucket, **overrides: Any) -> S3Settings:
    target = bucket.target
    fields: dict[str, Any] = {
        "bucket": bucket.name,
        "access_key_id": target.access_key,
        "secret_access_key": target.secret_key,
        "endpoint_url": target.endpoint_url,
        "region": target.region,
        "ca_bundle": target.ca_bundle,
        **overrides,
    }
    return S3Settings(**fields)


def test_the_body_is_signed_unless_verified_tls_protects_it(s3_bucket: S3Bucket) -> None:
    client = make_client(settings_of(s3_bucket))
    declared: list[str] = []

    def record(request: Any, **_: Any) -> None:
        value = request.headers["x-amz-content-sha256"]
        declared.append(value.decode() if isinstance(value, bytes) else value)

    client.meta.events.register("before-send.s3.PutObject", record)
    body = b"step 1/3: compiling\n" * 5000
    client.put_object(Bucket=s3_bucket.name, Key="log", Body=body)

    over_tls = s3_bucket.target.endpoint_url.startswith("https://")
    assert declared == ["UNSIGNED-PAYLOAD" if over_tls else hashlib.sha256(body).hexdigest()]
    # Ceph took the request as it was signed, and stored the bytes sent.
    assert client.get_object(Bucket=s3_bucket.name, Key="log")["Body"].read() == body


def test_tls_without_verification_keeps_the_body_signed() -> None:
    def signs(endpoint: str | None, verify_tls: bool = True, ca_bundle: str | None = None) -> bool:
        settings = S3Settings(
            "b", "key", "secret", endpoint, ca_bundle=ca_bundle, verify_tls=verify_tls
        )
        config = make_client(settings).meta.config
        return bool(config.s3["payload_signing_enabled"])  # type: ignore[attr-defined]

    assert signs("https://s3.example.test", verify_tls=False)
    assert signs("http://s3.example.test")
    assert not signs("https://s3.example.test")
    assert not signs("https://s3.example.test", verify_tls=False, ca_bundle="/etc/ca.pem")
    assert not signs(None)  # AWS itself, over HTTPS
