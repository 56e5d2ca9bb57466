"""The plugin's pure parts: the merge of cluster and archive rows, kubectl's ages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from osiris.plugin.merge import Filters, Row, merge
from osiris.plugin.output import age, duration, table, why
from osiris.plugin.tekton import last_lines, prefixed


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


LOG = b"one\r\n\xff two\n\nthree"


@pytest.mark.parametrize("cut", range(len(LOG) + 1))
def test_prefixed_lines_whatever_the_chunks(cut: int) -> None:
    chunks = [LOG[:cut], LOG[cut:]]
    assert b"".join(prefixed(b"[s] ", chunks)) == b"[s] one\r\n[s] \xff two\n[s] \n[s] three\n"
    assert b"".join(prefixed(b"[s] ", [c + b"\n" for c in [LOG]])) == (
        b"[s] one\r\n[s] \xff two\n[s] \n[s] three\n"
    )
    assert b"".join(last_lines(2, chunks)) == b"\nthree"
    assert b"".join(last_lines(0, chunks)) == b""


def test_an_empty_step_prints_nothing() -> None:
    assert b"".join(prefixed(b"[s] ", [b"", b""])) == b""


def test_tekton_cells() -> None:
    assert [duration(s) for s in (0, 45, 65, 3600, 3725)] == [
        "0s",
        "45s",
        "1m5s",
        "1h0m0s",
        "1h2m5s",
    ]
    failed = row("f", 1, kind="TaskRun", phase="Failed", reason="Failed")
    assert why(failed) == "<none>"
    assert why(replace(failed, reason="TaskRunTimeout", phase="TimedOut")) == "TaskRunTimeout"
    assert why(replace(failed, finding="oom-killed")) == "oom-killed"
    # The archive's finding survives the cluster's object winning the merge.
    merged = merge([replace(failed, in_cluster=True)], [replace(failed, finding="oom-killed")])
    assert merged[0].finding == "oom-killed" and merged[0].in_cluster and merged[0].archived
