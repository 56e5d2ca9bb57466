"""The plugin's pure parts: the merge of cluster and archive rows, kubectl's ages."""

from __future__ import annotations

import pytest

from osiris.plugin.merge import Filters, Row, merge
from osiris.plugin.output import age, table


def row(uid: str, created: int, **fields: object) -> Row:
    base: dict[str, object] = {
        "kind": "Build",
        "namespace": "shop",
        "name": f"b-{uid}",
        "uid": uid,
        "phase": "Complete",
        "created": created,
        "started": created,
        "duration_seconds": 5,
    }
    return Row(**{**base, **fields})  # type: ignore[arg-type]


def test_one_row_per_uid_the_cluster_object_wins_and_is_marked_archived() -> None:
    archived = [row("a", 10, archived=True, commit="abc1234"), row("b", 20, archived=True)]
    cluster = [row("a", 10, phase="Failed", in_cluster=True), row("c", 30, in_cluster=True)]
    merged = merge(cluster, archived)
    assert [r.uid for r in merged] == ["c", "b", "a"]
    both = merged[2]
    assert both.phase == "Failed" and both.in_cluster and both.archived
    assert both.commit == "abc1234"  # the archive's commit fills in when the cluster lacks it
    assert not merged[0].archived and not merged[1].in_cluster


def test_filters_and_limit_apply_after_the_merge() -> None:
    rows = [row(str(n), n, group="api" if n % 2 else "web") for n in range(10)]
    assert [r.uid for r in merge(rows, [], Filters(group="api"), limit=2)] == ["9", "7"]
    assert merge(rows, [], Filters(phase="Running")) == []
    with_commit = [row("x", 1, commit="deadbeefcafe")]
    assert merge(with_commit, [], Filters(commit="deadbee")) == with_commit


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (150, "2m30s"),
        (600, "10m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 60 * 5, "3h5m"),
        (30 * 3600, "30h"),
        (3 * 86400 + 3600, "3d1h"),
        (10 * 86400, "10d"),
        (800 * 86400, "2y70d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_ages_read_like_kubectl(seconds: int, text: str) -> None:
    assert age(seconds) == text


def test_table_pads_columns_and_is_empty_without_rows() -> None:
    assert table(["NAME", "X"], [["a", "1"], ["long-name", "2"]]) == (
        "NAME        X\na           1\nlong-name   2\n"
    )
    assert table(["NAME"], []) == ""
