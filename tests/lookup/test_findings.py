"""Findings end to end: the real Archiver runs the built-in rules while a build's log
streams, build.json carries them, the index entry the most severe rule id, and the lookup
lists and filters by it from listings alone (local directory and real Ceph)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from osiris.adapters.s3 import S3Store
from osiris.adapters.store import ObjectStore
from osiris.core.builtin_rules import builtin_rules
from osiris.core.keys import KeyLayout
from osiris.core.rules import RuleSet
from osiris.maintenance.verify import VerifyOptions, verify
from tests.lookup.conftest import ValidatingClient
from tests.maintenance.archived import NAMESPACE, Archived, BuildFactory
from tests.support.s3 import S3Bucket

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BUILDS = f"/api/v1/namespaces/{NAMESPACE}/builds"


def archive_some(store: ObjectStore, layout: KeyLayout) -> list[Archived]:
    factory = BuildFactory(store, layout, START, rules=RuleSet(builtin_rules()))
    return [
        factory.build("api", "Complete"),
        factory.build("api", "Failed"),
        factory.build("web", "Complete"),
        factory.build("web", "Failed"),
    ]


def first_line(log: bytes, prefix: bytes) -> int:
    return next(n for n, line in enumerate(log.split(b"\n"), 1) if line.startswith(prefix))


def check_archive(store: ObjectStore, layout: KeyLayout, archived: list[Archived]) -> None:
    for build in archived:
        assert build.log is not None
        document = json.loads(store.get(layout.metadata_key(build.ref)))
        entries = [
            layout.parse_index_key(info.key)[1]
            for info in store.list_objects(layout.namespace_index_prefix(NAMESPACE)).objects
            if build.ref.uid in info.key
        ]
        (entry,) = entries
        if build.phase == "Complete":
            assert document["findings"] == []
            assert entry.finding is None
            # A build without a finding keeps the nine-field entry of older archives.
            assert entry.encode().endswith(build.ref.uid)
            continue
        finding = document["findings"][0]
        assert finding["rule"] == "test-failure"
        assert finding["line"] == first_line(build.log, b"FAILED ")
        assert finding["text"].startswith("FAILED ")
        assert len(finding["before"]) == 3 and finding["matches"] >= 2
        assert entry.finding == "test-failure"
        assert entry.encode().endswith(f"{build.ref.uid}_test-failure")


def test_findings_are_archived_listed_and_filtered(
    local_store: ObjectStore, layout: KeyLayout, make_client: Callable[..., ValidatingClient]
) -> None:
    archived = archive_some(local_store, layout)
    check_archive(local_store, layout, archived)
    client = make_client()

    listed = client.get(BUILDS).get_json()["items"]
    by_name = {item["name"]: item["finding"] for item in listed}
    assert by_name == {
        build.ref.name: ("test-failure" if build.phase == "Failed" else None) for build in archived
    }

    response, calls = client.s3_calls(f"{BUILDS}?finding=test-failure")
    failed = [item["name"] for item in response.get_json()["items"]]
    assert failed == [b.ref.name for b in reversed(archived) if b.phase == "Failed"]
    assert calls == 1  # filtered within the namespace listing: no object is read

    both = client.get(f"{BUILDS}?finding=test-failure&buildconfig=web").get_json()["items"]
    assert [item["name"] for item in both] == [archived[3].ref.name]
    assert client.get(f"{BUILDS}?finding=oom-killed").get_json()["items"] == []

    document = client.get(f"{BUILDS}/{archived[1].ref.name}").get_json()
    assert document["findings"][0]["rule"] == "test-failure"

    # verify recomputes every index key from build.json, the finding included.
    report = verify(
        local_store, layout, VerifyOptions(grace=timedelta(0)), START.replace(year=2030)
    )
    assert report.findings == [] and report.runs == len(archived)


@pytest.mark.parametrize("value", ["Bad_Rule", "a/b", "x" * 64, ""])
def test_a_bad_finding_filter_is_a_400_problem(
    client: ValidatingClient, local_store: ObjectStore, layout: KeyLayout, value: str
) -> None:
    archive_some(local_store, layout)
    response = client.get(f"{BUILDS}?finding={value}")
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert "finding" in response.get_json()["detail"]


def test_page_tokens_of_a_finding_query_belong_to_it(
    client: ValidatingClient, local_store: ObjectStore, layout: KeyLayout
) -> None:
    archive_some(local_store, layout)
    page: dict[str, Any] = client.get(f"{BUILDS}?finding=test-failure&limit=1").get_json()
    token = page["nextPageToken"]
    assert token is not None
    rest = client.get(f"{BUILDS}?finding=test-failure&limit=1&pageToken={token}").get_json()
    assert len(rest["items"]) == 1 and rest["items"][0]["finding"] == "test-failure"
    assert client.get(f"{BUILDS}?limit=1&pageToken={token}").status_code == 400


@pytest.mark.s3
def test_findings_over_real_ceph(s3_bucket: S3Bucket, layout: KeyLayout) -> None:
    store = S3Store(s3_bucket.target.client(), s3_bucket.name)
    archived = archive_some(store, layout)
    check_archive(store, layout, archived)
