"""What the ingest benchmarks' tables and results files share."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence

from benchmarks.ingest.meters import Run


def median_cpu(runs: list[Run]) -> str:
    """The median run's CPU seconds: client/apiserver/ceph."""
    median = sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]
    return "/".join(f"{median.cpu[k]:.1f}" for k in ("client", "apiserver", "ceph"))


def load_warning(load_averages: Sequence[float]) -> list[str]:
    """A line saying the figures are noisy when other work competed for the CPU."""
    cpus = os.cpu_count() or 1
    busy = [load for load in load_averages if load > cpus]
    if not busy:
        return []
    return [
        f"load average up to {max(busy)} on {cpus} CPUs: "
        "other work competed for the CPU, so these figures are noisy"
    ]


def machine() -> dict[str, object]:
    """The results file's record of where the figures were measured."""
    import boto3

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "boto3": boto3.__version__,
        "platform": platform.platform(),
    }
