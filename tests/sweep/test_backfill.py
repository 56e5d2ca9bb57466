"""``osiris backfill`` as a user runs it: a subprocess, the kubeconfig, the storage variables."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.faults import LogFault
from tests.support.s3 import S3Bucket
from tests.sweep.uploads import open_uploads

BUILDS = 1000
EXIT_TIMEOUT = 300  # seconds; a run takes about 20


def backfill(environ: dict[str, str], *arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # our own interpreter and arguments
        [sys.executable, "-m", "osiris.cli", "backfill", *arguments],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Its output once it exits; a hung backfill fails the test instead of the whole run."""
    try:
        return process.communicate(timeout=EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        pytest.fail(f"backfill did not exit within {EXIT_TIMEOUT} s; stderr:\n{err[-3000:]}")


def markers(bucket: S3Bucket) -> Counter[str]:
    return Counter(k for k in bucket.object_keys() if k.endswith("/build.json"))


@pytest.mark.slow
@pytest.mark.one_s3_target
def test_backfill_of_a_thousand_builds_resumes_after_an_interrupt(
    cluster: SimulatedCluster,
    function_environ: dict[str, str],
    s3_bucket: S3Bucket,
    tmp_path: Path,
) -> None:
    for number in range(BUILDS):
        namespace = "shop" if number % 3 else "lab"
        cluster.start_build(namespace, "api" if number % 2 else "web", log_size=200 + number)
    environ = {**function_environ, "OSIRIS_SWEEP_CONCURRENCY": "4"}

    dry = backfill(environ, "-l", "osiris.io/archive=enabled", "--dry-run")
    out, _ = finish(dry)
    assert dry.returncode == 0
    assert out.count("would archive ") == BUILDS
    assert s3_bucket.object_keys() == []

    # Interrupt (Ctrl-C) once the progress bar shows work done.
    first = backfill(environ, "-n", "shop", "-n", "lab")
    assert first.stderr is not None
    for line in first.stderr:
        if line.startswith("[") and int(line.split("] ")[1].split("/")[0]) >= 100:
            first.send_signal(signal.SIGINT)
            break
    out, _ = finish(first)
    summary = json.loads(out.strip().splitlines()[-1])
    assert first.returncode == 130 and summary["interrupted"] is True
    archived_first = summary["archived"]
    assert 100 <= archived_first < BUILDS
    assert summary["archived"] + summary["deferred"] + summary["failed"] == BUILDS
    assert sum(markers(s3_bucket).values()) == archived_first
    assert open_uploads(s3_bucket) == []  # in-flight builds finished, queued ones never began

    second = backfill(environ, "-n", "shop", "-n", "lab")
    out, err = finish(second)
    assert second.returncode == 0, err[-2000:]
    summary = json.loads(out.strip().splitlines()[-1])
    assert (summary["found"], summary["already_present"], summary["archived"]) == (
        BUILDS,
        archived_first,
        BUILDS - archived_first,
    )
    assert f"{BUILDS - archived_first}/{BUILDS - archived_first}" in err

    counted = markers(s3_bucket)
    assert len(counted) == BUILDS and set(counted.values()) == {1}
    index = [k for k in s3_bucket.object_keys() if "/index/ns/" in k]
    assert len(index) == BUILDS
    assert open_uploads(s3_bucket) == []


@pytest.mark.one_s3_target
def test_a_second_interrupt_quits_at_once_and_the_next_run_finishes(
    cluster: SimulatedCluster,
    function_environ: dict[str, str],
    s3_bucket: S3Bucket,
) -> None:
    builds = [cluster.start_build("shop", "api", log_size=200_000) for _ in range(20)]
    # The second build (oldest first, one at a time) stalls mid-log: it is in flight when
    # the interrupts come, and would hold a graceful stop for 8 s.
    stalled = LogFault(stall_after=50_000, stall_seconds=8.0)
    cluster.add_log_fault("shop", builds[1]["metadata"]["name"], stalled)
    environ = {**function_environ, "OSIRIS_SWEEP_CONCURRENCY": "1"}

    first = backfill(environ, "-n", "shop")
    assert first.stderr is not None
    for line in first.stderr:
        if line.startswith("["):  # work is under way
            first.send_signal(signal.SIGINT)
            break
    for line in first.stderr:
        if line.startswith("finishing the builds in flight"):
            first.send_signal(signal.SIGINT)
            break
    out, _ = finish(first)
    assert first.returncode == -signal.SIGINT  # killed by the signal: no summary, no wait
    assert open_uploads(s3_bucket) == []  # a stalled build had no part to upload yet
    assert out == ""

    second = backfill(environ, "-n", "shop")
    out, err = finish(second)
    assert second.returncode == 0, err[-2000:]
    summary = json.loads(out.strip().splitlines()[-1])
    # The first build was committed before the interrupts; the killed one never was.
    assert (summary["already_present"], summary["archived"]) == (1, 19)
    assert sum(markers(s3_bucket).values()) == 20
