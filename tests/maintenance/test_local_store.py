"""Verify, repair, retention and tagging on the local directory store."""

from __future__ import annotations

from pathlib import Path

import pytest

from osiris.adapters.localdisk import LocalStore
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
