"""An in-memory OpenShift cluster: namespaces, BuildConfigs and Builds (build.openshift.io/v1).

Usage::

    from osiris.simulator.clock import ManualClock
    from osiris.simulator.cluster import SimulatedCluster
    from osiris.simulator.faults import LogFault

    cluster = SimulatedCluster()                     # or SimulatedCluster(clock=ManualClock())
    cluster.create_namespace("shop")
    cluster.create_buildconfig("shop", "api", strategy="Docker")
    build = cluster.start_build("shop", "api", outcome="Complete", log_size=5_000_000, seed=1)
    build["metadata"]["name"]                        # "api-1"; the object as the API serves it

    unsubscribe = cluster.subscribe(lambda action, obj: print(action, obj["status"]["phase"]))
    pending = cluster.start_build("shop", "api", run=False)   # stays New ...
    cluster.advance_build("shop", pending["metadata"]["name"])  # ... New -> Pending -> Running -> terminal

    cluster.add_log_fault("shop", "api-1", LogFault(status=503, times=2))      # next 2 log requests fail
    cluster.add_log_fault("shop", "api-1", LogFault(cut_after=1 << 20, times=1))  # then one is cut
    cluster.delete_build_pod("shop", "api-1")        # the log becomes unavailable (400), build stays
    cluster.delete_build("shop", "api-1")            # the build is gone (404), a delete event fires

Objects are plain JSON dicts shaped exactly as openshift-apiserver serializes them
(:mod:`osiris.simulator.buildshapes`). Every getter returns a deep copy.

Phases follow the build controller: New -> Pending -> Running -> Complete | Failed |
Cancelled; ``Error`` builds never get a pod (New -> Error). In instant mode (``run=True``)
the timestamps are back-dated from ``clock.now()`` so they are never in the future.

Subscribers are called synchronously, in change order, under the cluster lock: they must
be quick (the event sender only enqueues) and must not block on other threads.
"""

from __future__ import annotations

import copy
import threading
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from osiris.simulator.buildlogs import LogSpec
from osiris.simulator.buildshapes import (
    TERMINAL_PHASES,
    Outcome,
    build_log_spec,
    enter_phase,
    new_build_object,
    new_buildconfig_object,
    next_phase,
    touch,
)
from osiris.simulator.bulktext import BulkText
from osiris.simulator.clock import Clock, rfc3339
from osiris.simulator.cluster_logs import BuildLogAccess
from osiris.simulator.errors import ClusterError, bad_request, not_found
from osiris.simulator.faults import LogFault

JSON = dict[str, Any]
Action = Literal["add", "update", "delete"]
Listener = Callable[[str, JSON], None]


@dataclass
class _BuildConfig:
    obj: JSON
    last_version: int = 0


@dataclass
class BuildRecord:
    """What the cluster keeps of one build: the object, its log and how the log is served."""

    obj: JSON
    log_spec: LogSpec
    outcome: Outcome
    duration: int  # seconds the build "runs" in instant mode
    pod_exists: bool = False
    faults: list[LogFault] = field(default_factory=list)
    log_requests: int = 0
    content: Callable[[], Iterable[bytes]] | None = None


