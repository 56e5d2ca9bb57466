"""The key layout: names are validated, entries round-trip, listings sort newest first."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from osiris.core.indexentry import invert_time, revert_time
from osiris.core.keys import (
    TERMINAL_PHASES,
    BuildRef,
    IndexEntry,
    KeyLayout,
    child_names,
)
from osiris.errors import InvalidKeyError, InvalidNameError

UID = "0b6f3c1e-7a52-4c1c-9d3e-8f0b1a2c3d4e"
LAYOUT = KeyLayout("osiris", "prod")

label = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?", fullmatch=True)
subdomain = st.lists(label, min_size=1, max_size=3).map(".".join)
uids = st.uuids().map(str)
epoch = st.integers(min_value=0, max_value=9_999_999_999)
optional_count = st.none() | st.integers(min_value=0, max_value=10**12)

entries = st.builds(
    IndexEntry,
    created=epoch,
    name=subdomain,
    phase=st.sampled_from(TERMINAL_PHASES),
    uid=uids,
    number=optional_count,
    group=st.none() | subdomain,
    started=st.none() | epoch,
    completed=st.none() | epoch,
    log_bytes=optional_count,
)


@given(entries, label, st.none() | st.text("0123456789abcdef", min_size=40, max_size=40))
def test_every_index_key_parses_back_to_its_entry(
    entry: IndexEntry, namespace: str, commit: str | None
) -> None:
    keys = LAYOUT.index_keys(namespace, entry, commit)
    assert len(keys) == 2 + 2 * (entry.group is not None) + (commit is not None)
    for key in keys:
        assert key.startswith("osiris/v1/prod/index/")
        assert LAYOUT.parse_index_key(key) == (namespace, entry)


@given(st.lists(entries, min_size=2, max_size=20, unique_by=lambda e: e.uid))
def test_ascending_key_order_is_newest_first(batch: list[IndexEntry]) -> None:
    keys = sorted(LAYOUT.index_keys("ns", e, None)[0] for e in batch)
    created = [LAYOUT.parse_index_key(k)[1].created for k in keys]
    assert created == sorted(created, reverse=True)


@given(epoch)
def test_inverted_time_round_trips_and_is_fixed_width(seconds: int) -> None:
    assert len(invert_time(seconds)) == 10
    assert revert_time(invert_time(seconds)) == seconds


def test_object_keys_round_trip() -> None:
    ref = BuildRef("my-ns", "app-12", UID)
    assert LAYOUT.log_key(ref) == f"osiris/v1/prod/builds/my-ns/app-12/{UID}/log.gz"
    assert LAYOUT.metadata_key(ref) == f"osiris/v1/prod/builds/my-ns/app-12/{UID}/build.json"
    assert LAYOUT.parse_object_key(LAYOUT.log_key(ref)) == (ref, "log.gz")
    assert LAYOUT.parse_object_key(LAYOUT.metadata_key(ref)) == (ref, "build.json")


@pytest.mark.parametrize(
    "namespace",
    ["", "../x", "a/b", "UPPER", "-lead", "trail-", "a_b", "x" * 64, "a.b", "ns\n", "ns%2f"],
)
def test_a_bad_namespace_never_becomes_a_key(namespace: str) -> None:
    with pytest.raises(InvalidNameError):
        LAYOUT.namespace_index_prefix(namespace)
    with pytest.raises(InvalidNameError):
        BuildRef(namespace, "app-1", UID)


@pytest.mark.parametrize("name", ["", "..", "a/../b", "a b", "A", "a_1", "x" * 254, "a..b"])
def test_a_bad_build_name_never_becomes_a_key(name: str) -> None:
    with pytest.raises(InvalidNameError):
        LAYOUT.build_prefix("ns", name)


@given(st.text(string.printable, max_size=30))
def test_whatever_a_name_is_its_key_stays_under_the_root(name: str) -> None:
    try:
        key = LAYOUT.build_prefix("ns", name)
    except InvalidNameError:
        return
    assert key.startswith("osiris/v1/prod/builds/ns/")
    assert key.count("/") == 6 and ".." not in key.split("/")


def test_bad_uid_phase_and_commit_are_refused() -> None:
    with pytest.raises(InvalidNameError):
        BuildRef("ns", "app-1", "not-a-uid")
    with pytest.raises(InvalidKeyError):
        IndexEntry(created=1, name="a-1", phase="Running", uid=UID)
    with pytest.raises(InvalidNameError):
        LAYOUT.commit_index_prefix("abc")
    assert LAYOUT.commit_index_prefix("ABCDEF1", allow_prefix=True).endswith("/commit/abcdef1")


@pytest.mark.parametrize(
    "key",
    [
        "osiris/v1/prod/index/ns/ns/garbage",
        "osiris/v1/other/index/ns/ns/x",
        "osiris/v1/prod/index/zz/ns/x",
        "osiris/v1/prod/builds/ns/a/b",
    ],
)
def test_foreign_keys_do_not_parse(key: str) -> None:
    with pytest.raises((InvalidKeyError, InvalidNameError)):
        LAYOUT.parse_index_key(key)


def test_namespaces_and_buildconfigs_come_from_common_prefixes() -> None:
    parent = LAYOUT.namespaces_prefix()
    prefixes = [parent + "alpha/", parent + "beta/", parent + "Bad_Name/"]
    assert child_names(prefixes, parent) == ["alpha", "beta"]
    assert LAYOUT.buildconfigs_prefix("alpha") == "osiris/v1/prod/index/bc/alpha/"
    assert KeyLayout.clusters_prefix("osiris") == "osiris/v1/"


def test_entry_fields_absent_and_duration() -> None:
    entry = IndexEntry(created=100, name="x-1", phase="Error", uid=UID)
    assert entry.encode() == f"9999999899_x-1_Error_-_-_-_-_-_{UID}"
    assert entry.duration is None
    assert (
        IndexEntry(created=1, name="x", phase="Complete", uid=UID, started=5, completed=65).duration
        == 60
    )
