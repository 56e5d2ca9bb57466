"""Builds the one object store a function uses, from its configuration."""

from __future__ import annotations

from osiris.adapters.store import MaintainedStore, ObjectStore
from osiris.config import StorageConfig


def build_store(config: StorageConfig) -> ObjectStore:
    if config.s3 is not None:
        from osiris.adapters.s3 import S3Store

        return S3Store.from_settings(config.s3)
    from osiris.adapters.localdisk import LocalStore

    assert config.local_root is not None
    return LocalStore(config.local_root)


def build_maintained_store(config: StorageConfig) -> MaintainedStore:
    """The same store with what ``osiris verify`` and ``osiris retention`` need."""
    if config.s3 is not None:
        from osiris.adapters.s3 import S3Store

        return S3Store.from_settings(config.s3)
    from osiris.adapters.localdisk import LocalStore

    assert config.local_root is not None
    return LocalStore(config.local_root)
