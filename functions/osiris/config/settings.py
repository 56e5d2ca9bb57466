"""The settings each function runs with: frozen dataclasses, built once by the loaders."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from osiris.config.rules_file import load_rules_file

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
    rules: RuleSet = field(default_factory=lambda: load_rules_file(None))


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