class SimulatedCluster(BuildLogAccess):
    """Thread-safe in-memory state of namespaces, BuildConfigs and Builds."""

    def __init__(self, clock: Clock | None = None, cluster_name: str = "simulated") -> None:
        self.clock = clock or Clock()
        self.cluster_name = cluster_name
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._resource_version = 0
        self._namespaces: dict[str, JSON] = {}
        self._buildconfigs: dict[tuple[str, str], _BuildConfig] = {}
        self._builds: dict[tuple[str, str], BuildRecord] = {}
        self._listeners: list[Listener] = []
        from osiris.simulator.tekton import TektonRuns  # one depends on the other's lock

        self.tekton = TektonRuns(self)

    # ------------------------------------------------------------------ bookkeeping

    def _next_version(self) -> str:
        self._resource_version += 1
        return str(self._resource_version)

    @property
    def resource_version(self) -> str:
        with self._lock:
            return str(self._resource_version)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(action, build)`` for every Build add/update/delete; returns unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _notify(self, action: Action, obj: JSON) -> None:
        self._changed.notify_all()
        for listener in list(self._listeners):
            listener(action, copy.deepcopy(obj))

    # ------------------------------------------------------------------ namespaces

    def create_namespace(self, name: str, labels: dict[str, str] | None = None) -> JSON:
        with self._lock:
            if name in self._namespaces:
                raise ClusterError(
                    409,
                    "AlreadyExists",
                    f'namespaces "{name}" already exists',
                    {"name": name, "kind": "namespaces"},
                )
            now = rfc3339(self.clock.now())
            self._namespaces[name] = {
                "metadata": {
                    "name": name,
                    "uid": str(uuid.uuid4()),
                    "resourceVersion": self._next_version(),
                    "creationTimestamp": now,
                    "labels": {"kubernetes.io/metadata.name": name, **(labels or {})},
                    "annotations": {"openshift.io/sa.scc.uid-range": "1000650000/10000"},
                },
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
            return self.get_namespace(name)

    def get_namespace(self, name: str) -> JSON:
        with self._lock:
            if name not in self._namespaces:
                raise not_found("namespaces", name, group="")
            return {
                "kind": "Namespace",
                "apiVersion": "v1",
                **copy.deepcopy(self._namespaces[name]),
            }

    def list_namespaces(self) -> list[JSON]:
        with self._lock:
            return [self.get_namespace(name) for name in sorted(self._namespaces)]

    def _require_namespace(self, namespace: str) -> None:
        if namespace not in self._namespaces:
            raise not_found("namespaces", namespace, group="")

    # ------------------------------------------------------------------ buildconfigs

    def create_buildconfig(
        self,
        namespace: str,
        name: str,
        *,
        strategy: Literal["Docker", "Source"] = "Docker",
        git_uri: str | None = None,
        git_ref: str = "main",
        context_dir: str | None = None,
        builder_image: str = "python:3.11-ubi9",
        labels: dict[str, str] | None = None,
        node_selector: dict[str, str] | None = None,
        run_policy: str = "Serial",
    ) -> JSON:
        with self._lock:
            self._require_namespace(namespace)
            if (namespace, name) in self._buildconfigs:
                raise ClusterError(
                    409,
                    "AlreadyExists",
                    f'buildconfigs.build.openshift.io "{name}" already exists',
                    {"name": name, "group": "build.openshift.io", "kind": "buildconfigs"},
                )
            obj = new_buildconfig_object(
                namespace,
                name,
                strategy=strategy,
                git_uri=git_uri,
                git_ref=git_ref,
                context_dir=context_dir,
                builder_image=builder_image,
                labels=labels,
                node_selector=node_selector,
                run_policy=run_policy,
                created=self.clock.now(),
                resource_version=self._next_version(),
            )
            self._buildconfigs[(namespace, name)] = _BuildConfig(obj)
            return copy.deepcopy(obj)

    def get_buildconfig(self, namespace: str, name: str) -> JSON:
        with self._lock:
            record = self._buildconfigs.get((namespace, name))
            if record is None:
                raise not_found("buildconfigs", name)
            return copy.deepcopy(record.obj)

    def list_buildconfigs(self, namespace: str | None = None) -> list[JSON]:
        with self._lock:
            return [
                copy.deepcopy(record.obj)
                for key, record in sorted(self._buildconfigs.items())
                if namespace is None or key[0] == namespace
            ]

    # ------------------------------------------------------------------ builds

    def start_build(
        self,
        namespace: str,
        buildconfig: str,
        *,
        outcome: Outcome = "Complete",
        log_size: int = 64 * 1024,
        seed: int | None = None,
        run: bool = True,
        duration: int | None = None,
        trigger: Literal["Manual", "GitHub"] = "Manual",
        log_text: BulkText = "tests",
    ) -> JSON:
        """Instantiate the BuildConfig; with ``run`` the build goes straight to ``outcome``.

        ``duration`` is the simulated run time in seconds (default: one second per MiB of
        log, at least 5). ``log_text`` picks what the log's bulk is made of
        (:data:`~osiris.simulator.bulktext.BulkText`). Returns the build as it is after
        the call.
        """
        with self._lock:
            bc = self._buildconfigs.get((namespace, buildconfig))
            if bc is None:
                raise not_found("buildconfigs", buildconfig)
            bc.last_version += 1
            bc.obj["status"]["lastVersion"] = bc.last_version
            bc.obj["metadata"]["resourceVersion"] = self._next_version()
            number = bc.last_version
            name = f"{buildconfig}-{number}"
            seed = seed if seed is not None else zlib.crc32(f"{namespace}/{name}".encode())
            run_seconds = duration if duration is not None else max(5, log_size // (1024 * 1024))
            created = self.clock.now()
            if run:
                created -= timedelta(seconds=run_seconds + 3)
            obj = new_build_object(
                bc.obj,
                name,
                number=number,
                seed=seed,
                created=created,
                trigger=trigger,
                resource_version=self._next_version(),
            )
            spec = build_log_spec(obj, seed, log_size, outcome, log_text)
            git = obj["spec"]["revision"]["git"]
            git["commit"] = spec.commit
            git["message"] = spec.commit_message
            git["author"] = {"name": spec.author_name, "email": spec.author_email}
            git["committer"] = {"name": spec.author_name, "email": spec.author_email}
            record = BuildRecord(obj=obj, log_spec=spec, outcome=outcome, duration=run_seconds)
            self._builds[(namespace, name)] = record
            self._notify("add", obj)
            if run:
                self._run_to_end(record, created)
            return copy.deepcopy(record.obj)

    # ------------------------------------------------------------------ phases

    def _run_to_end(self, record: BuildRecord, created: datetime) -> None:
        queued = created + timedelta(seconds=3)
        while record.obj["status"]["phase"] not in TERMINAL_PHASES:
            phase = record.obj["status"]["phase"]
            if phase == "New":
                self._step(record, queued - timedelta(seconds=2))
            elif phase == "Pending":
                self._step(record, queued)
            else:
                self._step(record, queued + timedelta(seconds=record.duration))

    def advance_build(self, namespace: str, name: str) -> JSON:
        """Move a build one phase forward at ``clock.now()``; returns the new object."""
        with self._lock:
            record = self._record(namespace, name)
            if record.obj["status"]["phase"] in TERMINAL_PHASES:
                raise bad_request(f"build {name} is already {record.obj['status']['phase']}")
            self._step(record, self.clock.now())
            return copy.deepcopy(record.obj)

    def finish_build(self, namespace: str, name: str) -> JSON:
        """Advance a build until it reaches its terminal phase at ``clock.now()``."""
        with self._lock:
            record = self._record(namespace, name)
            while record.obj["status"]["phase"] not in TERMINAL_PHASES:
                self._step(record, self.clock.now())
            return copy.deepcopy(record.obj)

    def _step(self, record: BuildRecord, at: datetime) -> None:
        phase = next_phase(record.obj["status"]["phase"], record.outcome)
        if phase == "Pending":
            record.pod_exists = True
        enter_phase(record.obj, phase, at, record.log_spec)
        touch(record.obj, at, self._next_version())
        self._notify("update", record.obj)

    # ------------------------------------------------------------------ reads

    def _record(self, namespace: str, name: str) -> BuildRecord:
        record = self._builds.get((namespace, name))
        if record is None:
            raise not_found("builds", name)
        return record

    def get_build(self, namespace: str, name: str) -> JSON:
        with self._lock:
            return copy.deepcopy(self._record(namespace, name).obj)

    def list_builds(self, namespace: str | None = None) -> list[JSON]:
        """Builds sorted by (namespace, name) like etcd keys; ``None`` lists every namespace."""
        with self._lock:
            return [
                copy.deepcopy(record.obj)
                for key, record in sorted(self._builds.items())
                if namespace is None or key[0] == namespace
            ]

    def wait_until_started(self, namespace: str, name: str, timeout: float) -> JSON:
        """Block until the build leaves New/Pending (or ``timeout``); returns the latest object."""
        with self._lock:
            self._changed.wait_for(
                lambda: (
                    (namespace, name) not in self._builds
                    or self._builds[(namespace, name)].obj["status"]["phase"]
                    not in ("New", "Pending")
                ),
                timeout=timeout,
            )
            return self.get_build(namespace, name)

    # ------------------------------------------------------------------ deletion

    def delete_build(self, namespace: str, name: str) -> JSON:
        """Delete a build and its pod; subscribers get a delete event with the last object."""
        with self._lock:
            record = self._builds.pop((namespace, name), None)
            if record is None:
                raise not_found("builds", name)
            self._resource_version += 1  # a deletion is a write, the object keeps its last version
            self._notify("delete", record.obj)
            return copy.deepcopy(record.obj)

    def prune_builds(
        self, namespace: str, buildconfig: str, keep_successful: int = 5, keep_failed: int = 5
    ) -> list[str]:
        """Delete the oldest terminal builds beyond the history limits, like the build controller."""
        with self._lock:
            mine = [
                r
                for (ns, _), r in self._builds.items()
                if ns == namespace and r.obj["status"]["config"]["name"] == buildconfig
            ]
            mine.sort(
                key=lambda r: int(r.obj["metadata"]["annotations"]["openshift.io/build.number"])
            )
            successful = [r for r in mine if r.obj["status"]["phase"] == "Complete"]
            failed = [
                r for r in mine if r.obj["status"]["phase"] in ("Failed", "Error", "Cancelled")
            ]
            doomed = successful[: max(0, len(successful) - keep_successful)]
            doomed += failed[: max(0, len(failed) - keep_failed)]
            names = [r.obj["metadata"]["name"] for r in doomed]
            for doomed_name in names:
                self.delete_build(namespace, doomed_name)
            return names
