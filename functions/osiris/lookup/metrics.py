"""Prometheus metrics in the text exposition format (0.0.4), without a client library.

Three families: requests by route, method and status; request latency by route (a
histogram); and S3 calls by operation and outcome. Labels are route templates and
fixed words, never values from a request, so a token or a name cannot leak into
them and the number of series stays bounded.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _labels(**labels: str) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return "{" + ",".join(f'{name}="{escape(value)}"' for name, value in labels.items()) + "}"


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self._latency_counts: dict[str, list[int]] = {}
        self._latency_sums: dict[str, float] = defaultdict(float)
        self._s3_calls: dict[tuple[str, str], int] = defaultdict(int)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self._requests[(route, method, str(status))] += 1
            counts = self._latency_counts.setdefault(route, [0] * (len(LATENCY_BUCKETS) + 1))
            counts[bisect_left(LATENCY_BUCKETS, seconds)] += 1
            self._latency_sums[route] += seconds

    def count_s3_call(self, operation: str, outcome: str) -> None:
        with self._lock:
            self._s3_calls[(operation, outcome)] += 1

    def s3_calls(self) -> int:
        """All S3 calls so far (tests compare it before and after a request)."""
        with self._lock:
            return sum(self._s3_calls.values())

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            lines += [
                "# HELP osiris_lookup_requests_total HTTP requests answered.",
                "# TYPE osiris_lookup_requests_total counter",
            ]
            for (route, method, code), value in sorted(self._requests.items()):
                labels = _labels(route=route, method=method, code=code)
                lines.append(f"osiris_lookup_requests_total{labels} {value}")
            lines += [
                "# HELP osiris_lookup_request_duration_seconds Time to answer a request"
                " (until the response starts).",
                "# TYPE osiris_lookup_request_duration_seconds histogram",
            ]
            for route, counts in sorted(self._latency_counts.items()):
                cumulative = 0
                for bound, count in zip((*LATENCY_BUCKETS, float("inf")), counts, strict=True):
                    cumulative += count
                    le = "+Inf" if bound == float("inf") else repr(bound)
                    labels = _labels(route=route, le=le)
                    lines.append(
                        f"osiris_lookup_request_duration_seconds_bucket{labels} {cumulative}"
                    )
                labels = _labels(route=route)
                lines.append(
                    f"osiris_lookup_request_duration_seconds_sum{labels} "
                    f"{self._latency_sums[route]:.6f}"
                )
                lines.append(f"osiris_lookup_request_duration_seconds_count{labels} {cumulative}")
            lines += [
                "# HELP osiris_lookup_s3_calls_total Calls to the object store.",
                "# TYPE osiris_lookup_s3_calls_total counter",
            ]
            for (operation, outcome), value in sorted(self._s3_calls.items()):
                labels = _labels(operation=operation, outcome=outcome)
                lines.append(f"osiris_lookup_s3_calls_total{labels} {value}")
        return "\n".join(lines) + "\n"


SWEEP_COUNTS = (
    "found",
    "already_present",
    "archived",
    "unavailable",
    "failed",
    "deferred",
    "rejected",
)


def render_sweep_status(document: Mapping[str, Any]) -> str:
    """Gauges for the sweep's last run, from the status document it leaves in the bucket.

    The sweep is woken by a PingSource and scales to zero, so nothing could scrape it;
    the lookup function, which is scraped, reports its last run instead.
    """
    lines = [
        "# HELP osiris_sweep_builds Builds counted by the sweep's last run, by result.",
        "# TYPE osiris_sweep_builds gauge",
    ]
    for result in SWEEP_COUNTS:
        value = document.get(result)
        if isinstance(value, int) and not isinstance(value, bool):
            lines.append(f"osiris_sweep_builds{_labels(result=result)} {value}")
    failures = document.get("namespace_failures")
    lines += [
        "# HELP osiris_sweep_namespace_failures Namespaces the last run could not list.",
        "# TYPE osiris_sweep_namespace_failures gauge",
        f"osiris_sweep_namespace_failures {len(failures) if isinstance(failures, dict) else 0}",
    ]
    pending = document.get("namespaces_pending")
    if isinstance(pending, int) and not isinstance(pending, bool):
        lines += [
            "# HELP osiris_sweep_namespaces_pending Namespaces the last run left for the next.",
            "# TYPE osiris_sweep_namespaces_pending gauge",
            f"osiris_sweep_namespaces_pending {pending}",
        ]
    finished = parse_time(document.get("finishedAt"))
    if finished is not None:
        lines += [
            "# HELP osiris_sweep_last_run_timestamp_seconds When the last sweep finished.",
            "# TYPE osiris_sweep_last_run_timestamp_seconds gauge",
            f"osiris_sweep_last_run_timestamp_seconds {finished.timestamp():.0f}",
        ]
    return "\n".join(lines) + "\n"


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
