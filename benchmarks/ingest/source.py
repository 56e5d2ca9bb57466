"""The log source: a simulated OpenShift API server in a process of its own.

Its own process, so that neither measured client shares a GIL with the log generator.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import urllib3
from benchmarks.ingest.names import BUILDCONFIG, NAMESPACE

from osiris.simulator.buildlogs import LogSpec


@dataclass(frozen=True)
class Source:
    url: str
    ca_file: str | None
    kubeconfig: str
    builds: dict[tuple[str, int], dict[str, Any]]  # (text, log size) -> Build object
    specs: dict[tuple[str, int], LogSpec]


def _serve_cluster(conn: Connection, cases: list[tuple[str, int]], tls: bool, workdir: str) -> None:
    from osiris.simulator.apiserver import SimulatedApiServer
    from osiris.simulator.cluster import SimulatedCluster

    cluster = SimulatedCluster()
    cluster.create_namespace(NAMESPACE)
    cluster.create_buildconfig(NAMESPACE, BUILDCONFIG, strategy="Docker")
    builds = {
        (text, size): cluster.start_build(
            NAMESPACE,
            BUILDCONFIG,
            log_size=size,
            seed=index,
            log_text=text,  # type: ignore[arg-type]  # checked by parse_args
        )
        for index, (text, size) in enumerate(cases, start=1)
    }
    specs = {case: cluster.log_spec(NAMESPACE, b["metadata"]["name"]) for case, b in builds.items()}
    with SimulatedApiServer(cluster, tls=tls) as server:
        kubeconfig = server.write_kubeconfig(Path(workdir) / "kubeconfig")
        ca = str(server.ca_file) if server.ca_file else None
        conn.send(Source(server.url, ca, str(kubeconfig), builds, specs))
        conn.recv()  # anything, or EOF when the parent dies: stop


@contextmanager
def log_source(
    cases: Sequence[Any], tls: bool, workdir: Path, serve: Callable[..., None] = _serve_cluster
) -> Iterator[tuple[Any, int]]:
    """``serve`` (the Builds by default) runs in a process and sends what the runs need."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve, args=(child, cases, tls, str(workdir)), daemon=True)
    process.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the simulated API server did not start within 60 s")
        source = parent.recv()  # a Source from _serve_cluster
        assert process.pid is not None
        yield source, process.pid
    finally:
        parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.kill()


def source_http(source: Source) -> urllib3.PoolManager:
    """The raw side's HTTP client: it trusts the source's CA, and never retries."""
    return urllib3.PoolManager(
        cert_reqs="CERT_REQUIRED" if source.ca_file else "CERT_NONE",
        ca_certs=source.ca_file,
        retries=False,
    )
