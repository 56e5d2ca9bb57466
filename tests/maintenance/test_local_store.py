"""Verify, repair, retention and tagging on the local directory store."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from osiris.adapters.localdisk import LocalStore
from osiris.maintenance import lease
from tests.maintenance import scenarios


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "bucket")


def test_every_object_is_tagged_with_its_phase(store: LocalStore) -> None:
    scenarios.every_object_is_tagged_with_its_phase(store)


def test_verify_finds_and_repairs(store: LocalStore) -> None:
    scenarios.verify_finds_and_repairs(store)


def test_retention_run_deletes_exactly_the_expired(store: LocalStore) -> None:
    scenarios.retention_run_deletes_exactly_the_expired(store)


def test_one_repairing_or_deleting_run_at_a_time(store: LocalStore) -> None:
    scenarios.one_repairing_or_deleting_run_at_a_time(store)


def test_a_held_lease_is_renewed_while_its_run_lives_and_released_after(
    store: LocalStore,
) -> None:
    layout = scenarios.LAYOUT
    ttl = timedelta(seconds=3)
    with lease.held(store, layout, holder="long pid 1", purpose="retention", ttl=ttl):
        time.sleep(4.5)  # past the first expiry: only a renewal keeps it
        with pytest.raises(lease.MaintenanceBusyError, match=r"retention \(long pid 1\)"):
            lease.acquire(
                store, layout, holder="next pid 2", purpose="repair", now=datetime.now(UTC), ttl=ttl
            )
    assert store.head(layout.status_key(lease.LEASE_COMPONENT)) is None
