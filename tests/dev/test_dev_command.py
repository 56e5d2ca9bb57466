"""The README's first command, as a newcomer runs it: ``osiris dev``, then the UI and ``curl``.

It runs the real thing: a subprocess with both functions under functions-framework, the
simulated cluster over TLS, the local-directory store. The test reads what it prints,
asks the lookup function over HTTP for every build it announced, checks each log against
the digest the archive recorded, and stops it with Ctrl-C, or a kill, as a user would.
"""

from __future__ import annotations

import hashlib
import json
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import urllib3

http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=30))
BUILD_LINE = re.compile(
    r"^  build (?P<namespace>[a-z0-9-]+)/(?P<name>[a-z0-9.-]+)\s+(?P<phase>\w+)$"
)
PIPELINE_LINE = re.compile(
    r"^  pipelinerun (?P<namespace>[a-z0-9-]+)/(?P<name>\S+)\s+(?P<phase>[A-Za-z]+) \((?P<tasks>\d+)"
)
LOOKUP_LINE = re.compile(r"^lookup function\s+(?P<url>http://127\.0\.0\.1:\d+)\s")
UI_LINE = re.compile(r"^web UI\s+(?P<url>http://127\.0\.0\.1:\d+/)\s")
EXIT_TIMEOUT = 60


def get_json(url: str) -> dict:  # type: ignore[type-arg]
    response = http.request("GET", url)
    assert response.status == 200, (url, response.data[:300])
    return json.loads(response.data)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "kill"])
def test_dev_archives_builds_and_serves_them_until_stopped(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    data = tmp_path / "osiris-data"
    dev = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "osiris.cli",
            "dev",
            "--data",
            str(data),
            "--builds",
            "3",
            "--interval",
            "0.1",
            "--lookup-port",
            "0",
            "--archive-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert dev.stdout is not None
        printed: list[str] = []
        for line in dev.stdout:
            printed.append(line.rstrip("\n"))
            if line.startswith("try:"):
                break
        lookup = next(m["url"] for m in map(LOOKUP_LINE.match, printed) if m)
        # The first URL printed is the web UI's, served by the lookup function.
        first_url = next(line for line in printed if "http" in line)
        ui = UI_LINE.match(first_url)
        assert ui is not None and ui["url"] == f"{lookup}/", printed
        page = http.request("GET", ui["url"])
        assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
        assert b'data-page="namespaces"' in page.data
        ports = [int(p) for p in re.findall(r"http://127\.0\.0\.1:(\d+)\s", "\n".join(printed))]
        assert len(ports) == 2, printed  # archive and lookup
        announced = [m.groupdict() for m in map(BUILD_LINE.match, printed) if m]
        assert len(announced) == 3, printed
        assert "3 logs archived under" in "\n".join(printed)

        namespaces = {item["name"] for item in get_json(f"{lookup}/api/v1/namespaces")["items"]}
        assert {build["namespace"] for build in announced} <= namespaces
        for build in announced:
            base = f"{lookup}/api/v1/namespaces/{build['namespace']}/builds/{build['name']}"
            document = get_json(base)
            assert document["phase"] == build["phase"]
            log = http.request("GET", f"{base}/log", headers={"Accept-Encoding": "identity"})
            assert log.status == 200
            assert len(log.data) == document["log"]["rawBytes"] > 0
            assert hashlib.sha256(log.data).hexdigest() == document["log"]["sha256"]
            listed = get_json(f"{lookup}/api/v1/namespaces/{build['namespace']}/builds")
            assert build["name"] in {item["name"] for item in listed["items"]}
        runs = [m.groupdict() for m in map(PIPELINE_LINE.match, printed) if m]
        assert len(runs) == 2, printed  # the default --pipelines
        for run in runs:
            base = f"{lookup}/api/v1/namespaces/{run['namespace']}/pipelineruns/{run['name']}"
            document = get_json(base)
            assert document["phase"] == run["phase"]
            assert len(document["taskRuns"]) == int(run["tasks"]) > 0
            assert all(child["archived"] for child in document["taskRuns"]), document
            log = http.request("GET", f"{base}/log")
            lines = log.data.decode().splitlines()
            assert log.status == 200 and lines
            assert all(line.startswith("[") and " : " in line.split("]")[0] for line in lines)
    finally:
        dev.send_signal(stop_signal)
        try:
            dev.communicate(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            dev.kill()
            dev.communicate()
            raise
    assert dev.returncode == 0
    for port in ports:  # the functions stopped with it: nothing lingers on their ports
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, port
    assert sorted(p.name for p in (data / "osiris").rglob("log.gz")) == ["log.gz"] * 3
