"""Cold start of the lookup function: process start → first successful response.

Starts ``functions-framework --target lookup --source functions/main.py`` (what the
Knative Service runs) over a local-directory bucket with a few archived builds, polls
until the first 200, and repeats. First requests are measured separately:

* a hello-world functions-framework app, the yardstick (the goal is within 1.5x of it);
* ``/healthz`` — the process is up (no store, no boto3);
* ``/`` — the web UI's first page (a Jinja shell, no store);
* ``/api/v1/namespaces/shop/builds`` — the first real answer (builds the store).

Run by hand::

    /tmp/venv/bin/python benchmarks/lookup_cold_start.py --runs 5

Also prints ``python -X importtime`` for the entry point's imports (cumulative ms).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results" / "lookup_cold_start.json"

from tests.lookup.archive_data import BASE_TIME, StoredBuild, make_log, store_build  # noqa: E402

from osiris.adapters.localdisk import LocalStore  # noqa: E402
from osiris.core.keys import KeyLayout  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def first_success(url: str, started: float, process: subprocess.Popen[bytes]) -> float:
    while True:
        if process.poll() is not None:
            raise SystemExit(f"the function exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    response.read()
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.005)


HELLO_WORLD = """def hello(request):
    return "hello"
"""


def measure(path: str, env: dict[str, str], source: Path | None = None) -> float:
    """Process start → first 200 on ``path``: the lookup, or the hello-world ``source``."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "functions-framework"),
        "--target=lookup" if source is None else "--target=hello",
        f"--source={source or ROOT / 'functions' / 'main.py'}",
        f"--port={port}",
        "--host=127.0.0.1",
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        return first_success(f"http://127.0.0.1:{port}{path}", started, process)
    finally:
        process.terminate()
        process.wait(10)


def import_profile(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import osiris.entrypoints.lookup"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in result.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    rows.sort(reverse=True)
    return "\n".join(f"  {micros / 1000:7.1f} ms {name}" for micros, name in rows[:8])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="osiris-cold-"))
    try:
        store = LocalStore(root)
        layout = KeyLayout("osiris", "bench")
        for n in range(20):
            store_build(
                store,
                layout,
                StoredBuild(
                    "shop", f"api-{n + 1}", BASE_TIME + n, buildconfig="api", log=make_log("x")
                ),
            )
        env = dict(
            os.environ,
            OSIRIS_STORAGE_URL=f"file://{root}",
            OSIRIS_CLUSTER="bench",
            OSIRIS_AUTH="none",
            FUNCTION_TARGET="lookup",
            PYTHONPATH=str(ROOT / "functions"),
        )
        hello = root / "hello.py"
        hello.write_text(HELLO_WORLD)
        # The yardstick: a hello-world functions-framework app (the lookup's goal is 1.5x).
        runs: list[tuple[str, str, Path | None]] = [("hello world /", "/", hello)]
        runs += [(path, path, None) for path in ("/healthz", "/", "/api/v1/namespaces/shop/builds")]
        cases = []
        for label, path, source in runs:
            times = [measure(path, env, source) for _ in range(args.runs)]
            cases.append({"first_200": label, "median_ms": round(statistics.median(times) * 1000)})
            print(
                f"{label:36s} first 200 after: median {statistics.median(times) * 1000:6.0f} ms, "
                f"min {min(times) * 1000:6.0f} ms, max {max(times) * 1000:6.0f} ms ({args.runs} runs)"
            )
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(
            json.dumps(
                {
                    "date": datetime.now(UTC).isoformat(timespec="seconds"),
                    "runs": args.runs,
                    "load_average": round(os.getloadavg()[0], 1),
                    "cases": cases,
                },
                indent=1,
            )
            + "\n"
        )
        print("largest imports of osiris.entrypoints.lookup (cumulative):")
        print(import_profile(env))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
