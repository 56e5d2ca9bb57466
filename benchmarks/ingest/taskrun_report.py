"""``taskrun_ingest``'s table, its verdict against the goals, and its results file."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import UTC, datetime

from benchmarks.ingest.reporting import load_warning, machine, median_cpu
from benchmarks.ingest.taskrun_runs import CaseResult, case_label
from benchmarks.ingest.units import MiB, label

GOAL_PEAK_RSS = 150 * 1000 * 1000  # "150 MB", as for one Build log


def table(results: list[CaseResult]) -> str:
    rows = [
        "| steps x step log | total | raw upload MiB/s | archive MiB/s | archive/raw "
        "| compression | worker peak RSS | CPU s archive (function/apiserver/ceph) | load |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        rows.append(
            f"| {case_label((r.steps, r.step_size))} | {label(r.size)} "
            f"| {r.throughput(r.raw):.1f} | {r.throughput(r.archive):.1f} | {r.ratio:.2f}x "
            f"| {r.size / max(r.compressed_bytes, 1):.2f}x | {r.worker_peak_rss / MiB:.1f} MiB "
            f"| {median_cpu(r.archive)} | {r.load_average} |"
        )
    return "\n".join(rows)


def verdict(results: list[CaseResult]) -> list[str]:
    lines = load_warning([r.load_average for r in results])
    by_total: dict[int, list[CaseResult]] = {}
    for r in results:
        by_total.setdefault(r.size, []).append(r)
        if r.worker_peak_rss >= GOAL_PEAK_RSS:
            lines.append(
                f"{case_label((r.steps, r.step_size))}: worker peak RSS "
                f"{r.worker_peak_rss / 1e6:.0f} MB ≥ 150 MB"
            )
    for total, same in by_total.items():
        if len(same) > 1:
            peaks = [r.worker_peak_rss / MiB for r in same]
            ratios = [r.ratio for r in same]
            lines.append(
                f"{label(total)} in {', '.join(str(r.steps) for r in same)} steps: worker peak "
                f"RSS {min(peaks):.1f}-{max(peaks):.1f} MiB, archive/raw "
                f"{min(ratios):.2f}-{max(ratios):.2f}x"
            )
    by_step = {r.step_size: r.worker_peak_rss / MiB for r in results}
    if len(by_step) > 1:
        small, large = min(by_step), max(by_step)
        lines.append(
            f"worker peak RSS at {label(small)} steps {by_step[small]:.1f} MiB, at "
            f"{label(large)} steps {by_step[large]:.1f} MiB"
        )
    return lines


def write_json(args: argparse.Namespace, results: list[CaseResult]) -> None:
    document = {
        "benchmark": "taskrun_ingest",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "options": {
            "cases": [list(case) for case in args.cases],
            "repeat": args.repeat,
            "tls": args.tls,
            "knobs": args.knobs,
            "verified": args.verify,
            "deflate": "isal",
        },
        "results": [
            {
                **asdict(r),
                "total_bytes": r.size,
                "raw_mib_per_s": round(r.throughput(r.raw), 1),
                "archive_mib_per_s": round(r.throughput(r.archive), 1),
                "archive_over_raw": round(r.ratio, 3),
            }
            for r in results
        ],
        "verdict": verdict(results),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n")
