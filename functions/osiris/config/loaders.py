"""From the environment to the settings: one loader per function, and the storage all share.

The variables an OpenShift ObjectBucketClaim injects (``BUCKET_HOST``,
``BUCKET_PORT``, ``BUCKET_NAME``, ``BUCKET_REGION``, ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``) are understood as they are, so an OBC's ConfigMap and
Secret can be fed to the functions with ``envFrom``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from osiris.config.environment import Environment
from osiris.config.rules_file import load_rules_file
from osiris.config.settings import (
    DEFAULT_SWEEP_SELECTOR,
    ArchiveConfig,
    AuthMode,
    LookupConfig,
    MiB,
    S3Settings,
    StorageConfig,
    SweepConfig,
)
from osiris.core.names import validate_label, validate_prefix
from osiris.errors import ConfigError

if TYPE_CHECKING:
    from osiris.core.rules import RuleSet

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _s3_endpoint(env: Environment) -> str | None:
    explicit = env.get("OSIRIS_S3_ENDPOINT")
    if explicit is not None:
        parts = urlsplit(explicit)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigError(f"OSIRIS_S3_ENDPOINT={explicit!r} must be an http:// or https:// URL")
        return explicit.rstrip("/")
    host = env.get("BUCKET_HOST")
    if host is None:
        return None
    port = env.integer("BUCKET_PORT", 443, 1, 65535)
    # An OBC only says host and port; RGW behind a route is TLS on 443, a service is plain.
    scheme = env.choice("OSIRIS_S3_SCHEME", "https" if port == 443 else "http", ("http", "https"))
    return f"{scheme}://{host}:{port}"


def load_storage_config(environ: Mapping[str, str]) -> StorageConfig:
    env = Environment(environ)
    prefix = env.get("OSIRIS_PREFIX", "osiris") or "osiris"
    try:
        prefix = validate_prefix(prefix)
    except ValueError as exc:
        raise ConfigError(f"OSIRIS_PREFIX={prefix!r}: {exc}") from None

    url = env.get("OSIRIS_STORAGE_URL")
    if url is None:
        bucket_name = env.get("BUCKET_NAME")
        if bucket_name is None:
            raise ConfigError(
                "OSIRIS_STORAGE_URL is not set: use s3://<bucket> for S3/Ceph, "
                "file:///<dir> for a local directory, or provide an ObjectBucketClaim's BUCKET_NAME"
            )
        url = f"s3://{bucket_name}"

    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in {"", "localhost"} or not parts.path.startswith("/"):
            raise ConfigError(f"OSIRIS_STORAGE_URL={url!r}: a file URL needs an absolute path")
        return StorageConfig(prefix=prefix, local_root=Path(parts.path))
    if parts.scheme != "s3":
        raise ConfigError(f"OSIRIS_STORAGE_URL={url!r}: the scheme must be s3:// or file://")
    bucket = parts.netloc
    if not 3 <= len(bucket) <= 63 or parts.path.strip("/"):
        raise ConfigError(
            f"OSIRIS_STORAGE_URL={url!r}: expected s3://<bucket> with a 3-63 character bucket "
            "name (the key prefix is OSIRIS_PREFIX)"
        )
    s3 = S3Settings(
        bucket=bucket,
        access_key_id=env.require(
            "AWS_ACCESS_KEY_ID", "the S3 access key (an OBC's Secret has it)"
        ),
        secret_access_key=env.require(
            "AWS_SECRET_ACCESS_KEY", "the S3 secret key (an OBC's Secret has it)"
        ),
        endpoint_url=_s3_endpoint(env),
        region=env.get("OSIRIS_S3_REGION") or env.get("BUCKET_REGION") or "us-east-1",
        ca_bundle=_ca_bundle(env),
        verify_tls=env.boolean("OSIRIS_S3_VERIFY_TLS", True),
    )
    return StorageConfig(prefix=prefix, s3=s3)


def _ca_bundle(env: Environment) -> str | None:
    path = env.get("OSIRIS_S3_CA_BUNDLE")
    if path is not None and not Path(path).is_file():
        raise ConfigError(f"OSIRIS_S3_CA_BUNDLE={path!r} is not a readable file")
    return path


def _cluster(env: Environment) -> str:
    cluster = env.get("OSIRIS_CLUSTER", "default") or "default"
    try:
        return validate_label(cluster)
    except ValueError as exc:
        raise ConfigError(f"OSIRIS_CLUSTER={cluster!r}: {exc}") from None


def load_archive_config(environ: Mapping[str, str]) -> ArchiveConfig:
    env = Environment(environ)
    return ArchiveConfig(
        storage=load_storage_config(environ),
        cluster=_cluster(env),
        kubeconfig=env.get("KUBECONFIG"),
        part_size=env.integer("OSIRIS_PART_SIZE_MB", 8, 5, 512) * MiB,
        gzip_level=env.integer("OSIRIS_GZIP_LEVEL", 1, 1, 9),
        compress_workers=env.integer("OSIRIS_COMPRESS_WORKERS", 2, 1, 16),
        upload_concurrency=env.integer("OSIRIS_UPLOAD_CONCURRENCY", 2, 1, 16),
        log_read_timeout=env.number("OSIRIS_LOG_READ_TIMEOUT", 60.0, 1.0, 3600.0),
        log_level=env.choice("OSIRIS_LOG_LEVEL", "INFO", _LOG_LEVELS),
        rules=_rules(env),
    )


def _rules(env: Environment) -> RuleSet:
    return load_rules_file(env.get("OSIRIS_RULES_FILE") or None)


def load_lookup_config(environ: Mapping[str, str]) -> LookupConfig:
    env = Environment(environ)
    auth = AuthMode(env.choice("OSIRIS_AUTH", "openshift", tuple(mode.value for mode in AuthMode)))
    trust_forwarded_token = env.boolean("OSIRIS_TRUST_FORWARDED_TOKEN", False)
    if trust_forwarded_token and auth is AuthMode.NONE:
        # Nothing would check the forwarded token: the setting would be a silent no-op.
        raise ConfigError(
            "OSIRIS_TRUST_FORWARDED_TOKEN=true needs OSIRIS_AUTH=openshift "
            "(with OSIRIS_AUTH=none no token is checked)"
        )
    return LookupConfig(
        storage=load_storage_config(environ),
        cluster=_cluster(env),
        kubeconfig=env.get("KUBECONFIG"),
        auth=auth,
        auth_cache_ttl=env.number("OSIRIS_AUTH_CACHE_TTL", 10.0, 0.0, 3600.0),
        log_level=env.choice("OSIRIS_LOG_LEVEL", "INFO", _LOG_LEVELS),
        search_bytes=env.integer("OSIRIS_SEARCH_BUDGET_MB", 256, 1, 102_400) * MiB,
        search_seconds=env.number("OSIRIS_SEARCH_TIME_BUDGET", 10.0, 0.5, 300.0),
        trust_forwarded_token=trust_forwarded_token,
    )


def load_sweep_config(environ: Mapping[str, str]) -> SweepConfig:
    env = Environment(environ)
    selector = env.get("OSIRIS_SWEEP_NAMESPACE_SELECTOR", DEFAULT_SWEEP_SELECTOR)
    return SweepConfig(
        archive=load_archive_config(environ),
        namespace_selector=selector or DEFAULT_SWEEP_SELECTOR,
        max_builds=env.integer("OSIRIS_SWEEP_MAX_BUILDS", 100, 1, 100_000),
        concurrency=env.integer("OSIRIS_SWEEP_CONCURRENCY", 2, 1, 16),
        time_budget=env.number("OSIRIS_SWEEP_TIME_BUDGET", 480.0, 1.0, 86_400.0),
    )
