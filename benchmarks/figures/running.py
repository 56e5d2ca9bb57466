"""``--run``: the benchmarks and tests behind the figures, writing their results files."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.figures.catalog import RELIABILITY, Figure
from benchmarks.figures.junit import junit_outcomes, junit_properties
from benchmarks.figures.paths import RESULTS, ROOT
from benchmarks.reliability import CASES as RELIABILITY_CASES


@contextmanager
def ceph_environment() -> Iterator[dict[str, str]]:
    """One Ceph for the benchmarks that take their S3 endpoint from the environment."""
    directory = Path(tempfile.mkdtemp(prefix="osiris-report-ceph-"))
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.ceph", "up", "--dir", str(directory)], cwd=ROOT
    )
    try:
        env_file = directory / "env"
        deadline = time.monotonic() + 300
        while not env_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the benchmarks' Ceph did not start")
            time.sleep(1)
        values = dict(
            line.removeprefix("export ").split("=", 1)
            for line in env_file.read_text().splitlines()
            if "=" in line
        )
        values = {key: value.strip("'\"") for key, value in values.items()}
        values["OSIRIS_TEST_S3_ENDPOINT"] = values["OSIRIS_TEST_S3_HTTP_ENDPOINT"]
        values.pop("OSIRIS_TEST_S3_CA_BUNDLE", None)  # plain HTTP, as the lookup figures were
        yield values
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(120)


def run_figure(figure: Figure, env: dict[str, str]) -> None:
    output = RESULTS / figure.results
    with tempfile.TemporaryDirectory() as scratch:
        junit = Path(scratch) / "junit.xml"
        arguments = [part.format(junit=junit) for part in figure.command]
        if "{junit}" not in figure.command:
            arguments += ["--output", str(output)]
        print(f"== {figure.name}: python {' '.join(arguments)}", flush=True)
        subprocess.run([sys.executable, *arguments], cwd=ROOT, env=env, check=True)
        if "{junit}" in figure.command:
            output.write_text(
                json.dumps({"date": _now(), "properties": junit_properties(junit)}, indent=1) + "\n"
            )


def run_reliability(env: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        junit = Path(scratch) / "junit.xml"
        paths = sorted({path for case in RELIABILITY_CASES for path in case.tests})
        print(f"== reliability: pytest {' '.join(paths)}", flush=True)
        started = time.monotonic()
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                *paths,
                "--junitxml",
                str(junit),
            ],
            cwd=ROOT,
            env=env,
            check=False,
        )
        outcomes = junit_outcomes(junit)
    counts = {
        state: sum(1 for s in outcomes.values() if s == state)
        for state in ("passed", "failed", "skipped")
    }
    data = {
        "date": _now(),
        "seconds": round(time.monotonic() - started),
        "exit_code": completed.returncode,
        **counts,
        "outcomes": outcomes,
    }
    (RESULTS / RELIABILITY).write_text(json.dumps(data, indent=1) + "\n")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
