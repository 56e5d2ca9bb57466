"""Every figure of the Performance table: its results file, its command, its rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.figures.archive import (
    concurrent_rows,
    events_rows,
    ingest_rows,
    rules_rows,
    taskrun_rows,
)
from benchmarks.figures.lookup import cold_rows, load_rows, lookup_rows, search_rows
from benchmarks.figures.row import JSON, Row
from benchmarks.figures.ui import ui_rows


@dataclass(frozen=True)
class Figure:
    """One benchmark run and the rows of the Performance table made from its results."""

    name: str
    results: str  # file under benchmarks/results/
    command: tuple[str, ...]  # what --run runs; {results} and {junit} are filled in
    rows: Callable[[JSON], list[Row]]
    needs_ceph_env: bool = False


FIGURES: tuple[Figure, ...] = (
    Figure(
        "ingest",
        "archive_ingest.json",
        ("-m", "benchmarks.archive_ingest", "--repeat", "3", "--deflate", "zlib,isal"),
        ingest_rows,
    ),
    Figure(
        "rules",
        "archive_rules.json",
        (
            "-m",
            "benchmarks.archive_ingest",
            "--repeat",
            "11",
            "--sizes",
            "100M,1G",
            "--deflate",
            "isal,isal-norules",
        ),
        rules_rows,
    ),
    Figure(
        "concurrent",
        "archive_concurrent.json",
        ("-m", "benchmarks.archive_concurrent"),
        concurrent_rows,
    ),
    Figure(
        "events",
        "archive_events.json",
        ("-m", "benchmarks.archive_events", "--rounds", "7"),
        events_rows,
    ),
    Figure(
        "taskrun",
        "taskrun_ingest.json",
        ("-m", "benchmarks.taskrun_ingest", "--repeat", "3"),
        taskrun_rows,
    ),
    Figure(
        "lookup",
        "lookup_bench.json",
        ("benchmarks/lookup_bench.py",),
        lookup_rows,
        needs_ceph_env=True,
    ),
    Figure("cold", "lookup_cold_start.json", ("benchmarks/lookup_cold_start.py",), cold_rows),
    Figure(
        "load",
        "lookup_load.json",
        ("-m", "benchmarks.lookup_load", "--tail-of", "indexed"),
        load_rows,
        needs_ceph_env=True,
    ),
    Figure(
        "load-legacy-tail",
        "lookup_load_legacy_tail.json",
        ("-m", "benchmarks.lookup_load", "--tail-of", "legacy"),
        load_rows,
        needs_ceph_env=True,
    ),
    Figure(
        "load-no-tail",
        "lookup_load_without_tail.json",
        ("-m", "benchmarks.lookup_load", "--kinds", "list,latest,document,log"),
        load_rows,
        needs_ceph_env=True,
    ),
    Figure(
        "search",
        "search_bench.json",
        ("benchmarks/search_bench.py",),
        search_rows,
        needs_ceph_env=True,
    ),
    Figure(
        "ui",
        "ui_figures.json",
        (
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/ui/test_big_log.py",
            "--junitxml",
            "{junit}",
        ),
        ui_rows,
    ),
)
BY_NAME = {figure.name: figure for figure in FIGURES}
RELIABILITY = "reliability.json"


def figure_of(results: str) -> str:
    return next((f.name for f in FIGURES if f.results == results), "reliability")
