"""``osiris dev``: both functions, a local directory store and a simulated cluster.

The simulated cluster runs builds; an ApiServerSource emulation sends their events to
the archive function (functions-framework, over HTTP); the archive lands in a local
directory with the real key layout; the lookup function serves it.
"""

from __future__ import annotations

import argparse
import json
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

from osiris.dev.processes import FunctionProcess
from osiris.dev.scenario import PlannedBuild, PlannedPipeline, pipeline_plan, plan, populate
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.source import EventSender

PREFIX = "osiris"
CLUSTER = "local"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=Path("osiris-data"), help="store directory")
    parser.add_argument("--builds", type=int, default=8, help="builds to run before the summary")
    parser.add_argument(
        "--pipelines", type=int, default=2, help="PipelineRuns to run before the summary"
    )
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between builds")
    parser.add_argument("--lookup-port", type=int, default=8081)
    parser.add_argument("--archive-port", type=int, default=8080)
    parser.add_argument(
        "--once", action="store_true", help="exit after the summary instead of building on"
    )


def run(args: argparse.Namespace) -> int:
    # The functions run in sessions of their own (a terminal's Ctrl-C reaches only this
    # process, which stops them in order); a kill or a closed terminal must stop them too,
    # or they would linger on their ports.
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, signal.default_int_handler)
    data = args.data.resolve()
    data.mkdir(parents=True, exist_ok=True)
    cluster = SimulatedCluster(cluster_name=CLUSTER)
    populate(cluster)
    builds, pipelines = plan(), pipeline_plan()
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="osiris-dev-")))
        apiserver = stack.enter_context(SimulatedApiServer(cluster, tls=True))
        environ = {
            "OSIRIS_STORAGE_URL": f"file://{data}",
            "OSIRIS_PREFIX": PREFIX,
            "OSIRIS_CLUSTER": CLUSTER,
            "KUBECONFIG": str(apiserver.write_kubeconfig(work / "kubeconfig")),
            "OSIRIS_AUTH": "none",
        }
        archive = stack.enter_context(
            FunctionProcess("archive", environ, data / "archive.log", port=args.archive_port)
        )
        lookup = stack.enter_context(
            FunctionProcess("lookup", environ, data / "lookup.log", port=args.lookup_port)
        )
        sender = stack.enter_context(EventSender(cluster, archive.url))
        print(f"web UI                 {lookup.url}/  (open it in a browser)")
        print(f"simulated cluster API  {apiserver.url}  (kubeconfig {work / 'kubeconfig'})")
        print(f"archive function       {archive.url}  (log: {data / 'archive.log'})")
        print(f"lookup function        {lookup.url}  (log: {data / 'lookup.log'})")
        print(f"store                  {data / PREFIX}\n")

        _run_builds(cluster, sender, builds, args.builds, args.interval)
        _run_pipelines(cluster, sender, pipelines, args.pipelines)
        _summary(data, archive, lookup)
        if args.once:
            return 0
        print("\nbuilding on every 10 s; Ctrl-C to stop")
        try:
            while True:
                time.sleep(10)
                _run_builds(cluster, sender, builds, 1, 0)
                _run_pipelines(cluster, sender, pipelines, 1)
        except KeyboardInterrupt:
            print()
    return 0


def _run_builds(
    cluster: SimulatedCluster,
    sender: EventSender,
    builds: Iterator[PlannedBuild],
    count: int,
    interval: float,
) -> None:
    for _ in range(count):
        planned = next(builds)
        build = cluster.start_build(
            planned.namespace,
            planned.buildconfig,
            outcome=planned.outcome,
            log_size=planned.log_size,
        )
        name = f"{planned.namespace}/{build['metadata']['name']}"
        print(f"  build {name:<32} {planned.outcome}")
        time.sleep(interval)
    sender.wait_idle(timeout=120)


def _run_pipelines(
    cluster: SimulatedCluster,
    sender: EventSender,
    pipelines: Iterator[PlannedPipeline],
    count: int,
) -> None:
    for _ in range(count):
        planned = next(pipelines)
        run = cluster.tekton.run_pipeline(
            planned.namespace, planned.pipeline, outcome=planned.outcome, pod_gone=planned.pod_gone
        )
        name = f"{planned.namespace}/{run['metadata']['name']}"
        tasks = len(run["status"].get("childReferences", []))
        print(f"  pipelinerun {name:<26} {planned.outcome} ({tasks} TaskRuns)")
    sender.wait_idle(timeout=120)


def _summary(data: Path, archive: FunctionProcess, lookup: FunctionProcess) -> None:
    print("\narchive decisions:")
    for line in archive.output().splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("message") == "event handled" and entry.get("decision") != "ignored":
            print(
                f"  {entry.get('run', '?'):<44} {entry['decision']:<17}"
                f" {entry.get('bytes_in', 0):>9} B -> {entry.get('bytes_out', 0):>8} B gzip"
            )
    logs = sorted((data / PREFIX).rglob("log.gz"))
    steps = sorted((data / PREFIX).rglob("steps/*.log.gz"))
    print(f"\n{len(logs)} logs archived under {data / PREFIX}, e.g.\n  {logs[0] if logs else '-'}")
    print(f"{len(steps)} TaskRun step logs, e.g.\n  {steps[0] if steps else '-'}")
    print("\ntry:")
    print(f"  open {lookup.url}/  (the web UI: namespaces, builds, logs)")
    print(f"  curl -s {lookup.url}/api/v1/namespaces")
    print(f"  curl -s '{lookup.url}/api/v1/namespaces/shop/builds?limit=5'")
    print(f"  curl -s {lookup.url}/api/v1/namespaces/shop/buildconfigs/storefront/latest")
    print(f"  curl -s {lookup.url}/api/v1/namespaces/shop/builds/storefront-1/log | tail")
    print(f"  curl -s '{lookup.url}/api/v1/namespaces/shop/pipelineruns?limit=5'")
    print(f"  curl -s {lookup.url}/api/v1/namespaces/shop/pipelineruns/storefront-ci-1/log | tail")
    print(f"  open {lookup.url}/api/v1/docs  (API page)")
