"""Configuration: read once from the environment at start-up, frozen, validated.

Only the entry points call :func:`load_archive_config` / :func:`load_lookup_config`
(with ``os.environ``); everything below them receives these dataclasses. Each
validation error names the variable that is wrong, so a misconfigured deployment
fails loudly at start-up instead of storing nothing.

The variables an OpenShift ObjectBucketClaim injects (``BUCKET_HOST``,
``BUCKET_PORT``, ``BUCKET_NAME``, ``BUCKET_REGION``, ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``) are understood as they are, so an OBC's ConfigMap and
Secret can be fed to the functions with ``envFrom``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from osiris.core.names import validate_label, validate_prefix
from osiris.errors import ConfigError

if TYPE_CHECKING:
    from osiris.core.rules import RuleSet

MiB = 1024 * 1024
S3_MIN_PART_SIZE = 5 * MiB


class AuthMode(enum.Enum):
    OPENSHIFT = "openshift"
    NONE = "none"


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    access_key_id: str = field(repr=False)
    secret_access_key: str = field(repr=False)
    endpoint_url: str | None = None
    region: str = "us-east-1"
    ca_bundle: str | None = None
    verify_tls: bool = True


@dataclass(frozen=True)
class StorageConfig:
    """Where archives live: an S3 bucket (``s3``) or a local directory (``local_root``)."""

    prefix: str
    s3: S3Settings | None = None
    local_root: Path | None = None

    @property
    def kind(self) -> str:
        return "s3" if self.s3 is not None else "local"

    def describe(self) -> str:
        """A human-readable location without credentials."""
        if self.s3 is not None:
            where = self.s3.endpoint_url or "AWS"
            return f"s3://{self.s3.bucket}/{self.prefix} at {where}"
        return f"{self.local_root}/{self.prefix}"


@dataclass(frozen=True)
class ArchiveConfig:
    storage: StorageConfig
    cluster: str
    kubeconfig: str | None = None
    part_size: int = 8 * MiB
    gzip_level: int = 1
    compress_workers: int = 2
    upload_concurrency: int = 2
    log_read_timeout: float = 60.0
    log_level: str = "INFO"
    rules: RuleSet = field(default_factory=lambda: _rules_file(None))


@dataclass(frozen=True)
class LookupConfig:
    storage: StorageConfig
    cluster: str
    kubeconfig: str | None = None
    auth: AuthMode = AuthMode.OPENSHIFT
    auth_cache_ttl: float = 10.0
    log_level: str = "INFO"
    search_bytes: int = 256 * MiB
    search_seconds: float = 10.0
    # X-Forwarded-Access-Token from a loopback peer (the oauth-proxy sidecar) is a token.
    trust_forwarded_token: bool = False


# Same label as the ApiServerSource's namespaceSelector (eventing/apiserversource.yaml).
DEFAULT_SWEEP_SELECTOR = "osiris.io/archive=enabled"


@dataclass(frozen=True)
class SweepConfig:
    archive: ArchiveConfig  # storage, cluster and streaming: the archive function's own
    namespace_selector: str = DEFAULT_SWEEP_SELECTOR
    max_builds: int = 100
    concurrency: int = 2
    time_budget: float = 480.0


# --------------------------------------------------------------------------- variables


@dataclass(frozen=True)
class Variable:
    """One environment variable osiris reads (the README table and manifest tests use it)."""

    name: str
    functions: frozenset[str]
    default: str
    description: str


_BOTH = frozenset({"archive", "lookup", "sweep"})  # storage and cluster: every function
_ARCHIVE = frozenset({"archive", "sweep"})  # the sweep archives through the same code
_LOOKUP = frozenset({"lookup"})
_SWEEP = frozenset({"sweep"})

VARIABLES: tuple[Variable, ...] = (
    Variable(
        "OSIRIS_STORAGE_URL",
        _BOTH,
        "s3://$BUCKET_NAME",
        "s3://<bucket> for S3/Ceph, or file:///<dir> for a local directory",
    ),
    Variable("OSIRIS_PREFIX", _BOTH, "osiris", "key prefix inside the bucket"),
    Variable(
        "OSIRIS_CLUSTER",
        _BOTH,
        "default",
        "cluster name in the key layout (DNS-1123 label); several clusters share a bucket",
    ),
    Variable(
        "OSIRIS_S3_ENDPOINT",
        _BOTH,
        "from BUCKET_HOST/BUCKET_PORT, else AWS",
        "S3 endpoint URL, e.g. https://rgw.example:443",
    ),
    Variable(
        "BUCKET_NAME",
        _BOTH,
        "",
        "ObjectBucketClaim: bucket (used when OSIRIS_STORAGE_URL is unset)",
    ),
    Variable("BUCKET_HOST", _BOTH, "", "ObjectBucketClaim: S3 host"),
    Variable("BUCKET_PORT", _BOTH, "443", "ObjectBucketClaim: S3 port (443 means HTTPS)"),
    Variable("BUCKET_REGION", _BOTH, "", "ObjectBucketClaim: region (empty with Ceph RGW)"),
    Variable(
        "OSIRIS_S3_SCHEME",
        _BOTH,
        "https on port 443, else http",
        "scheme for BUCKET_HOST/BUCKET_PORT",
    ),
    Variable("AWS_ACCESS_KEY_ID", _BOTH, "(required for S3)", "S3 access key"),
    Variable("AWS_SECRET_ACCESS_KEY", _BOTH, "(required for S3)", "S3 secret key"),
    Variable("OSIRIS_S3_REGION", _BOTH, "BUCKET_REGION or us-east-1", "S3 signing region"),
    Variable("OSIRIS_S3_CA_BUNDLE", _BOTH, "system CAs", "PEM file with the CA of the S3 endpoint"),
    Variable("OSIRIS_S3_VERIFY_TLS", _BOTH, "true", "verify the S3 endpoint's certificate"),
    Variable(
        "KUBECONFIG",
        _BOTH,
        "the pod's service account",
        "kubeconfig file(s) for the cluster API when not running in a pod",
    ),
    Variable("OSIRIS_LOG_LEVEL", _BOTH, "INFO", "DEBUG, INFO, WARNING or ERROR"),
    Variable("OSIRIS_PART_SIZE_MB", _ARCHIVE, "8", "multipart part size in MiB (5-512)"),
    Variable(
        "OSIRIS_GZIP_LEVEL",
        _ARCHIVE,
        "1",
        "gzip level 1-9 as in zlib; with ISA-L (the default where `isal` installs) 1-3 run its level 1, 4-6 its 2, 7-9 its 3",
    ),
    Variable(
        "OSIRIS_COMPRESS_WORKERS", _ARCHIVE, "2", "threads compressing log blocks in parallel"
    ),
    Variable("OSIRIS_UPLOAD_CONCURRENCY", _ARCHIVE, "2", "multipart parts uploaded at once"),
    Variable(
        "OSIRIS_LOG_READ_TIMEOUT",
        _ARCHIVE,
        "60",
        "seconds a log stream may stall before the attempt is retried",
    ),
    Variable(
        "OSIRIS_RULES_FILE",
        _ARCHIVE,
        "the built-in rules",
        "YAML file of finding rules that add to or override the built-in ones (docs/findings.md)",
    ),
    Variable(
        "OSIRIS_AUTH",
        _LOOKUP,
        "openshift",
        "openshift (TokenReview + SubjectAccessReview) or none (local runs only)",
    ),
    Variable("OSIRIS_AUTH_CACHE_TTL", _LOOKUP, "10", "seconds an access decision is cached"),
    Variable(
        "OSIRIS_SEARCH_BUDGET_MB",
        _LOOKUP,
        "256",
        "MiB of decoded log one search request reads at most; the rest is the next page",
    ),
    Variable(
        "OSIRIS_SEARCH_TIME_BUDGET",
        _LOOKUP,
        "10",
        "seconds one search request reads logs at most; the rest is the next page",
    ),
    Variable(
        "OSIRIS_TRUST_FORWARDED_TOKEN",
        _LOOKUP,
        "false",
        "true behind the oauth-proxy sidecar: X-Forwarded-Access-Token from a loopback peer "
        "is reviewed like a bearer token (needs OSIRIS_AUTH=openshift)",
    ),
    Variable(
        "OSIRIS_SWEEP_NAMESPACE_SELECTOR",
        _SWEEP,
        DEFAULT_SWEEP_SELECTOR,
        "label selector of the namespaces swept (kubernetes.io/metadata.name: all of them)",
    ),
    Variable("OSIRIS_SWEEP_MAX_BUILDS", _SWEEP, "100", "builds one sweep run archives at most"),
    Variable("OSIRIS_SWEEP_CONCURRENCY", _SWEEP, "2", "builds a sweep run archives at once"),
    Variable(
        "OSIRIS_SWEEP_TIME_BUDGET",
        _SWEEP,
        "480",
        "seconds after which a sweep run starts no new build (the rest waits for the next "
        "run); listing namespaces stops at half of it",
    ),
)

_KNOWN = {variable.name for variable in VARIABLES}


def variables_for(function: str) -> tuple[Variable, ...]:
    return tuple(variable for variable in VARIABLES if function in variable.functions)


# --------------------------------------------------------------------------- readers


class _Env:
    """Typed access to an environment mapping; every error names the variable."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def get(self, name: str, default: str | None = None) -> str | None:
        assert name in _KNOWN, f"{name} must be declared in VARIABLES"
        value = self._env.get(name)
        if value is None or value.strip() == "":
            return default
        return value.strip()

    def require(self, name: str, hint: str) -> str:
        value = self.get(name)
        if value is None:
            raise ConfigError(f"{name} is not set: {hint}")
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        return int(self._bounded(name, default, low, high, int, "an integer"))

    def number(self, name: str, default: float, low: float, high: float) -> float:
        return self._bounded(name, default, low, high, float, "a number")

    def _bounded(
        self,
        name: str,
        default: float,
        low: float,
        high: float,
        parse: Callable[[str], float],
        kind: str,
    ) -> float:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = parse(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not {kind}") from None
        if not low <= value <= high:
            raise ConfigError(f"{name}={value} is out of range [{low}, {high}]")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.get(name)
        if raw is None:
            return default
        lowered = raw.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{name}={raw!r} is not a boolean (true/false)")

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        raw = self.get(name, default) or default
        for option in choices:
            if raw.lower() == option.lower():
                return option
        raise ConfigError(f"{name}={raw!r} must be one of {', '.join(choices)}")


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _s3_endpoint(env: _Env) -> str | None:
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
    env = _Env(environ)
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


def _ca_bundle(env: _Env) -> str | None:
    path = env.get("OSIRIS_S3_CA_BUNDLE")
    if path is not None and not Path(path).is_file():
        raise ConfigError(f"OSIRIS_S3_CA_BUNDLE={path!r} is not a readable file")
    return path


def _cluster(env: _Env) -> str:
    cluster = env.get("OSIRIS_CLUSTER", "default") or "default"
    try:
        return validate_label(cluster)
    except ValueError as exc:
        raise ConfigError(f"OSIRIS_CLUSTER={cluster!r}: {exc}") from None


def load_archive_config(environ: Mapping[str, str]) -> ArchiveConfig:
    env = _Env(environ)
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


def _rules(env: _Env) -> RuleSet:
    return _rules_file(env.get("OSIRIS_RULES_FILE") or None)


def _rules_file(path: str | None) -> RuleSet:
    """The built-in rules, with the user's file (validated now, at start-up) on top."""
    # Imported here: only archiving processes compile rules; the lookup starts without RE2.
    import yaml

    from osiris.core.builtin_rules import builtin_rules
    from osiris.core.rules import RuleSet, rules_from_document

    if path is None:
        return RuleSet(builtin_rules())
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"OSIRIS_RULES_FILE: cannot read {path}: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"OSIRIS_RULES_FILE: {path} is not valid YAML: {exc}") from None
    try:
        return rules_from_document(document, builtin_rules())
    except ConfigError as exc:
        raise ConfigError(f"OSIRIS_RULES_FILE: {exc.message}") from None


def load_lookup_config(environ: Mapping[str, str]) -> LookupConfig:
    env = _Env(environ)
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
    env = _Env(environ)
    selector = env.get("OSIRIS_SWEEP_NAMESPACE_SELECTOR", DEFAULT_SWEEP_SELECTOR)
    return SweepConfig(
        archive=load_archive_config(environ),
        namespace_selector=selector or DEFAULT_SWEEP_SELECTOR,
        max_builds=env.integer("OSIRIS_SWEEP_MAX_BUILDS", 100, 1, 100_000),
        concurrency=env.integer("OSIRIS_SWEEP_CONCURRENCY", 2, 1, 16),
        time_budget=env.number("OSIRIS_SWEEP_TIME_BUDGET", 480.0, 1.0, 86_400.0),
    )
