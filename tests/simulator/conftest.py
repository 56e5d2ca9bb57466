"""Fixtures for the simulated cluster: a populated cluster, its API server, a recording sink."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.auth import AccessPolicy, User
from osiris.simulator.clock import ManualClock
from osiris.simulator.cluster import SimulatedCluster

ALICE_TOKEN = "sha256~alice-token"
ARCHIVER_TOKEN = "sha256~archiver-token"
REVIEWER_TOKEN = "sha256~lookup-token"
# What an oauth-proxy's login gives alice: an OAuth token with the proxy's scopes.
ALICE_SCOPED_TOKEN = "sha256~alice-proxy-token"

TOKENS = {
    ALICE_TOKEN: User("alice", uid="1f0c8e4e-5a55-4c51-9d3c-5d4b7d6a2a11", groups=("devs",)),
    ARCHIVER_TOKEN: User("system:serviceaccount:osiris:archive"),
    REVIEWER_TOKEN: User("system:serviceaccount:osiris:lookup"),
    ALICE_SCOPED_TOKEN: User(
        "alice",
        uid="1f0c8e4e-5a55-4c51-9d3c-5d4b7d6a2a11",
        groups=("devs",),
        scopes=("user:info", "user:check-access"),
    ),
}


def make_policy() -> AccessPolicy:
    return (
        AccessPolicy()
        .allow("alice", namespaces=["shop"], resources=["builds", "builds/log", "buildconfigs"])
        .allow(
            "system:serviceaccount:osiris:archive",
            resources=["builds", "builds/log", "buildconfigs", "namespaces"],
        )
        .allow(
            "system:serviceaccount:osiris:lookup",
            resources=["tokenreviews", "subjectaccessreviews"],
            verbs=["create"],
        )
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def cluster(clock: ManualClock) -> SimulatedCluster:
    """Namespaces shop (Docker bc ``api``, Source bc ``web``) and ops (Docker bc ``tools``)."""
    cluster = SimulatedCluster(clock=clock)
    cluster.create_namespace("shop")
    cluster.create_namespace("ops")
    cluster.create_buildconfig("shop", "api", strategy="Docker")
    cluster.create_buildconfig(
        "shop", "web", strategy="Source", git_uri="https://github.com/example/web"
    )
    cluster.create_buildconfig("ops", "tools", strategy="Docker")
    return cluster


@pytest.fixture
def server(cluster: SimulatedCluster) -> Iterator[SimulatedApiServer]:
    with SimulatedApiServer(
        cluster, tokens=TOKENS, policy=make_policy(), log_wait_timeout=0.2
    ) as server:
        yield server


@pytest.fixture
def open_server(cluster: SimulatedCluster) -> Iterator[SimulatedApiServer]:
    """No authentication at all (the local demo's mode)."""
    with SimulatedApiServer(cluster) as server:
        yield server


@dataclass
class ReceivedEvent:
    headers: dict[str, str]
    body: bytes


@dataclass
class RecordingSink:
    """A real HTTP sink: answers each POST with the next scripted status (200 when none left)."""

    url: str = ""
    script: list[int] = field(default_factory=list)
    received: list[ReceivedEvent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self, request: ReceivedEvent) -> int:
        with self.lock:
            self.received.append(request)
            return self.script.pop(0) if self.script else 200

    def bodies(self) -> list[Any]:
        with self.lock:
            return [json.loads(event.body) for event in self.received]


@pytest.fixture
def sink() -> Iterator[RecordingSink]:
    recording = RecordingSink()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = recording.next_status(
                ReceivedEvent({k.lower(): v for k, v in self.headers.items()}, body)
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    recording.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield recording
    httpd.shutdown()
    httpd.server_close()
    thread.join()
