"""Configuration: read once from the environment at start-up, frozen, validated.

Only the entry points call :func:`load_archive_config` / :func:`load_lookup_config`
(with ``os.environ``); everything below them receives these dataclasses. Each
validation error names the variable that is wrong, so a misconfigured deployment
fails loudly at start-up instead of storing nothing.

``settings`` holds the dataclasses, ``variables`` the documented list of what is read,
``environment`` the typed reads, ``loaders`` the environment → settings step and
``rules_file`` the finding rules a deployment adds.
"""

# The functions, tests and benchmarks all import from osiris.config: it stays the one place.
from osiris.config.loaders import (
    load_archive_config,
    load_lookup_config,
    load_storage_config,
    load_sweep_config,
)
from osiris.config.settings import (
    DEFAULT_SWEEP_SELECTOR,
    S3_MIN_PART_SIZE,
    ArchiveConfig,
    AuthMode,
    LookupConfig,
    MiB,
    S3Settings,
    StorageConfig,
    SweepConfig,
)
from osiris.config.variables import VARIABLES, Variable, variables_for

__all__ = [
    "DEFAULT_SWEEP_SELECTOR",
    "S3_MIN_PART_SIZE",
    "VARIABLES",
    "ArchiveConfig",
    "AuthMode",
    "LookupConfig",
    "MiB",
    "S3Settings",
    "StorageConfig",
    "SweepConfig",
    "Variable",
    "load_archive_config",
    "load_lookup_config",
    "load_storage_config",
    "load_sweep_config",
    "variables_for",
]
