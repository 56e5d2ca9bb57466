"""Configuration is read once, frozen, and every error names its variable."""

from __future__ import annotations

import dataclasses

import pytest

from osiris.config import (
    AuthMode,
    MiB,
    load_archive_config,
    load_lookup_config,
    variables_for,
)
from osiris.errors import ConfigError

S3 = {"AWS_ACCESS_KEY_ID": "ak", "AWS_SECRET_ACCESS_KEY": "sk"}


def test_local_directory_defaults(tmp_path) -> None:
    config = load_archive_config({"OSIRIS_STORAGE_URL": f"file://{tmp_path}"})
    assert config.storage.kind == "local"
    assert config.storage.local_root == tmp_path
    assert (config.storage.prefix, config.cluster) == ("osiris", "default")
    assert config.part_size == 8 * MiB and config.gzip_level == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.cluster = "x"  # type: ignore[misc]


def test_object_bucket_claim_variables_are_enough() -> None:
    env = {
        "BUCKET_NAME": "osiris-abc",
        "BUCKET_HOST": "rgw.svc",
        "BUCKET_PORT": "443",
        "BUCKET_REGION": "",
        **S3,
    }
    s3 = load_archive_config(env).storage.s3
    assert s3 is not None
    assert (s3.bucket, s3.endpoint_url, s3.region) == (
        "osiris-abc",
        "https://rgw.svc:443",
        "us-east-1",
    )
    plain = load_archive_config({**env, "BUCKET_PORT": "80"}).storage.s3
    assert plain is not None and plain.endpoint_url == "http://rgw.svc:80"
    forced = load_archive_config(
        {**env, "BUCKET_PORT": "8443", "OSIRIS_S3_SCHEME": "https"}
    ).storage.s3
    assert forced is not None and forced.endpoint_url == "https://rgw.svc:8443"


def test_credentials_are_not_in_the_repr() -> None:
    config = load_archive_config(
        {"OSIRIS_STORAGE_URL": "s3://bucket", **S3, "AWS_SECRET_ACCESS_KEY": "hunter2"}
    )
    assert "hunter2" not in repr(config)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "OSIRIS_STORAGE_URL"),
        ({"OSIRIS_STORAGE_URL": "ftp://x"}, "OSIRIS_STORAGE_URL"),
        ({"OSIRIS_STORAGE_URL": "s3://ab", **S3}, "OSIRIS_STORAGE_URL"),
        ({"OSIRIS_STORAGE_URL": "s3://bucket"}, "AWS_ACCESS_KEY_ID"),
        ({"OSIRIS_STORAGE_URL": "s3://bucket", "AWS_ACCESS_KEY_ID": "a"}, "AWS_SECRET_ACCESS_KEY"),
        (
            {"OSIRIS_STORAGE_URL": "s3://bucket", **S3, "OSIRIS_S3_ENDPOINT": "rgw:80"},
            "OSIRIS_S3_ENDPOINT",
        ),
        ({"BUCKET_NAME": "bucket", "BUCKET_HOST": "h", "BUCKET_PORT": "http", **S3}, "BUCKET_PORT"),
        ({"OSIRIS_STORAGE_URL": "file:///tmp", "OSIRIS_PART_SIZE_MB": "4"}, "OSIRIS_PART_SIZE_MB"),
        ({"OSIRIS_STORAGE_URL": "file:///tmp", "OSIRIS_GZIP_LEVEL": "fast"}, "OSIRIS_GZIP_LEVEL"),
        ({"OSIRIS_STORAGE_URL": "file:///tmp", "OSIRIS_CLUSTER": "Prod_1"}, "OSIRIS_CLUSTER"),
        ({"OSIRIS_STORAGE_URL": "file:///tmp", "OSIRIS_PREFIX": "a/../b"}, "OSIRIS_PREFIX"),
        (
            {"OSIRIS_STORAGE_URL": "s3://bucket", **S3, "OSIRIS_S3_CA_BUNDLE": "/nope.pem"},
            "OSIRIS_S3_CA_BUNDLE",
        ),
        ({"OSIRIS_STORAGE_URL": "file:///tmp", "OSIRIS_LOG_LEVEL": "LOUD"}, "OSIRIS_LOG_LEVEL"),
    ],
)
def test_bad_archive_config_names_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_archive_config(env)


def test_lookup_auth_defaults_to_openshift_and_validates() -> None:
    assert load_lookup_config({"OSIRIS_STORAGE_URL": "file:///tmp"}).auth is AuthMode.OPENSHIFT
    assert (
        load_lookup_config({"OSIRIS_STORAGE_URL": "file:///tmp", "OSIRIS_AUTH": "none"}).auth
        is AuthMode.NONE
    )
    with pytest.raises(ConfigError, match="OSIRIS_AUTH"):
        load_lookup_config({"OSIRIS_STORAGE_URL": "file:///tmp", "OSIRIS_AUTH": "maybe"})


def test_forwarded_token_is_untrusted_unless_configured() -> None:
    local = {"OSIRIS_STORAGE_URL": "file:///tmp"}
    assert load_lookup_config(local).trust_forwarded_token is False
    trusted = load_lookup_config({**local, "OSIRIS_TRUST_FORWARDED_TOKEN": "true"})
    assert trusted.trust_forwarded_token is True and trusted.auth is AuthMode.OPENSHIFT
    assert not load_lookup_config(
        {**local, "OSIRIS_TRUST_FORWARDED_TOKEN": "no"}
    ).trust_forwarded_token
    with pytest.raises(ConfigError, match="OSIRIS_TRUST_FORWARDED_TOKEN='sometimes'"):
        load_lookup_config({**local, "OSIRIS_TRUST_FORWARDED_TOKEN": "sometimes"})


def test_trusting_the_forwarded_token_without_auth_names_both_variables() -> None:
    env = {
        "OSIRIS_STORAGE_URL": "file:///tmp",
        "OSIRIS_AUTH": "none",
        "OSIRIS_TRUST_FORWARDED_TOKEN": "true",
    }
    with pytest.raises(
        ConfigError, match=r"OSIRIS_TRUST_FORWARDED_TOKEN=true.*OSIRIS_AUTH=openshift"
    ):
        load_lookup_config(env)
    # Off, the combination is the ordinary local run.
    assert (
        load_lookup_config({**env, "OSIRIS_TRUST_FORWARDED_TOKEN": "false"}).auth is AuthMode.NONE
    )


def test_variables_are_declared_per_function() -> None:
    archive = {v.name for v in variables_for("archive")}
    lookup = {v.name for v in variables_for("lookup")}
    assert "OSIRIS_PART_SIZE_MB" in archive - lookup
    assert "OSIRIS_AUTH" in lookup - archive
    assert {"OSIRIS_STORAGE_URL", "AWS_ACCESS_KEY_ID", "BUCKET_HOST"} <= archive & lookup
