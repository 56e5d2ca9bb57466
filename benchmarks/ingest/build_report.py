"""``archive_ingest``'s table, its verdict against the goals, and its results file."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.ingest.build_results import CaseResult
from benchmarks.ingest.build_runs import Options
from benchmarks.ingest.reporting import load_warning, machine, median_cpu
from benchmarks.ingest.units import MiB, label

GOAL_RATIO = 0.8
GOAL_PEAK_RSS_AT_1G = 150 * 1000 * 1000  # "150 MB" in the issue


def table(results: list[CaseResult]) -> str:
    rows = [
        "| text | log size | deflate | raw upload MiB/s | archive MiB/s | archive/raw "
        "| compressed | ratio | worker peak RSS | function peak PSS "
        "| CPU s raw (client/apiserver/ceph) | CPU s archive (function/apiserver/ceph) |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        for a in r.archives:
            rows.append(
                f"| {r.text} | {label(r.size)} | {a.deflate} | {r.throughput(r.raw):.1f} "
                f"| {r.throughput(a.runs):.1f} | {r.ratio(a):.2f}x "
                f"| {a.compressed_bytes / MiB:.1f} MiB | {r.size / max(a.compressed_bytes, 1):.2f}x "
                f"| {a.worker_peak_rss / MiB:.1f} MiB | {a.function_peak_pss / MiB:.1f} MiB "
                f"| {median_cpu(r.raw)} | {median_cpu(a.runs)} |"
            )
    return "\n".join(rows)


def verdict(results: list[CaseResult]) -> list[str]:
    lines = load_warning([r.load_average for r in results])
    for r in results:
        for a in r.archives:
            where = f"{r.text} {label(r.size)} {a.deflate}"
            if r.ratio(a) < GOAL_RATIO:
                lines.append(
                    f"{where}: archive/raw {r.ratio(a):.2f} is below the {GOAL_RATIO} goal"
                )
            if r.size >= 1024 * MiB and a.worker_peak_rss >= GOAL_PEAK_RSS_AT_1G:
                lines.append(f"{where}: worker peak RSS {a.worker_peak_rss / 1e6:.0f} MB ≥ 150 MB")
    return lines or ["all goals met"]


def write_json(options: Options, results: list[CaseResult], path: Path) -> None:
    document = {
        "benchmark": "archive_ingest",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "options": {
            "sizes": options.sizes,
            "texts": options.texts,
            "deflates": options.deflates,
            "repeat": options.repeat,
            "tls": options.tls,
            "knobs": options.knobs,
            "verified": options.verify,
        },
        "results": [
            {
                **asdict(r),
                "raw_mib_per_s": round(r.throughput(r.raw), 1),
                "archive_mib_per_s": {
                    a.deflate: round(r.throughput(a.runs), 1) for a in r.archives
                },
                "archive_over_raw": {a.deflate: round(r.ratio(a), 3) for a in r.archives},
            }
            for r in results
        ],
        "verdict": verdict(results),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
