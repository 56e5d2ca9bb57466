"""Where the benchmarked builds and their archive live: one namespace, one bucket."""

from __future__ import annotations

NAMESPACE = "bench"
BUILDCONFIG = "app"
PREFIX = "bench"
CLUSTER = "bench"
BUCKET = "osiris-ingest-bench"
